package sftp_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/consign/consign/app/devkit/sftpserver"
	"github.com/consign/consign/app/sftp"
)

const testPassword = "correct horse battery staple"

// start runs a server over a fresh directory and returns it with a Config
// that logs in to it.
func start(t *testing.T, opts sftpserver.Options) (*sftpserver.Server, sftp.Config) {
	t.Helper()
	if opts.Root == "" {
		opts.Root = t.TempDir()
	}
	if opts.Password == "" && opts.AuthorizedKey == nil {
		opts.Password = testPassword
	}
	srv, err := sftpserver.Start(opts)
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	cfg := sftp.Config{
		Host:               srv.Host(),
		Port:               srv.Port(),
		User:               "consign",
		Password:           opts.Password,
		HostKeyFingerprint: srv.Fingerprint(),
		Timeout:            5 * time.Second,
	}
	return srv, cfg
}

func dial(t *testing.T, cfg sftp.Config) *sftp.Conn {
	t.Helper()
	conn, err := sftp.Dial(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func mkdir(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func writeFile(t *testing.T, p, content string, mtime time.Time) {
	t.Helper()
	mkdir(t, filepath.Dir(p))
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if !mtime.IsZero() {
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func names(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestWriteListReadMove(t *testing.T) {
	t.Parallel()
	srv, cfg := start(t, sftpserver.Options{})
	mkdir(t, filepath.Join(srv.Root(), "outbound"))
	conn := dial(t, cfg)

	if err := conn.Write("/outbound", "po-1.xml", []byte("<po/>")); err != nil {
		t.Fatalf("Write: %v", err)
	}
	files, err := conn.List("/outbound")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(files) != 1 || files[0].Name != "po-1.xml" || files[0].Size != 5 || files[0].ModTime.IsZero() {
		t.Fatalf("List = %+v, want po-1.xml of 5 bytes", files)
	}
	data, err := conn.Read("/outbound/po-1.xml", 1024)
	if err != nil || string(data) != "<po/>" {
		t.Fatalf("Read = %q, %v", data, err)
	}

	// Archive twice under the same name: the second must not overwrite.
	if err := conn.Move("/outbound/po-1.xml", "/archive/2024/po-1.xml"); err != nil {
		t.Fatalf("Move: %v", err)
	}
	if err := conn.Write("/outbound", "po-1.xml", []byte("<po v=2/>")); err != nil {
		t.Fatalf("Write again: %v", err)
	}
	if err := conn.Move("/outbound/po-1.xml", "/archive/2024/po-1.xml"); err != nil {
		t.Fatalf("Move again: %v", err)
	}

	archive := filepath.Join(srv.Root(), "archive", "2024")
	if got := names(archive); !slices.Equal(got, []string{"po-1-1.xml", "po-1.xml"}) {
		t.Fatalf("archive holds %v, want [po-1-1.xml po-1.xml]", got)
	}
	if got := readFile(t, filepath.Join(archive, "po-1.xml")); got != "<po/>" {
		t.Errorf("first archived file = %q, was overwritten", got)
	}
	if got := names(filepath.Join(srv.Root(), "outbound")); len(got) != 0 {
		t.Errorf("outbound still holds %v", got)
	}
}

func TestListRegularFilesOldestFirst(t *testing.T) {
	t.Parallel()
	srv, cfg := start(t, sftpserver.Options{})
	in := filepath.Join(srv.Root(), "in")
	t0 := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	writeFile(t, filepath.Join(in, "c.edi"), "c", t0)
	writeFile(t, filepath.Join(in, "b.edi"), "b", t0.Add(time.Hour))
	writeFile(t, filepath.Join(in, "a.edi"), "a", t0.Add(time.Hour))
	mkdir(t, filepath.Join(in, "subfolder"))
	if err := os.Symlink("c.edi", filepath.Join(in, "link.edi")); err != nil {
		t.Fatal(err)
	}
	conn := dial(t, cfg)

	files, err := conn.List("in")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	var got []string
	for _, f := range files {
		got = append(got, f.Name)
	}
	if want := []string{"c.edi", "a.edi", "b.edi"}; !slices.Equal(got, want) {
		t.Fatalf("List = %v, want %v (by time, then name; no folders or links)", got, want)
	}
	if !files[0].ModTime.Equal(t0) {
		t.Errorf("ModTime = %v, want %v", files[0].ModTime, t0)
	}
}

func TestWriteReplacesExistingFile(t *testing.T) {
	t.Parallel()
	for _, noPosix := range []bool{false, true} {
		srv, cfg := start(t, sftpserver.Options{NoPosixRename: noPosix})
		mkdir(t, filepath.Join(srv.Root(), "out"))
		conn := dial(t, cfg)

		for _, content := range []string{"first", "second"} {
			if err := conn.Write("/out", "x.csv", []byte(content)); err != nil {
				t.Fatalf("NoPosixRename=%v: Write %q: %v", noPosix, content, err)
			}
		}
		out := filepath.Join(srv.Root(), "out")
		if got := readFile(t, filepath.Join(out, "x.csv")); got != "second" {
			t.Errorf("NoPosixRename=%v: x.csv = %q, want second", noPosix, got)
		}
		if got := names(out); !slices.Equal(got, []string{"x.csv"}) {
			t.Errorf("NoPosixRename=%v: out holds %v, want only x.csv", noPosix, got)
		}
	}
}

// TestWriteFailureLeavesNoPartialFile: when the upload fails half way (here:
// the server's disk is full), the final name must not appear, an older file
// under it must survive, and the temporary file must be cleaned up.
func TestWriteFailureLeavesNoPartialFile(t *testing.T) {
	t.Parallel()
	srv, cfg := start(t, sftpserver.Options{})
	out := filepath.Join(srv.Root(), "out")
	writeFile(t, filepath.Join(out, "old.xml"), "old content", time.Time{})
	conn := dial(t, cfg)
	srv.SetFailWrites(true)

	big := bytes.Repeat([]byte("x"), 200_000) // several SFTP packets
	for _, name := range []string{"new.xml", "old.xml"} {
		err := conn.Write("/out", name, big)
		if err == nil {
			t.Fatalf("Write %s succeeded on a full disk", name)
		}
		if sftp.Temporary(err) {
			t.Errorf("disk full reported as temporary: %v", err)
		}
	}
	if got := names(out); !slices.Equal(got, []string{"old.xml"}) {
		t.Errorf("out holds %v, want only old.xml (no new.xml, no .part)", got)
	}
	if got := readFile(t, filepath.Join(out, "old.xml")); got != "old content" {
		t.Errorf("old.xml = %q, want it untouched", got)
	}

	srv.SetFailWrites(false)
	if err := conn.Write("/out", "new.xml", big); err != nil {
		t.Fatalf("Write after recovery: %v", err)
	}
	if got := readFile(t, filepath.Join(out, "new.xml")); len(got) != len(big) {
		t.Errorf("new.xml has %d bytes, want %d", len(got), len(big))
	}
}

func TestHostKeyMismatch(t *testing.T) {
	t.Parallel()
	srv, cfg := start(t, sftpserver.Options{})
	other := newKey(t)
	cfg.HostKeyFingerprint = sftp.Fingerprint(other.PublicKey())

	_, err := sftp.Dial(context.Background(), cfg)
	var mismatch *sftp.HostKeyMismatchError
	if !errors.As(err, &mismatch) {
		t.Fatalf("Dial err = %v, want *HostKeyMismatchError", err)
	}
	if mismatch.Want != cfg.HostKeyFingerprint || mismatch.Got != srv.Fingerprint() || mismatch.KeyType != "ssh-ed25519" {
		t.Errorf("mismatch = %+v, want Want=%s Got=%s", mismatch, cfg.HostKeyFingerprint, srv.Fingerprint())
	}
	for _, want := range []string{cfg.HostKeyFingerprint, srv.Fingerprint(), srv.Addr()} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	if sftp.Temporary(err) {
		t.Error("host key mismatch reported as temporary")
	}
	if srv.Logins() != 0 {
		t.Error("client logged in to a server whose key did not match")
	}
}

func TestLegacyMD5Fingerprint(t *testing.T) {
	t.Parallel()
	srv, cfg := start(t, sftpserver.Options{})
	cfg.HostKeyFingerprint = "MD5:" + strings.ToUpper(ssh.FingerprintLegacyMD5(srv.HostKey()))
	dial(t, cfg)

	cfg.HostKeyFingerprint = ssh.FingerprintLegacyMD5(newKey(t).PublicKey())
	_, err := sftp.Dial(context.Background(), cfg)
	var mismatch *sftp.HostKeyMismatchError
	if !errors.As(err, &mismatch) || mismatch.Got != ssh.FingerprintLegacyMD5(srv.HostKey()) {
		t.Fatalf("Dial err = %v, want a mismatch reported in MD5 form", err)
	}
}

func TestAuthRefused(t *testing.T) {
	t.Parallel()
	srv, cfg := start(t, sftpserver.Options{})

	bad := cfg
	bad.Password = "wrong-password-123"
	_, err := sftp.Dial(context.Background(), bad)
	if !errors.Is(err, sftp.ErrAuthFailed) {
		t.Fatalf("Dial with wrong password: err = %v, want ErrAuthFailed", err)
	}
	if sftp.Temporary(err) {
		t.Error("auth failure reported as temporary")
	}
	if strings.Contains(err.Error(), bad.Password) {
		t.Errorf("error reveals the password: %v", err)
	}
	if !strings.Contains(err.Error(), `"consign"`) {
		t.Errorf("error %q does not name the user", err)
	}

	srv.SetRefuseAuth(true)
	if _, err := sftp.Dial(context.Background(), cfg); !errors.Is(err, sftp.ErrAuthFailed) {
		t.Fatalf("Dial while server refuses: err = %v, want ErrAuthFailed", err)
	}
}

func TestCheckNamesWhatIsWrong(t *testing.T) {
	t.Parallel()
	srv, cfg := start(t, sftpserver.Options{})
	mkdir(t, filepath.Join(srv.Root(), "inbound"))
	writeFile(t, filepath.Join(srv.Root(), "file.txt"), "x", time.Time{})
	conn := dial(t, cfg)

	if err := conn.Check("/inbound", "inbound", "/"); err != nil {
		t.Fatalf("Check of existing folders: %v", err)
	}
	err := conn.Check("/inbound", "/missing", "/file.txt")
	if err == nil {
		t.Fatal("Check passed with a missing folder")
	}
	msg := err.Error()
	for _, want := range []string{`"/missing" does not exist`, `"/file.txt"`, "not a folder"} {
		if !strings.Contains(msg, want) {
			t.Errorf("Check error %q does not say %s", msg, want)
		}
	}
	if strings.Contains(msg, `"/inbound"`) {
		t.Errorf("Check error %q blames the folder that is fine", msg)
	}
	if !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, sftp.ErrNotFolder) || sftp.Temporary(err) {
		t.Errorf("Check error kinds wrong: %v", err)
	}
}

func TestCheckPermissionDenied(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("running as root: directory permissions are not enforced")
	}
	srv, cfg := start(t, sftpserver.Options{})
	locked := filepath.Join(srv.Root(), "locked")
	mkdir(t, locked)
	if err := os.Chmod(locked, 0o311); err != nil { // enter but not list
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(locked, 0o755) })
	conn := dial(t, cfg)

	err := conn.Check("/locked")
	if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("Check err = %v, want permission denied", err)
	}
}

func TestNamesCannotTraverse(t *testing.T) {
	t.Parallel()
	srv, cfg := start(t, sftpserver.Options{})
	mkdir(t, filepath.Join(srv.Root(), "out", "sub"))
	conn := dial(t, cfg)

	for _, name := range []string{"../x", "..", ".", "", "sub/x", `..\x`, "/etc/passwd", "a\x00b"} {
		if err := conn.Write("/out/sub", name, []byte("x")); !errors.Is(err, sftp.ErrInvalidName) {
			t.Errorf("Write(%q) err = %v, want ErrInvalidName", name, err)
		}
	}
	if got := names(filepath.Join(srv.Root(), "out")); !slices.Equal(got, []string{"sub"}) {
		t.Errorf("out holds %v after refused writes", got)
	}
}

func TestUnreachableIsTemporaryAndQuick(t *testing.T) {
	t.Parallel()
	srv, cfg := start(t, sftpserver.Options{})
	srv.Stop()

	began := time.Now()
	_, err := sftp.Dial(context.Background(), cfg)
	if err == nil {
		t.Fatal("Dial to a stopped server succeeded")
	}
	if elapsed := time.Since(began); elapsed > 2*time.Second {
		t.Errorf("Dial took %s to fail", elapsed)
	}
	if !sftp.Temporary(err) || !strings.Contains(err.Error(), "refused") {
		t.Errorf("err = %v; want a temporary connection-refused error", err)
	}

	if err := srv.Restart(); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	dial(t, cfg)
}

func TestStalledServerTimesOut(t *testing.T) {
	t.Parallel()
	// Accepts TCP and then says nothing, like a wedged server or a firewall
	// that black-holes after the handshake.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		var conns []net.Conn
		for {
			c, err := ln.Accept()
			if err != nil {
				for _, c := range conns {
					c.Close()
				}
				return
			}
			conns = append(conns, c)
		}
	}()
	addr := ln.Addr().(*net.TCPAddr)
	cfg := sftp.Config{
		Host: "127.0.0.1", Port: addr.Port, User: "u", Password: "p",
		HostKeyFingerprint: sftp.Fingerprint(newKey(t).PublicKey()),
		Timeout:            300 * time.Millisecond,
	}

	began := time.Now()
	_, err = sftp.Dial(context.Background(), cfg)
	if elapsed := time.Since(began); elapsed > 3*time.Second {
		t.Errorf("Dial took %s with a 300ms timeout", elapsed)
	}
	if !sftp.Temporary(err) || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("err = %v; want a temporary timeout", err)
	}

	// A cancelled context stops the handshake too, and is not "temporary".
	cfg.Timeout = time.Minute
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err = sftp.Dial(ctx, cfg)
	if !errors.Is(err, context.Canceled) || sftp.Temporary(err) {
		t.Errorf("cancelled Dial err = %v; want context.Canceled, not temporary", err)
	}
}

