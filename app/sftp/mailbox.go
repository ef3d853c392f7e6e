package sftp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"path"
	"strings"
)

// Mailbox is the file exchange Consign has with one trading partner, whatever
// carries it (SFTP here; AS2 could satisfy it later). A Mailbox is one batch
// of work: open it, List the inbound files, Read and then Archive each one
// once it is safely processed, Put outbound files, Close.
//
// Names are plain file names, never paths: each method refuses (ErrInvalidName)
// a name containing "/" or "\", a name that is "." or "..", and a name
// starting with "." (those are reserved for uploads in progress). Reading or
// archiving a name List did not return is allowed; it fails if the file is
// not there. A Mailbox is for one goroutine at a time.
type Mailbox interface {
	// List returns the inbound files waiting to be processed, oldest first.
	List(ctx context.Context) ([]File, error)
	// Read returns one inbound file's contents.
	Read(ctx context.Context, name string) ([]byte, error)
	// Archive takes a processed inbound file out of the inbound folder
	// without destroying it.
	Archive(ctx context.Context, name string) error
	// Put delivers an outbound file. The partner sees either the whole file
	// under name or nothing; an existing file of that name is replaced.
	Put(ctx context.Context, name string, data []byte) error
	// Close ends the batch.
	Close() error
}

// DefaultMaxFileSize is the largest inbound file Session.Read accepts when
// Folders.MaxFileSize is zero. Order responses, ship notices and invoices are
// kilobytes; anything near this is a mistake or an attack.
const DefaultMaxFileSize = 16 << 20

// Folders is an SFTP Mailbox: the server to log in to and the folders to use
// there. Folder paths are the server's, absolute or relative to the login
// folder.
type Folders struct {
	Config
	Outbound string // where Put writes files for the partner
	Inbound  string // where the partner leaves files for us
	Archive  string // where Archive moves processed inbound files; created if missing

	// MaxFileSize caps Read; default DefaultMaxFileSize.
	MaxFileSize int64
}

var _ Mailbox = (*Session)(nil)

// Validate checks the Config and the folder paths. A folder may be empty when
// that direction is unused (an outbound-only partner has no Inbound), but
// Archive must be set whenever Inbound is, and must differ from it, or
// processed files would be picked up again forever.
func (f Folders) Validate() error {
	_, errs := f.Config.check()
	maps.Copy(errs, f.folderErrors())
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// folderErrors checks the fields Folders adds to Config. Session and Check use
// it alone because Dial checks the Config, and checking it twice would decrypt
// an encrypted key twice.
func (f Folders) folderErrors() ValidationError {
	errs := ValidationError{}
	for field, dir := range map[string]string{"Outbound": f.Outbound, "Inbound": f.Inbound, "Archive": f.Archive} {
		if strings.ContainsAny(dir, "\r\n\x00") {
			errs[field] = "must not contain line breaks or NUL characters"
		}
	}
	if f.Outbound == "" && f.Inbound == "" {
		errs["Outbound"] = "set at least one of Outbound and Inbound"
	}
	if f.Inbound != "" && f.Archive == "" {
		errs["Archive"] = "required when Inbound is set"
	}
	if f.Inbound != "" && path.Clean(f.Inbound) == path.Clean(f.Archive) {
		errs["Archive"] = "must differ from Inbound"
	}
	if f.MaxFileSize < 0 {
		errs["MaxFileSize"] = "must not be negative"
	}
	return errs
}

// Session opens one connection for a batch of Mailbox calls.
func (f Folders) Session(ctx context.Context) (*Session, error) {
	if errs := f.folderErrors(); len(errs) > 0 {
		return nil, errs
	}
	conn, err := Dial(ctx, f.Config)
	if err != nil {
		return nil, err
	}
	return &Session{folders: f, conn: conn}, nil
}

// Check logs in and checks that every configured folder exists and can be
// listed, for a "test connection" button. It writes nothing: a probe file
// in a partner's folder could be picked up and processed by them.
func (f Folders) Check(ctx context.Context) error {
	if errs := f.folderErrors(); len(errs) > 0 {
		return errs
	}
	conn, err := Dial(ctx, f.Config)
	if err != nil {
		return err
	}
	defer conn.Close()

	// Archive is left out: Session.Archive creates it when missing.
	var dirs []string
	for _, dir := range []string{f.Outbound, f.Inbound} {
		if dir != "" {
			dirs = append(dirs, dir)
		}
	}
	return conn.Check(dirs...)
}

// String describes f for people with the secrets masked.
func (f Folders) String() string {
	return fmt.Sprintf("sftp.Folders{%s Outbound:%q Inbound:%q Archive:%q}", f.Config, f.Outbound, f.Inbound, f.Archive)
}

// GoString keeps %#v from printing the secrets.
func (f Folders) GoString() string { return f.String() }

// LogValue keeps slog from printing the secrets.
func (f Folders) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Any("server", f.Config),
		slog.String("outbound", f.Outbound),
		slog.String("inbound", f.Inbound),
		slog.String("archive", f.Archive),
	)
}

