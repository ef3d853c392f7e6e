package sftp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path"
	"slices"
	"strings"
	"syscall"
	"time"

	pkgsftp "github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// File is a regular file in a listed folder.
type File struct {
	Name    string // base name, no folder
	Size    int64
	ModTime time.Time // as the server reports it; servers' clocks and time zones vary
}

// Conn is one logged-in SFTP connection. Paths are the server's: absolute, or
// relative to the login folder, always with "/" separators.
//
// A Conn is meant for one goroutine at a time: Write and Move check and then
// act, so two goroutines racing on the same names could step on each other.
type Conn struct {
	addr string
	ssh  *ssh.Client
	sc   *pkgsftp.Client
}

// Dial validates cfg, connects, verifies the pinned host key, logs in and
// opens the SFTP subsystem. cfg.Timeout bounds all of that; ctx may end it
// sooner. Errors say which step failed; see Temporary for retrying.
func Dial(ctx context.Context, cfg Config) (*Conn, error) {
	signer, errs := cfg.check()
	if len(errs) > 0 {
		return nil, errs
	}
	fp, err := parseFingerprint(cfg.HostKeyFingerprint)
	if err != nil {
		return nil, err // unreachable after check
	}
	auth, tried := cfg.authMethods(signer)
	addr := cfg.addr()
	sshCfg := &ssh.ClientConfig{
		User:            cfg.User,
		Auth:            auth,
		HostKeyCallback: fp.pin(addr),
	}
	client, sc, err := connect(ctx, cfg, sshCfg, tried, true)
	if err != nil {
		return nil, err
	}
	return &Conn{addr: addr, ssh: client, sc: sc}, nil
}

// connect dials, runs the SSH handshake and, if openSFTP, starts the SFTP
// subsystem, all under one deadline. tried describes the auth methods for
// error messages.
func connect(ctx context.Context, cfg Config, sshCfg *ssh.ClientConfig, tried string, openSFTP bool) (*ssh.Client, *pkgsftp.Client, error) {
	addr := cfg.addr()
	timeout := cfg.timeout()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	nc, err := cfg.dialer()(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, dialError(ctx, addr, timeout, err)
	}

	// The ssh package has no context: a server that accepts TCP and then
	// stalls would hang the handshake forever. The deadline bounds it, and
	// cancelling ctx expires the deadline at once.
	deadline, _ := ctx.Deadline()
	if err := nc.SetDeadline(deadline); err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("sftp: connect to %s: %w", addr, err)
	}
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })

	c, chans, reqs, err := ssh.NewClientConn(nc, addr, sshCfg) // closes nc on error
	if err != nil {
		stop()
		return nil, nil, handshakeError(ctx, addr, sshCfg.User, tried, timeout, err)
	}
	client := ssh.NewClient(c, chans, reqs)

	var sc *pkgsftp.Client
	if openSFTP {
		sc, err = pkgsftp.NewClient(client)
		if err != nil {
			stop()
			client.Close()
			if ctx.Err() != nil {
				return nil, nil, timeoutOrCancel(ctx, "opening the SFTP session on "+addr, timeout, err)
			}
			return nil, nil, fmt.Errorf("sftp: %s accepted the login but refused the SFTP subsystem: %w", addr, err)
		}
	}

	if !stop() {
		// ctx ended just as we finished: the deadline may already be in the past.
		if sc != nil {
			sc.Close()
		}
		client.Close()
		return nil, nil, timeoutOrCancel(ctx, "logging in to "+addr, timeout, ctx.Err())
	}
	if err := nc.SetDeadline(time.Time{}); err != nil {
		if sc != nil {
			sc.Close()
		}
		client.Close()
		return nil, nil, fmt.Errorf("sftp: connect to %s: %w", addr, err)
	}
	return client, sc, nil
}

func dialError(ctx context.Context, addr string, timeout time.Duration, err error) error {
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return &described{fmt.Sprintf("sftp: cannot resolve host %q: no such host (DNS)", dnsErr.Name), err}
	case errors.As(err, &dnsErr):
		return fmt.Errorf("sftp: cannot resolve host %q (DNS): %w", dnsErr.Name, err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return &described{fmt.Sprintf("sftp: connection to %s refused: nothing is listening on that port, or a firewall rejects us", addr), err}
	case ctx.Err() != nil || isTimeout(err):
		return timeoutOrCancel(ctx, "connecting to "+addr, timeout, err)
	default:
		return fmt.Errorf("sftp: cannot connect to %s: %w", addr, err)
	}
}

