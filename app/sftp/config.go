// Package sftp is Consign's SFTP client transport: it logs in to a supplier's
// (or an EDI VAN's) SFTP server, writes outbound files atomically, lists and
// reads inbound files and moves them to an archive folder.
//
// The package knows nothing about orders, suppliers or the database. Callers
// hand it a Config (from wherever they keep credentials) and folder names, and
// get back bytes and errors that say whether retrying makes sense (Temporary).
//
// Two levels are offered:
//
//   - Conn is one logged-in connection with path-based operations (List, Read,
//     Write, Move, MkdirAll, Check).
//   - Folders and Session wrap a Conn in the Mailbox contract, which works on
//     plain file names inside fixed outbound, inbound and archive folders, so a
//     later AS2 transport can offer the same contract.
package sftp

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// Defaults applied when the corresponding Config field is zero.
const (
	DefaultPort    = 22
	DefaultTimeout = 15 * time.Second
)

// Config says how to reach one SFTP server and how to log in to it.
//
// Config holds secrets. Its String, GoString and LogValue methods mask them, so
// printing or logging a Config is safe; do not copy the secret fields into log
// attributes by hand.
type Config struct {
	Host string
	Port int // default 22
	User string

	// Password and/or PrivateKey authenticate us; at least one is required.
	// When both are set the key is tried first.
	Password string
	// PrivateKey is a PEM private key: OpenSSH ("BEGIN OPENSSH PRIVATE KEY"),
	// PKCS#8 ("BEGIN PRIVATE KEY"), PKCS#1 or SEC1. Passphrase decrypts an
	// encrypted OpenSSH or legacy PEM key.
	PrivateKey []byte
	Passphrase string

	// HostKeyFingerprint pins the server's host key. It is required: we never
	// trust a key on first use. Use the form `ssh-keygen -lf` prints,
	// "SHA256:<base64>", or the legacy MD5 form "aa:bb:..." (optionally
	// prefixed "MD5:").
	HostKeyFingerprint string

	// Timeout bounds the TCP connect plus the SSH handshake and login.
	// Default 15s.
	Timeout time.Duration

	// Dial opens the TCP connection. Consign passes a guarded dialer that
	// refuses private addresses; nil means a plain net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// ValidationError maps a Config field name to what is wrong with it.
// Messages never contain the field's value, since several fields are secret.
type ValidationError map[string]string

func (e ValidationError) Error() string {
	fields := slices.Sorted(maps.Keys(e))
	parts := make([]string, 0, len(fields))
	for _, f := range fields {
		parts = append(parts, f+": "+e[f])
	}
	return "sftp: invalid config: " + strings.Join(parts, "; ")
}

// Validate reports every problem with c at once, as a ValidationError.
func (c Config) Validate() error {
	if _, errs := c.check(); len(errs) > 0 {
		return errs
	}
	return nil
}

// check validates c and returns the parsed private key (nil without one), so
// that Dial decrypts an encrypted key (deliberately slow bcrypt) only once.
func (c Config) check() (ssh.Signer, ValidationError) {
	var signer ssh.Signer
	errs := ValidationError{}
	c.validateEndpoint(errs)

	if c.User == "" {
		errs["User"] = "required"
	}
	switch {
	case c.Password == "" && len(c.PrivateKey) == 0:
		errs["Password"] = "a password or a private key is required"
	case len(c.PrivateKey) > 0:
		var err error
		if signer, err = c.signer(); err != nil {
			errs["PrivateKey"] = err.Error()
		}
	}
	if c.HostKeyFingerprint == "" {
		errs["HostKeyFingerprint"] = "required: ask the server's operator for it, or use ScanHostKey and confirm it with them"
	} else if _, err := parseFingerprint(c.HostKeyFingerprint); err != nil {
		errs["HostKeyFingerprint"] = err.Error()
	}

	// Line breaks in any of these would let a value smuggle extra lines into
	// logs, UI or protocol fields; none has a legitimate use for them.
	for field, v := range map[string]string{
		"Host": c.Host, "User": c.User, "Password": c.Password,
		"Passphrase": c.Passphrase, "HostKeyFingerprint": c.HostKeyFingerprint,
	} {
		if strings.ContainsAny(v, "\r\n\x00") {
			errs[field] = "must not contain line breaks or NUL characters"
		}
	}

	return signer, errs
}

// validateEndpoint checks the fields needed just to reach the server, which is
// all ScanHostKey needs.
func (c Config) validateEndpoint(errs ValidationError) {
	switch {
	case c.Host == "":
		errs["Host"] = "required"
	case strings.ContainsAny(c.Host, " \t/"):
		errs["Host"] = "must be a bare host name or IP address, without spaces, scheme or path"
	case strings.Contains(c.Host, ":") && net.ParseIP(c.Host) == nil:
		// Catches "host:2222" and "sftp://host" while still allowing IPv6.
		errs["Host"] = "must be a bare host name or IP address; put the port in Port"
	}
	if c.Port < 0 || c.Port > 65535 {
		errs["Port"] = "must be between 1 and 65535"
	}
	if c.Timeout < 0 {
		errs["Timeout"] = "must not be negative"
	}
}

func (c Config) addr() string {
	port := c.Port
	if port == 0 {
		port = DefaultPort
	}
	return net.JoinHostPort(c.Host, strconv.Itoa(port))
}

func (c Config) timeout() time.Duration {
	if c.Timeout == 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

func (c Config) dialer() func(ctx context.Context, network, addr string) (net.Conn, error) {
	if c.Dial != nil {
		return c.Dial
	}
	var d net.Dialer
	return d.DialContext
}

// signer parses PrivateKey. Its errors describe the problem without quoting
// any of the key.
func (c Config) signer() (ssh.Signer, error) {
	s, err := ssh.ParsePrivateKey(c.PrivateKey)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) && c.Passphrase != "" {
		s, err = ssh.ParsePrivateKeyWithPassphrase(c.PrivateKey, []byte(c.Passphrase))
	}
	switch {
	case err == nil:
		return s, nil
	case errors.As(err, &missing):
		return nil, errors.New("the private key is encrypted: a passphrase is required")
	case errors.Is(err, x509.IncorrectPasswordError):
		return nil, errors.New("the passphrase does not decrypt the private key")
	case strings.Contains(string(c.PrivateKey), "BEGIN ENCRYPTED PRIVATE KEY"):
		return nil, errors.New("encrypted PKCS#8 keys are not supported; convert the key with `ssh-keygen -p -f KEYFILE` (OpenSSH format keeps the passphrase)")
	default:
		// The ssh package's parse errors name the problem ("no key found",
		// "unsupported key type"), never the key's contents.
		return nil, fmt.Errorf("not a usable PEM private key (OpenSSH or PKCS#8): %v", err)
	}
}

// authMethods returns what we offer the server, in order, and a description
// of it for error messages. signer is the parsed PrivateKey, if any.
func (c Config) authMethods(signer ssh.Signer) ([]ssh.AuthMethod, string) {
	var methods []ssh.AuthMethod
	var names []string
	if signer != nil {
		methods = append(methods, ssh.PublicKeys(signer))
		names = append(names, "public key")
	}
	if c.Password != "" {
		pw := c.Password
		// Many SFTP servers only offer "keyboard-interactive" for passwords;
		// answering its hidden prompts with the password is what interactive
		// clients do when the user types it.
		answer := func(_, _ string, questions []string, echos []bool) ([]string, error) {
			answers := make([]string, len(questions))
			for i := range questions {
				if !echos[i] {
					answers[i] = pw
				}
			}
			return answers, nil
		}
		methods = append(methods, ssh.Password(pw), ssh.KeyboardInteractive(answer))
		names = append(names, "password")
	}
	return methods, strings.Join(names, ", then ")
}

// String describes c for people with the secrets masked.
func (c Config) String() string {
	return fmt.Sprintf("sftp.Config{Host:%q Port:%d User:%q Password:%s PrivateKey:%s Passphrase:%s HostKeyFingerprint:%q Timeout:%s}",
		c.Host, c.Port, c.User, mask(c.Password != ""), mask(len(c.PrivateKey) > 0), mask(c.Passphrase != ""),
		c.HostKeyFingerprint, c.Timeout)
}

// GoString keeps %#v from printing the secrets.
func (c Config) GoString() string { return c.String() }

// LogValue keeps slog from printing the secrets.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", c.Host),
		slog.Int("port", c.Port),
		slog.String("user", c.User),
		slog.Bool("password", c.Password != ""),
		slog.Bool("private_key", len(c.PrivateKey) > 0),
		slog.String("host_key_fingerprint", c.HostKeyFingerprint),
	)
}

func mask(set bool) string {
	if set {
		return "[set]"
	}
	return "[empty]"
}
