package sftpserver_test

import (
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	pkgsftp "github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/consign/consign/app/devkit/sftpserver"
)

const password = "test-password"

func start(t *testing.T, opts sftpserver.Options) *sftpserver.Server {
	t.Helper()
	if opts.Root == "" {
		opts.Root = t.TempDir()
	}
	if opts.Password == "" && opts.AuthorizedKey == nil {
		opts.Password = password
	}
	srv, err := sftpserver.Start(opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// rawClient logs in with pkg/sftp directly, so the tests see exactly what the
// server answers, with no help from Consign's client.
func rawClient(t *testing.T, srv *sftpserver.Server) *pkgsftp.Client {
	t.Helper()
	sc, err := dialRaw(srv, password)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { sc.Close() })
	return sc
}

func dialRaw(srv *sftpserver.Server, pw string) (*pkgsftp.Client, error) {
	client, err := ssh.Dial("tcp", srv.Addr(), &ssh.ClientConfig{
		User:            "consign",
		Auth:            []ssh.AuthMethod{ssh.Password(pw)},
		HostKeyCallback: ssh.FixedHostKey(srv.HostKey()),
		Timeout:         5 * time.Second,
	})
	if err != nil {
		return nil, err
	}
	sc, err := pkgsftp.NewClient(client)
	if err != nil {
		client.Close()
		return nil, err
	}
	return sc, nil
}

func readAll(sc *pkgsftp.Client, p string) ([]byte, error) {
	f, err := sc.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBasicOperations(t *testing.T) {
	t.Parallel()
	srv := start(t, sftpserver.Options{})
	sc := rawClient(t, srv)

	if err := sc.MkdirAll("/a/b"); err != nil {
		t.Fatalf("MkdirAll: %v", err)
	}
	f, err := sc.Create("/a/b/file.txt")
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if _, err := f.Write([]byte("hello")); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	got, err := os.ReadFile(filepath.Join(srv.Root(), "a", "b", "file.txt"))
	if err != nil || string(got) != "hello" {
		t.Fatalf("file on disk = %q, %v; want hello", got, err)
	}
	if data, err := readAll(sc, "a/b/file.txt"); err != nil || string(data) != "hello" {
		t.Fatalf("read back (relative path) = %q, %v", data, err)
	}

	fi, err := sc.Stat("/a/b/file.txt")
	if err != nil || fi.Size() != 5 || !fi.Mode().IsRegular() {
		t.Fatalf("Stat = %v, %v", fi, err)
	}
	entries, err := sc.ReadDir("/a/b")
	if err != nil || len(entries) != 1 || entries[0].Name() != "file.txt" {
		t.Fatalf("ReadDir = %v, %v", entries, err)
	}

	mtime := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	if err := sc.Chtimes("/a/b/file.txt", mtime, mtime); err != nil {
		t.Fatalf("Chtimes: %v", err)
	}
	if fi, _ := sc.Stat("/a/b/file.txt"); !fi.ModTime().Equal(mtime) {
		t.Errorf("mtime = %v, want %v", fi.ModTime(), mtime)
	}

	if err := sc.Rename("/a/b/file.txt", "/a/moved.txt"); err != nil {
		t.Fatalf("Rename: %v", err)
	}
	if err := sc.Remove("/a/moved.txt"); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if err := sc.RemoveDirectory("/a/b"); err != nil {
		t.Fatalf("RemoveDirectory: %v", err)
	}
	if _, err := sc.Stat("/a/b"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Stat removed dir: err = %v, want not exist", err)
	}
}

func TestRenameDoesNotReplaceButPosixRenameDoes(t *testing.T) {
	t.Parallel()
	srv := start(t, sftpserver.Options{})
	sc := rawClient(t, srv)
	writeFile(t, filepath.Join(srv.Root(), "old"), "old")
	writeFile(t, filepath.Join(srv.Root(), "new"), "new")

	if err := sc.Rename("/new", "/old"); err == nil {
		t.Fatal("Rename over an existing file succeeded; want it refused like OpenSSH")
	}
	if err := sc.PosixRename("/new", "/old"); err != nil {
		t.Fatalf("PosixRename: %v", err)
	}
	if got, _ := os.ReadFile(filepath.Join(srv.Root(), "old")); string(got) != "new" {
		t.Fatalf("after PosixRename old = %q, want new", got)
	}
}

func TestNoPosixRename(t *testing.T) {
	t.Parallel()
	srv := start(t, sftpserver.Options{NoPosixRename: true})
	sc := rawClient(t, srv)
	writeFile(t, filepath.Join(srv.Root(), "a"), "a")

	err := sc.PosixRename("/a", "/b")
	var status *pkgsftp.StatusError
	if !errors.As(err, &status) || status.FxCode() != pkgsftp.ErrSSHFxOpUnsupported {
		t.Fatalf("PosixRename err = %v, want op unsupported", err)
	}
}

// TestConfinement is the security property: nothing a client sends reaches
// outside Root, whether by "..", absolute paths or symlinks planted in Root.
func TestConfinement(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	rootDir := filepath.Join(base, "root")
	secret := filepath.Join(base, "secret.txt")
	writeFile(t, secret, "outside")
	srv := start(t, sftpserver.Options{Root: rootDir})
	sc := rawClient(t, srv)

	// Links a careless (or hostile) partner-side process could leave in Root.
	for link, target := range map[string]string{
		"abs":     secret,
		"rel":     "../secret.txt",
		"dirlink": base,
		"sysetc":  "/etc",
	} {
		if err := os.Symlink(target, filepath.Join(rootDir, link)); err != nil {
			t.Fatal(err)
		}
	}

	if _, err := os.Stat("/etc/passwd"); err != nil {
		t.Logf("host has no /etc/passwd; the ../ checks still run against %s", secret)
	}
	// ".." stops at "/", so these name files inside root that do not exist.
	for _, p := range []string{"/../../etc/passwd", "../../../../etc/passwd", "/../secret.txt", "../secret.txt"} {
		if data, err := readAll(sc, p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("read %q = %d bytes, %v; want not exist", p, len(data), err)
		}
	}
	// Links leading out of root are refused by os.Root.
	for _, p := range []string{"/abs", "/rel", "/dirlink/secret.txt", "/sysetc/passwd"} {
		if data, err := readAll(sc, p); !errors.Is(err, fs.ErrPermission) {
			t.Errorf("read %q = %d bytes, %v; want permission denied", p, len(data), err)
		}
	}
	for _, p := range []string{"/abs", "/dirlink", "/sysetc"} {
		if _, err := sc.Stat(p); err == nil {
			t.Errorf("Stat(%q) followed a link out of root", p)
		}
		if _, err := sc.ReadDir(p); err == nil {
			t.Errorf("ReadDir(%q) listed outside root", p)
		}
		if fi, err := sc.Lstat(p); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			t.Errorf("Lstat(%q) = %v, %v; want the link itself", p, fi, err)
		}
	}

	// Writes through links or ".." must not land outside either.
	if f, err := sc.Create("/dirlink/planted.txt"); err == nil {
		f.Close()
		t.Error("created a file through a link to outside root")
	}
	if err := sc.Remove("/dirlink/secret.txt"); err == nil {
		t.Error("removed a file through a link to outside root")
	}
	if err := sc.Rename("/abs", "/../../stolen"); err != nil {
		t.Errorf("rename of the link itself inside root: %v", err)
	}
	if err := sc.Mkdir("/../escaped"); err != nil {
		t.Errorf("Mkdir(/../escaped): %v", err)
	}
	f, err := sc.Create("/../../up.txt")
	if err != nil {
		t.Fatalf("Create(/../../up.txt): %v", err)
	}
	f.Close()
	if err := sc.Symlink("/etc/passwd", "/newlink"); err == nil {
		t.Error("Symlink succeeded; want refused")
	}
	if err := sc.Link("/up.txt", "/hard"); err == nil {
		t.Error("Link succeeded; want refused")
	}

	// Everything above stayed inside root ...
	for _, name := range []string{"stolen", "escaped", "up.txt"} {
		if _, err := os.Lstat(filepath.Join(rootDir, name)); err != nil {
			t.Errorf("%s not inside root: %v", name, err)
		}
	}
	// ... and nothing appeared, vanished or changed outside it.
	entries, err := os.ReadDir(base)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"root", "secret.txt"}) {
		t.Errorf("outside root now holds %v, want [root secret.txt]", names)
	}
	if got, _ := os.ReadFile(secret); string(got) != "outside" {
		t.Errorf("secret changed to %q", got)
	}

	// Listing "/.." shows root itself, and errors never name the real path.
	list, err := sc.ReadDir("/..")
	if err != nil || len(list) == 0 {
		t.Errorf("ReadDir(/..) = %d entries, %v", len(list), err)
	}
	_, err = readAll(sc, "/nope")
	if err == nil || strings.Contains(err.Error(), base) {
		t.Errorf("error for a missing file = %v; want one that does not reveal %s", err, base)
	}
}

