package sftp

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"

	"golang.org/x/crypto/ssh"
)

// HostKeyMismatchError is returned when the server presents a host key other
// than the pinned one. That is either a man in the middle or a server whose
// key was changed; only the server's operator can say which, so it is never
// retried and never accepted automatically.
type HostKeyMismatchError struct {
	Host    string // host:port we dialled
	Want    string // the pinned fingerprint, as configured
	Got     string // the presented key's fingerprint, in the same form as Want
	KeyType string // the presented key's type, e.g. "ssh-ed25519"
}

func (e *HostKeyMismatchError) Error() string {
	return fmt.Sprintf("sftp: host key mismatch for %s: expected %s, but the server presented %s key %s; "+
		"confirm the new fingerprint with the server's operator before changing the configuration",
		e.Host, e.Want, e.KeyType, e.Got)
}

// Fingerprint returns pub's SHA256 fingerprint exactly as `ssh-keygen -lf`
// prints it ("SHA256:" and unpadded base64).
func Fingerprint(pub ssh.PublicKey) string {
	return ssh.FingerprintSHA256(pub)
}

// fingerprint is a parsed Config.HostKeyFingerprint in canonical text form,
// so that comparing it with a key's fingerprint is a plain byte comparison.
type fingerprint struct {
	md5  bool
	text string // "SHA256:<base64>" or "aa:bb:..."
}

func parseFingerprint(s string) (fingerprint, error) {
	s = strings.TrimSpace(s)
	if rest, ok := cutPrefixFold(s, "SHA256:"); ok {
		// Some tools print the base64 padded; ssh-keygen does not.
		rest = strings.TrimRight(rest, "=")
		sum, err := base64.RawStdEncoding.Strict().DecodeString(rest)
		if err != nil || len(sum) != sha256.Size {
			return fingerprint{}, errors.New(`malformed SHA256 fingerprint: want "SHA256:" and 43 base64 characters, as ssh-keygen -lf prints`)
		}
		return fingerprint{text: "SHA256:" + rest}, nil
	}

	rest, _ := cutPrefixFold(s, "MD5:")
	rest = strings.ToLower(rest)
	parts := strings.Split(rest, ":")
	ok := len(parts) == 16
	for _, p := range parts {
		if _, err := hex.DecodeString(p); err != nil || len(p) != 2 {
			ok = false
		}
	}
	if !ok {
		return fingerprint{}, errors.New(`malformed fingerprint: want "SHA256:..." as ssh-keygen -lf prints, or the legacy MD5 form "aa:bb:...:ff"`)
	}
	return fingerprint{md5: true, text: rest}, nil
}

// of returns key's fingerprint in the same form as f.
func (f fingerprint) of(key ssh.PublicKey) string {
	if f.md5 {
		return ssh.FingerprintLegacyMD5(key)
	}
	return ssh.FingerprintSHA256(key)
}

// pin returns a host key callback that accepts only the key f describes.
func (f fingerprint) pin(addr string) ssh.HostKeyCallback {
	return func(_ string, _ net.Addr, key ssh.PublicKey) error {
		got := f.of(key)
		// Constant time, so a network observer cannot learn the pin from timing.
		if subtle.ConstantTimeCompare([]byte(got), []byte(f.text)) == 1 {
			return nil
		}
		return &HostKeyMismatchError{Host: addr, Want: f.text, Got: got, KeyType: key.Type()}
	}
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// errScanned stops the handshake in ScanHostKey once the key has been seen.
var errScanned = errors.New("host key captured")

// ScanHostKey connects to cfg's server only as far as the key exchange and
// returns the SHA256 fingerprint of the host key it presents. It needs only
// Host, Port, Timeout and Dial; it never authenticates.
//
// This answers "what fingerprint does this server show?" for an admin screen.
// It proves nothing about the server's identity: whoever sits on the network
// path could have answered. The admin must confirm the fingerprint with the
// server's operator out of band (phone, their onboarding documents) before
// saving it as HostKeyFingerprint.
func ScanHostKey(ctx context.Context, cfg Config) (string, error) {
	errs := ValidationError{}
	cfg.validateEndpoint(errs)
	if strings.ContainsAny(cfg.Host, "\r\n\x00") {
		errs["Host"] = "must not contain line breaks or NUL characters"
	}
	if len(errs) > 0 {
		return "", errs
	}

	var seen ssh.PublicKey
	sshCfg := &ssh.ClientConfig{
		User: "consign", // any name: we stop before authentication
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			seen = key
			return errScanned
		},
	}
	client, _, err := connect(ctx, cfg, sshCfg, "", false)
	if client != nil {
		client.Close() // unreachable: the callback always refuses
	}
	if seen != nil {
		return Fingerprint(seen), nil
	}
	return "", err
}
