package sftpserver

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	pkgsftp "github.com/pkg/sftp"
)

// rootFS serves pkg/sftp requests from a directory through an *os.Root.
//
// Confinement rests on os.Root, not on string checks: every file system call
// goes through the Root, which resolves each path component relative to the
// directory's open descriptor and refuses ".." and symlinks that lead outside
// it, including links swapped in while a call is running. Cleaning the client's
// path first (local) only makes the mapping predictable; it is not what keeps
// clients inside.
type rootFS struct {
	root          *os.Root
	failWrites    *atomic.Bool
	noPosixRename bool
}

var (
	_ pkgsftp.OpenFileWriter       = (*rootFS)(nil)
	_ pkgsftp.FileReader           = (*rootFS)(nil)
	_ pkgsftp.PosixRenameFileCmder = (*rootFS)(nil)
	_ pkgsftp.LstatFileLister      = (*rootFS)(nil)
	_ pkgsftp.ReadlinkFileLister   = (*rootFS)(nil)
)

func (h *rootFS) handlers() pkgsftp.Handlers {
	return pkgsftp.Handlers{FileGet: h, FilePut: h, FileCmd: h, FileList: h}
}

// clean returns the client's path as an absolute path in the server's view,
// where ".." stops at "/".
func clean(p string) string { return path.Clean("/" + p) }

// local maps a client path to a name relative to the root for os.Root.
func local(p string) string {
	c := clean(p)
	if c == "/" {
		return "."
	}
	return c[1:]
}

// clientErr turns a local file system error into what the client sees: the
// client's own path and an errno, which pkg/sftp maps to an SFTP status code.
// It keeps the on-disk location of the root out of messages, and reports
// os.Root's refusals ("path escapes from parent") as permission denied.
func clientErr(op, p string, err error) error {
	if err == nil {
		return nil
	}
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		errno = syscall.EACCES
	}
	return &os.PathError{Op: op, Path: clean(p), Err: errno}
}

// Fileread opens a file for reading.
func (h *rootFS) Fileread(r *pkgsftp.Request) (io.ReaderAt, error) {
	f, err := h.root.Open(local(r.Filepath))
	if err != nil {
		return nil, clientErr("open", r.Filepath, err)
	}
	return &handle{f: f, path: r.Filepath, failWrites: h.failWrites}, nil
}

// Filewrite opens a file for writing.
func (h *rootFS) Filewrite(r *pkgsftp.Request) (io.WriterAt, error) {
	return h.OpenFile(r)
}

// OpenFile opens a file for writing and, if asked, reading.
func (h *rootFS) OpenFile(r *pkgsftp.Request) (pkgsftp.WriterAtReaderAt, error) {
	pf := r.Pflags()
	flag := os.O_WRONLY
	if pf.Read {
		flag = os.O_RDWR
	}
	if pf.Creat {
		flag |= os.O_CREATE
	}
	if pf.Trunc {
		flag |= os.O_TRUNC
	}
	if pf.Excl {
		flag |= os.O_EXCL
	}
	if pf.Append {
		// os.File refuses WriteAt on O_APPEND files, so handle.WriteAt
		// appends with Write instead, as the SFTP spec asks.
		flag |= os.O_APPEND
	}
	f, err := h.root.OpenFile(local(r.Filepath), flag, 0o644)
	if err != nil {
		return nil, clientErr("open", r.Filepath, err)
	}
	return &handle{f: f, path: r.Filepath, append: pf.Append, failWrites: h.failWrites}, nil
}

// handle is an open file. It reports errors under the client's path and
// carries the fault switch for writes.
type handle struct {
	f          *os.File
	path       string
	append     bool
	failWrites *atomic.Bool
}

func (h *handle) ReadAt(p []byte, off int64) (int, error) {
	n, err := h.f.ReadAt(p, off)
	if err != nil && err != io.EOF { // io.EOF is how pkg/sftp learns the file ended
		err = clientErr("read", h.path, err)
	}
	return n, err
}

func (h *handle) WriteAt(p []byte, off int64) (int, error) {
	if h.failWrites.Load() {
		return 0, clientErr("write", h.path, syscall.ENOSPC)
	}
	var n int
	var err error
	if h.append {
		n, err = h.f.Write(p)
	} else {
		n, err = h.f.WriteAt(p, off)
	}
	return n, clientErr("write", h.path, err)
}

func (h *handle) Close() error { return clientErr("close", h.path, h.f.Close()) }

