package sftp_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	pkgsftp "github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/consign/consign/app/sftp"
)

func validConfig(t *testing.T) sftp.Config {
	return sftp.Config{
		Host:               "sftp.supplier.example",
		User:               "consign",
		Password:           "pw",
		HostKeyFingerprint: sftp.Fingerprint(newKey(t).PublicKey()),
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	block, _ := ssh.MarshalPrivateKeyWithPassphrase(key.priv, "", []byte("secret"))
	encrypted := pem.EncodeToMemory(block)

	if err := validConfig(t).Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for name, tc := range map[string]struct {
		mutate func(*sftp.Config)
		field  string
	}{
		"no host":            {func(c *sftp.Config) { c.Host = "" }, "Host"},
		"host with port":     {func(c *sftp.Config) { c.Host = "sftp.example:2222" }, "Host"},
		"host as url":        {func(c *sftp.Config) { c.Host = "sftp://sftp.example" }, "Host"},
		"port too big":       {func(c *sftp.Config) { c.Port = 70000 }, "Port"},
		"no user":            {func(c *sftp.Config) { c.User = "" }, "User"},
		"no credentials":     {func(c *sftp.Config) { c.Password = "" }, "Password"},
		"no fingerprint":     {func(c *sftp.Config) { c.HostKeyFingerprint = "" }, "HostKeyFingerprint"},
		"short fingerprint":  {func(c *sftp.Config) { c.HostKeyFingerprint = "SHA256:abc" }, "HostKeyFingerprint"},
		"garbage md5":        {func(c *sftp.Config) { c.HostKeyFingerprint = "zz:11" }, "HostKeyFingerprint"},
		"newline in user":    {func(c *sftp.Config) { c.User = "bob\r\nINJECTED" }, "User"},
		"newline in pw":      {func(c *sftp.Config) { c.Password = "pw\n" }, "Password"},
		"not a key":          {func(c *sftp.Config) { c.PrivateKey = []byte("hello") }, "PrivateKey"},
		"missing passphrase": {func(c *sftp.Config) { c.PrivateKey = encrypted }, "PrivateKey"},
		"wrong passphrase":   {func(c *sftp.Config) { c.PrivateKey, c.Passphrase = encrypted, "nope" }, "PrivateKey"},
		"encrypted pkcs8": {func(c *sftp.Config) {
			c.PrivateKey = pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1}})
		}, "PrivateKey"},
		"negative timeout": {func(c *sftp.Config) { c.Timeout = -1 }, "Timeout"},
	} {
		c := validConfig(t)
		tc.mutate(&c)
		err := c.Validate()
		var verr sftp.ValidationError
		if !errors.As(err, &verr) || verr[tc.field] == "" {
			t.Errorf("%s: Validate = %v, want a message for %s", name, err, tc.field)
			continue
		}
		if c.Password != "" && strings.Contains(err.Error(), c.Password) {
			t.Errorf("%s: error reveals the password: %v", name, err)
		}
		if sftp.Temporary(err) {
			t.Errorf("%s: invalid config reported as temporary", name)
		}
		// Dial refuses the same config without touching the network.
		c.Dial = func(context.Context, string, string) (net.Conn, error) {
			t.Errorf("%s: Dial dialled with an invalid config", name)
			return nil, errors.New("unreachable")
		}
		if _, err := sftp.Dial(context.Background(), c); !errors.As(err, &verr) {
			t.Errorf("%s: Dial err = %v, want the ValidationError", name, err)
		}
	}

	c := validConfig(t)
	c.Password = ""
	c.PrivateKey, c.Passphrase = encrypted, "secret"
	if err := c.Validate(); err != nil {
		t.Errorf("encrypted key with the right passphrase: %v", err)
	}
	c.Host = "2001:db8::1"
	if err := c.Validate(); err != nil {
		t.Errorf("IPv6 host: %v", err)
	}
	c.HostKeyFingerprint = "  " + c.HostKeyFingerprint + "=" // pasted with padding and spaces
	if err := c.Validate(); err != nil {
		t.Errorf("padded fingerprint: %v", err)
	}
}

func TestSecretsAreMasked(t *testing.T) {
	t.Parallel()
	c := validConfig(t)
	c.Password = "p4ssw0rd-secret"
	c.Passphrase = "phrase-secret"
	c.PrivateKey = []byte("-----BEGIN OPENSSH PRIVATE KEY-----\nkey-secret\n")
	f := sftp.Folders{Config: c, Outbound: "/out"}

	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "cfg", c, "folders", f)
	out := fmt.Sprintf("%v %+v %#v %s %v %+v %#v", c, c, c, c, f, f, f) + logged.String()
	for _, secret := range []string{"p4ssw0rd-secret", "phrase-secret", "key-secret"} {
		if strings.Contains(out, secret) {
			t.Errorf("formatted config reveals %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "sftp.supplier.example") || !strings.Contains(out, "/out") {
		t.Errorf("formatted config lost the useful parts:\n%s", out)
	}
}

func TestTemporary(t *testing.T) {
	t.Parallel()
	wrap := func(err error) error { return fmt.Errorf("sftp: list %q: %w", "/in", err) }
	for name, tc := range map[string]struct {
		err  error
		want bool
	}{
		"nil":              {nil, false},
		"refused":          {wrap(&net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), true},
		"reset":            {wrap(syscall.ECONNRESET), true},
		"timeout":          {wrap(os.ErrDeadlineExceeded), true},
		"deadline":         {wrap(context.DeadlineExceeded), true},
		"eof":              {wrap(io.EOF), true},
		"connection lost":  {wrap(pkgsftp.ErrSSHFxConnectionLost), true},
		"dns timeout":      {wrap(&net.DNSError{Err: "timeout", IsTimeout: true}), true},
		"dns not found":    {wrap(&net.DNSError{Err: "no such host", IsNotFound: true}), false},
		"canceled":         {wrap(context.Canceled), false},
		"not exist":        {wrap(fs.ErrNotExist), false},
		"permission":       {wrap(fs.ErrPermission), false},
		"auth":             {wrap(sftp.ErrAuthFailed), false},
		"too large":        {wrap(sftp.ErrTooLarge), false},
		"host key":         {wrap(&sftp.HostKeyMismatchError{}), false},
		"unknown":          {errors.New("something odd"), false},
		"validation":       {sftp.ValidationError{"Host": "required"}, false},
		"sftp failure":     {wrap(&pkgsftp.StatusError{Code: 4}), false},
		"sftp no conn":     {wrap(&pkgsftp.StatusError{Code: 6}), true},
		"other socket err": {wrap(&net.OpError{Op: "read", Err: errors.New("boom")}), true},
	} {
		if got := sftp.Temporary(tc.err); got != tc.want {
			t.Errorf("%s: Temporary(%v) = %v, want %v", name, tc.err, got, tc.want)
		}
	}
}