// Session is one connection's worth of Mailbox calls on Folders. Each call
// honours its ctx: cancelling it aborts the connection, after which the
// Session is unusable and should be closed.
type Session struct {
	folders Folders
	conn    *Conn
}

// Conn exposes the underlying connection for operations Mailbox lacks.
func (s *Session) Conn() *Conn { return s.conn }

// List returns the files in the inbound folder, oldest first, leaving out
// names starting with "." (partners' and our own uploads in progress).
func (s *Session) List(ctx context.Context) ([]File, error) {
	if s.folders.Inbound == "" {
		return nil, errors.New("sftp: no inbound folder configured")
	}
	var files []File
	err := s.run(ctx, func() error {
		all, err := s.conn.List(s.folders.Inbound)
		for _, f := range all {
			if !strings.HasPrefix(f.Name, ".") {
				files = append(files, f)
			}
		}
		return err
	})
	return files, err
}

// Read returns an inbound file's contents, refusing files over MaxFileSize.
func (s *Session) Read(ctx context.Context, name string) ([]byte, error) {
	if err := checkMailboxName(name); err != nil {
		return nil, err
	}
	if s.folders.Inbound == "" {
		return nil, errors.New("sftp: no inbound folder configured")
	}
	limit := s.folders.MaxFileSize
	if limit == 0 {
		limit = DefaultMaxFileSize
	}
	var data []byte
	err := s.run(ctx, func() error {
		var err error
		data, err = s.conn.Read(path.Join(s.folders.Inbound, name), limit)
		return err
	})
	return data, err
}

// Archive moves an inbound file to the archive folder, creating the folder if
// needed and choosing a numbered name if the archive already has that name.
func (s *Session) Archive(ctx context.Context, name string) error {
	if err := checkMailboxName(name); err != nil {
		return err
	}
	if s.folders.Inbound == "" || s.folders.Archive == "" {
		return errors.New("sftp: no inbound and archive folders configured")
	}
	return s.run(ctx, func() error {
		return s.conn.Move(path.Join(s.folders.Inbound, name), path.Join(s.folders.Archive, name))
	})
}

// Put writes an outbound file atomically (see Conn.Write).
func (s *Session) Put(ctx context.Context, name string, data []byte) error {
	if err := checkMailboxName(name); err != nil {
		return err
	}
	if s.folders.Outbound == "" {
		return errors.New("sftp: no outbound folder configured")
	}
	return s.run(ctx, func() error {
		return s.conn.Write(s.folders.Outbound, name, data)
	})
}

// Close ends the session's connection.
func (s *Session) Close() error { return s.conn.Close() }

// run calls fn, aborting the connection if ctx ends first, since pkg/sftp
// calls take no context.
func (s *Session) run(ctx context.Context, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sftp: %w", err)
	}
	stop := context.AfterFunc(ctx, s.conn.abort)
	err := fn()
	if !stop() && err != nil {
		// ctx ended while fn ran and aborted it; say so rather than just
		// "connection lost". (If fn succeeded anyway, the work is done.)
		return fmt.Errorf("sftp: %w", errors.Join(ctx.Err(), err))
	}
	return err
}

func checkMailboxName(name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	if strings.HasPrefix(name, ".") {
		return fmt.Errorf("sftp: %w %q: names starting with \".\" are reserved for uploads in progress", ErrInvalidName, name)
	}
	return nil
}