// Filecmd handles the commands that change the tree.
func (h *rootFS) Filecmd(r *pkgsftp.Request) error {
	name := local(r.Filepath)
	switch r.Method {
	case "Mkdir":
		return clientErr("mkdir", r.Filepath, h.root.Mkdir(name, 0o755))
	case "Rmdir":
		fi, err := h.root.Lstat(name)
		if err == nil && !fi.IsDir() {
			err = syscall.ENOTDIR
		}
		if err == nil {
			err = h.root.Remove(name)
		}
		return clientErr("rmdir", r.Filepath, err)
	case "Remove":
		fi, err := h.root.Lstat(name)
		if err == nil && fi.IsDir() {
			err = syscall.EISDIR
		}
		if err == nil {
			err = h.root.Remove(name)
		}
		return clientErr("remove", r.Filepath, err)
	case "Rename":
		// Like OpenSSH's sftp-server, plain rename never replaces an
		// existing file; clients that want that use posix-rename. (The
		// check and the rename are not one atomic step; this test server
		// does not need them to be.)
		target := local(r.Target)
		_, err := h.root.Lstat(target)
		switch {
		case err == nil:
			err = syscall.EEXIST
		case errors.Is(err, fs.ErrNotExist):
			err = h.root.Rename(name, target)
		}
		return clientErr("rename", r.Filepath, err)
	case "Setstat":
		return h.setstat(r)
	}
	// Symlink and Link are refused: a client-made link is the classic way
	// out of a chroot, and Consign's transport never needs one.
	return pkgsftp.ErrSSHFxOpUnsupported
}

// PosixRename renames, replacing an existing target (posix-rename@openssh.com).
func (h *rootFS) PosixRename(r *pkgsftp.Request) error {
	if h.noPosixRename {
		return pkgsftp.ErrSSHFxOpUnsupported
	}
	return clientErr("rename", r.Filepath, h.root.Rename(local(r.Filepath), local(r.Target)))
}

// setstat applies size and times. Permissions and ownership are accepted and
// ignored: tests do not need them, and clients (WinSCP, for one) send them
// after uploads and give up if refused.
func (h *rootFS) setstat(r *pkgsftp.Request) error {
	name := local(r.Filepath)
	flags := r.AttrFlags()
	attrs := r.Attributes()
	if flags.Size {
		f, err := h.root.OpenFile(name, os.O_WRONLY, 0)
		if err != nil {
			return clientErr("truncate", r.Filepath, err)
		}
		err = f.Truncate(int64(attrs.Size))
		if errClose := f.Close(); err == nil {
			err = errClose
		}
		if err != nil {
			return clientErr("truncate", r.Filepath, err)
		}
	}
	if flags.Acmodtime {
		atime := time.Unix(int64(attrs.Atime), 0)
		mtime := time.Unix(int64(attrs.Mtime), 0)
		if err := h.root.Chtimes(name, atime, mtime); err != nil {
			return clientErr("chtimes", r.Filepath, err)
		}
	}
	return nil
}

// Filelist handles List and Stat.
func (h *rootFS) Filelist(r *pkgsftp.Request) (pkgsftp.ListerAt, error) {
	name := local(r.Filepath)
	switch r.Method {
	case "List":
		dir, err := h.root.Open(name)
		if err != nil {
			return nil, clientErr("opendir", r.Filepath, err)
		}
		defer dir.Close()
		entries, err := dir.ReadDir(-1)
		if err != nil {
			return nil, clientErr("readdir", r.Filepath, err)
		}
		infos := make([]os.FileInfo, 0, len(entries))
		for _, e := range entries {
			fi, err := e.Info() // an lstat: links are listed, not followed
			if err != nil {
				continue // removed since ReadDir
			}
			infos = append(infos, fi)
		}
		slices.SortFunc(infos, func(a, b os.FileInfo) int { return strings.Compare(a.Name(), b.Name()) })
		return lister(infos), nil
	case "Stat":
		fi, err := h.root.Stat(name)
		if err != nil {
			return nil, clientErr("stat", r.Filepath, err)
		}
		return lister{fi}, nil
	}
	return nil, pkgsftp.ErrSSHFxOpUnsupported
}

// Lstat stats without following a final symlink.
func (h *rootFS) Lstat(r *pkgsftp.Request) (pkgsftp.ListerAt, error) {
	fi, err := h.root.Lstat(local(r.Filepath))
	if err != nil {
		return nil, clientErr("lstat", r.Filepath, err)
	}
	return lister{fi}, nil
}

// Readlink returns a link's target text. The text may name a place outside
// the root; following it is what os.Root refuses.
func (h *rootFS) Readlink(p string) (string, error) {
	target, err := h.root.Readlink(local(p))
	if err != nil {
		return "", clientErr("readlink", p, err)
	}
	return target, nil
}

// lister serves a fixed list of entries in pages, as pkg/sftp asks.
type lister []os.FileInfo

func (l lister) ListAt(dst []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(dst, l[off:])
	if n < len(dst) {
		return n, io.EOF
	}
	return n, nil
}