func handshakeError(ctx context.Context, addr, user, tried string, timeout time.Duration, err error) error {
	var mismatch *HostKeyMismatchError
	switch {
	case errors.As(err, &mismatch):
		return mismatch
	case errors.Is(err, errScanned):
		return err
	case strings.Contains(err.Error(), "unable to authenticate"):
		// x/crypto/ssh has no typed error for this; its message is stable
		// ("ssh: unable to authenticate, attempted methods [...]").
		return &described{fmt.Sprintf("sftp: %s refused authentication for user %q (we offered %s)", addr, user, tried), ErrAuthFailed}
	case ctx.Err() != nil || isTimeout(err):
		return timeoutOrCancel(ctx, "in the SSH handshake with "+addr, timeout, err)
	case errors.Is(err, io.EOF):
		return fmt.Errorf("sftp: %s closed the connection during the SSH handshake (is it an SSH server? is it limiting connections?): %w", addr, err)
	default:
		return fmt.Errorf("sftp: SSH handshake with %s failed: %w", addr, err)
	}
}

// timeoutOrCancel explains a step that ctx or the connection deadline cut
// short; step reads like "connecting to host:22".
func timeoutOrCancel(ctx context.Context, step string, timeout time.Duration, err error) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return fmt.Errorf("sftp: %s: %w", step, context.Canceled)
	}
	return &described{fmt.Sprintf("sftp: timed out %s (limit %s)", step, timeout), errors.Join(context.DeadlineExceeded, err)}
}

// Close ends the SFTP session and the connection.
func (c *Conn) Close() error {
	errSFTP := c.sc.Close()
	errSSH := c.ssh.Close()
	if errSSH != nil && !errors.Is(errSSH, net.ErrClosed) {
		return fmt.Errorf("sftp: close %s: %w", c.addr, errSSH)
	}
	if errSFTP != nil && !errors.Is(errSFTP, net.ErrClosed) && !errors.Is(errSFTP, io.EOF) {
		return fmt.Errorf("sftp: close %s: %w", c.addr, errSFTP)
	}
	return nil
}

// abort tears the connection down from another goroutine, making any
// operation in progress fail; it is how a cancelled context interrupts
// pkg/sftp calls, which take no context.
func (c *Conn) abort() { c.ssh.Close() }

// fail wraps err from operation op on p with where it happened.
func (c *Conn) fail(op, p string, err error) error {
	return fmt.Errorf("sftp: %s %q on %s: %w", op, p, c.addr, err)
}

// List returns the regular files in dir (not folders, links or devices),
// oldest first, ties broken by name.
func (c *Conn) List(dir string) ([]File, error) {
	infos, err := c.sc.ReadDir(dir)
	if err != nil {
		return nil, c.fail("list folder", dir, err)
	}
	files := make([]File, 0, len(infos))
	for _, fi := range infos {
		if fi.Mode().IsRegular() {
			files = append(files, File{Name: fi.Name(), Size: fi.Size(), ModTime: fi.ModTime()})
		}
	}
	slices.SortFunc(files, func(a, b File) int {
		if n := a.ModTime.Compare(b.ModTime); n != 0 {
			return n
		}
		return strings.Compare(a.Name, b.Name)
	})
	return files, nil
}

// Read returns the contents of the file at p. It refuses (ErrTooLarge) a file
// of more than max bytes, before reading it if the server reports the size
// and while reading if the file grows; max must be positive.
func (c *Conn) Read(p string, max int64) ([]byte, error) {
	if max <= 0 {
		return nil, fmt.Errorf("sftp: read %q: max must be positive, got %d", p, max)
	}
	f, err := c.sc.Open(p)
	if err != nil {
		return nil, c.fail("open", p, err)
	}
	defer f.Close()

	fi, err := f.Stat()
	if err != nil {
		return nil, c.fail("stat", p, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, c.fail("read", p, ErrNotFile)
	}
	if fi.Size() > max {
		return nil, c.fail("read", p, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, fi.Size(), max))
	}

	buf := &cappedBuffer{max: max}
	buf.Grow(int(fi.Size()))
	if _, err := f.WriteTo(buf); err != nil {
		return nil, c.fail("read", p, err)
	}
	return buf.Bytes(), nil
}

// cappedBuffer is a bytes.Buffer that refuses to grow past max, so a file
// that grows while we read it cannot exhaust memory.
type cappedBuffer struct {
	bytes.Buffer
	max int64
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if int64(b.Len())+int64(len(p)) > b.max {
		return 0, fmt.Errorf("%w: grew past the %d byte limit while being read", ErrTooLarge, b.max)
	}
	return b.Buffer.Write(p)
}

// Write stores data as dir/name atomically: it uploads to dir/.name.part and
// renames that to name only once every byte is written and the file closed,
// so nobody polling dir ever sees a partial file under the final name. An
// existing dir/name is replaced. name must be a plain file name.
func (c *Conn) Write(dir, name string, data []byte) error {
	if err := checkName(name); err != nil {
		return err
	}
	final := path.Join(dir, name)
	part := path.Join(dir, "."+name+".part")

	if err := c.upload(part, data); err != nil {
		c.sc.Remove(part) // best effort: a leftover .part is hidden and overwritten next time
		return err
	}
	if err := c.replace(part, final); err != nil {
		c.sc.Remove(part)
		return c.fail("rename into place", final, err)
	}
	return nil
}