func TestDNSAndDialerErrors(t *testing.T) {
	t.Parallel()
	cfg := sftp.Config{
		Host: "sftp.supplier.invalid", User: "u", Password: "p",
		HostKeyFingerprint: sftp.Fingerprint(newKey(t).PublicKey()),
	}
	var dialled string
	cfg.Dial = func(_ context.Context, _, addr string) (net.Conn, error) {
		dialled = addr
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "sftp.supplier.invalid", IsNotFound: true}}
	}
	_, err := sftp.Dial(context.Background(), cfg)
	if dialled != "sftp.supplier.invalid:22" {
		t.Errorf("Config.Dial got %q, want the default port 22", dialled)
	}
	if err == nil || !strings.Contains(err.Error(), "cannot resolve host") || sftp.Temporary(err) {
		t.Errorf("err = %v; want a permanent DNS error", err)
	}

	// The guarded dialer's refusal of private addresses passes through.
	errPrivate := errors.New("refusing to connect to a private address")
	cfg.Dial = func(context.Context, string, string) (net.Conn, error) { return nil, errPrivate }
	if _, err := sftp.Dial(context.Background(), cfg); !errors.Is(err, errPrivate) || sftp.Temporary(err) {
		t.Errorf("err = %v; want the dialer's error, permanent", err)
	}
}