func TestStopRestartSamePort(t *testing.T) {
	t.Parallel()
	srv := start(t, sftpserver.Options{})
	addr := srv.Addr()
	sc := rawClient(t, srv)

	srv.Stop()
	if _, err := sc.Getwd(); err == nil {
		t.Error("open connection still works after Stop")
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Fatal("port still accepts connections after Stop")
	}

	if err := srv.Restart(); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if srv.Addr() != addr {
		t.Fatalf("Addr after Restart = %s, want %s", srv.Addr(), addr)
	}
	sc2, err := dialRaw(srv, password)
	if err != nil {
		t.Fatalf("dial after Restart: %v", err)
	}
	sc2.Close()
	if got := srv.Logins(); got != 2 {
		t.Errorf("Logins = %d, want 2", got)
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	srv := start(t, sftpserver.Options{})

	if _, err := dialRaw(srv, "wrong"); err == nil {
		t.Error("wrong password accepted")
	}
	srv.SetRefuseAuth(true)
	if _, err := dialRaw(srv, password); err == nil {
		t.Error("login accepted while refusing auth")
	}
	srv.SetRefuseAuth(false)
	sc, err := dialRaw(srv, password)
	if err != nil {
		t.Fatalf("login after SetRefuseAuth(false): %v", err)
	}
	sc.Close()
	if got := srv.Logins(); got != 1 {
		t.Errorf("Logins = %d, want 1 (failed attempts do not count)", got)
	}
}

func TestFailWrites(t *testing.T) {
	t.Parallel()
	srv := start(t, sftpserver.Options{})
	sc := rawClient(t, srv)
	srv.SetFailWrites(true)

	f, err := sc.OpenFile("/x", os.O_WRONLY|os.O_CREATE)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer f.Close()
	if _, err := f.Write([]byte("data")); err == nil {
		t.Fatal("write succeeded with SetFailWrites(true)")
	}
}

func TestStartNeedsRootAndAuth(t *testing.T) {
	t.Parallel()
	if _, err := sftpserver.Start(sftpserver.Options{Password: "x"}); err == nil {
		t.Error("Start without Root succeeded")
	}
	if _, err := sftpserver.Start(sftpserver.Options{Root: t.TempDir()}); err == nil {
		t.Error("Start without Password or AuthorizedKey succeeded")
	}
}