func (c *Conn) upload(p string, data []byte) error {
	// Write-only rather than Create's read-write: some servers (AWS Transfer
	// among them) refuse to open a file for both.
	f, err := c.sc.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		return c.fail("create", p, err)
	}
	n, err := f.ReadFrom(bytes.NewReader(data))
	if err == nil && n != int64(len(data)) {
		err = fmt.Errorf("short write: %d of %d bytes", n, len(data))
	}
	// The server may only report a failed write (quota, disk full) on close.
	if errClose := f.Close(); err == nil {
		err = errClose
	}
	if err != nil {
		return c.fail("upload", p, err)
	}
	return nil
}

// replace renames from to to, replacing an existing to. Plain SFTP rename
// refuses to overwrite on most servers (OpenSSH among them), so when to exists
// we use the posix-rename extension, which replaces atomically, or failing
// that remove to and rename again. The last leaves a moment with no file
// under to, never a partial one.
func (c *Conn) replace(from, to string) error {
	err := c.sc.Rename(from, to)
	if err == nil {
		return nil
	}
	fi, statErr := c.sc.Lstat(to)
	if statErr != nil {
		return err // to does not exist (or cannot be seen): the rename failed for its own reason
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: %s exists and is not a file", ErrNotFile, to)
	}
	if _, ok := c.sc.HasExtension("posix-rename@openssh.com"); ok {
		if err := c.sc.PosixRename(from, to); err == nil {
			return nil
		}
		// Advertised but refused (some servers advertise what they do not
		// allow): fall back to remove then rename.
	}
	if err := c.sc.Remove(to); err != nil {
		return fmt.Errorf("remove the existing file before replacing it: %w", err)
	}
	return c.sc.Rename(from, to)
}

// maxMoveSuffix bounds the search for a free archive name.
const maxMoveSuffix = 1000

// Move renames from to to, for archiving. It creates to's folder if missing.
// If to already exists it is kept and from gets a numbered name instead
// ("a.edi" becomes "a-1.edi", "a-2.edi", ...), so archiving never destroys an
// earlier file of the same name.
func (c *Conn) Move(from, to string) error {
	if err := c.MkdirAll(path.Dir(to)); err != nil {
		return err
	}
	for i := range maxMoveSuffix {
		target := withSuffix(to, i)
		_, err := c.sc.Lstat(target)
		if err == nil {
			continue // taken
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return c.fail("stat", target, err)
		}
		err = c.sc.Rename(from, target)
		if err == nil {
			return nil
		}
		// Someone may have taken the name between our check and the rename
		// (servers that refuse to overwrite tell us so); then try the next.
		if _, statErr := c.sc.Lstat(target); statErr == nil {
			continue
		}
		return c.fail("move", from, fmt.Errorf("to %q: %w", target, err))
	}
	return c.fail("move", from, fmt.Errorf("%q and %d numbered variants all exist", to, maxMoveSuffix-1))
}

// withSuffix returns p with "-i" before its extension; i == 0 returns p.
func withSuffix(p string, i int) string {
	if i == 0 {
		return p
	}
	dir, base := path.Split(p)
	ext := path.Ext(base)
	if ext == base { // ".profile" or no extension at all
		ext = ""
	}
	return fmt.Sprintf("%s%s-%d%s", dir, strings.TrimSuffix(base, ext), i, ext)
}

// MkdirAll creates dir and any missing parents; an existing folder is fine.
func (c *Conn) MkdirAll(dir string) error {
	if err := c.sc.MkdirAll(dir); err != nil {
		return c.fail("create folder", dir, err)
	}
	return nil
}

// Check reports whether every dir exists and can be listed. Dial has already
// proved that the server is reachable, its host key matches and the login
// works; together they answer an admin's "test connection" button. Each
// failing folder gets its own line, saying what is wrong with it.
func (c *Conn) Check(dirs ...string) error {
	var errs []error
	for _, dir := range dirs {
		if err := c.checkDir(dir); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (c *Conn) checkDir(dir string) error {
	fi, err := c.sc.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &described{fmt.Sprintf("sftp: folder %q does not exist on %s", dir, c.addr), err}
	case errors.Is(err, fs.ErrPermission):
		return &described{fmt.Sprintf("sftp: permission denied for folder %q on %s", dir, c.addr), err}
	case err != nil:
		return c.fail("check folder", dir, err)
	case !fi.IsDir():
		return &described{fmt.Sprintf("sftp: %q on %s is a file, not a folder", dir, c.addr), ErrNotFolder}
	}
	if _, err := c.sc.ReadDir(dir); err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return &described{fmt.Sprintf("sftp: folder %q on %s exists but we may not list it: permission denied", dir, c.addr), err}
		}
		return c.fail("list folder", dir, err)
	}
	return nil
}

// checkName accepts only a plain file name, so a name that came from a
// server listing or an order cannot reach outside its folder.
func checkName(name string) error {
	switch {
	case name == "", name == ".", name == "..",
		strings.ContainsAny(name, "/\\\x00"):
		return fmt.Errorf("sftp: %w %q: want a plain file name without folders", ErrInvalidName, name)
	}
	return nil
}