func TestPrivateKeyAuth(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	srv, cfg := start(t, sftpserver.Options{AuthorizedKey: key.PublicKey()})
	priv := key.priv

	openssh, err := ssh.MarshalPrivateKey(priv, "test")
	if err != nil {
		t.Fatal(err)
	}
	pkcs8DER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	encrypted, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "test", []byte("hunter2"))
	if err != nil {
		t.Fatal(err)
	}

	for name, tc := range map[string]struct {
		pem        []byte
		passphrase string
	}{
		"openssh":           {pem.EncodeToMemory(openssh), ""},
		"pkcs8":             {pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8DER}), ""},
		"openssh encrypted": {pem.EncodeToMemory(encrypted), "hunter2"},
	} {
		c := cfg
		c.Password = ""
		c.PrivateKey, c.Passphrase = tc.pem, tc.passphrase
		conn, err := sftp.Dial(context.Background(), c)
		if err != nil {
			t.Errorf("%s: Dial: %v", name, err)
			continue
		}
		conn.Close()
	}
	if got := srv.Logins(); got != 3 {
		t.Errorf("Logins = %d, want 3", got)
	}

	// A different key is refused by the server.
	c := cfg
	c.Password = ""
	other, _ := ssh.MarshalPrivateKey(newKey(t).priv, "")
	c.PrivateKey = pem.EncodeToMemory(other)
	if _, err := sftp.Dial(context.Background(), c); !errors.Is(err, sftp.ErrAuthFailed) {
		t.Errorf("Dial with an unauthorised key: err = %v, want ErrAuthFailed", err)
	}
}

