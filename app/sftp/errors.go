package sftp

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"syscall"

	pkgsftp "github.com/pkg/sftp"
)

// Errors that callers may test with errors.Is. Missing files and folders
// match fs.ErrNotExist and refusals match fs.ErrPermission, as in the
// standard library. A host key mismatch is a *HostKeyMismatchError.
var (
	ErrAuthFailed  = errors.New("authentication refused")
	ErrTooLarge    = errors.New("file too large")
	ErrInvalidName = errors.New("invalid file name")
	ErrNotFolder   = errors.New("not a folder")
	ErrNotFile     = errors.New("not a regular file")
)

// Temporary reports whether err is worth retrying later with backoff: the
// network failed, timed out or dropped the connection. Everything that needs
// a person to fix it is permanent: a host key mismatch, refused login, a
// missing folder or file, permission denied, an over-size file, a bad name or
// config. Errors this package cannot classify are reported as permanent, so
// that a misconfiguration surfaces instead of retrying forever.
func Temporary(err error) bool {
	if err == nil {
		return false
	}

	var mismatch *HostKeyMismatchError
	var invalid ValidationError
	switch {
	case errors.As(err, &mismatch), errors.As(err, &invalid),
		errors.Is(err, ErrAuthFailed), errors.Is(err, ErrTooLarge),
		errors.Is(err, ErrInvalidName), errors.Is(err, ErrNotFolder), errors.Is(err, ErrNotFile),
		errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission),
		errors.Is(err, context.Canceled): // our caller gave up; not the network's fault
		return false
	}

	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		// "No such host" is almost always a typo in the config; a resolver
		// that timed out or failed is worth another try.
		return !dnsErr.IsNotFound
	}

	var netErr net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()) {
		return true
	}
	for _, errno := range []syscall.Errno{
		syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE,
		syscall.ETIMEDOUT, syscall.ENETUNREACH, syscall.EHOSTUNREACH, syscall.ENETDOWN,
	} {
		if errors.Is(err, errno) {
			return true
		}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, pkgsftp.ErrSSHFxConnectionLost) || errors.Is(err, pkgsftp.ErrSSHFxNoConnection) {
		return true
	}
	var status *pkgsftp.StatusError
	if errors.As(err, &status) {
		code := status.FxCode()
		return code == pkgsftp.ErrSSHFxConnectionLost || code == pkgsftp.ErrSSHFxNoConnection
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) // any other socket-level failure
}

// described is an error whose message is written for people (it is shown by
// the "test connection" button) while errors.Is and errors.As still reach the
// cause.
type described struct {
	msg string
	err error
}

func (d *described) Error() string { return d.msg }
func (d *described) Unwrap() error { return d.err }

func isTimeout(err error) bool {
	var netErr net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
		(errors.As(err, &netErr) && netErr.Timeout())
}

func isUnsupported(err error) bool {
	var status *pkgsftp.StatusError
	return errors.Is(err, pkgsftp.ErrSSHFxOpUnsupported) ||
		(errors.As(err, &status) && status.FxCode() == pkgsftp.ErrSSHFxOpUnsupported)
}