func TestReadRefusesLargeFiles(t *testing.T) {
	t.Parallel()
	srv, cfg := start(t, sftpserver.Options{})
	writeFile(t, filepath.Join(srv.Root(), "big.edi"), strings.Repeat("z", 100_000), time.Time{})
	conn := dial(t, cfg)

	_, err := conn.Read("/big.edi", 99_999)
	if !errors.Is(err, sftp.ErrTooLarge) || sftp.Temporary(err) {
		t.Fatalf("Read over max: err = %v, want permanent ErrTooLarge", err)
	}
	data, err := conn.Read("/big.edi", 100_000)
	if err != nil || len(data) != 100_000 {
		t.Fatalf("Read at max = %d bytes, %v", len(data), err)
	}
	if _, err := conn.Read("/missing.edi", 10); !errors.Is(err, fs.ErrNotExist) || sftp.Temporary(err) {
		t.Errorf("Read missing: err = %v, want permanent not exist", err)
	}
	if _, err := conn.Read("/", 10); !errors.Is(err, sftp.ErrNotFile) {
		t.Errorf("Read of a folder: err = %v, want ErrNotFile", err)
	}
}

func TestScanHostKey(t *testing.T) {
	t.Parallel()
	srv, cfg := start(t, sftpserver.Options{})
	got, err := sftp.ScanHostKey(context.Background(), sftp.Config{Host: cfg.Host, Port: cfg.Port})
	if err != nil {
		t.Fatalf("ScanHostKey: %v", err)
	}
	if got != srv.Fingerprint() {
		t.Errorf("ScanHostKey = %s, want %s", got, srv.Fingerprint())
	}
	if srv.Logins() != 0 {
		t.Error("ScanHostKey logged in")
	}

	srv.Stop()
	if _, err := sftp.ScanHostKey(context.Background(), sftp.Config{Host: cfg.Host, Port: cfg.Port}); !sftp.Temporary(err) {
		t.Errorf("ScanHostKey of a stopped server: err = %v, want temporary", err)
	}
}

type testKey struct {
	ssh.Signer
	priv ed25519.PrivateKey
}

func newKey(t *testing.T) testKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{Signer: s, priv: priv}
}
