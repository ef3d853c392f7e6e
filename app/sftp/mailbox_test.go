package sftp_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app/devkit/sftpserver"
	"github.com/consign/consign/app/sftp"
)

func folders(t *testing.T) (*sftpserver.Server, sftp.Folders) {
	t.Helper()
	srv, cfg := start(t, sftpserver.Options{})
	mkdir(t, filepath.Join(srv.Root(), "to-supplier"), filepath.Join(srv.Root(), "from-supplier"))
	return srv, sftp.Folders{
		Config:   cfg,
		Outbound: "/to-supplier",
		Inbound:  "/from-supplier",
		Archive:  "/from-supplier/done",
	}
}

// TestSessionBatch walks the contract a poll job follows: one login, list
// inbound, read and archive each, put outbound, close.
func TestSessionBatch(t *testing.T) {
	t.Parallel()
	srv, f := folders(t)
	in := filepath.Join(srv.Root(), "from-supplier")
	t0 := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	writeFile(t, filepath.Join(in, "ack-2.xml"), "two", t0.Add(time.Minute))
	writeFile(t, filepath.Join(in, "ack-1.xml"), "one", t0)
	writeFile(t, filepath.Join(in, ".ack-3.xml.part"), "upload in progress", t0)

	ctx := context.Background()
	var mb sftp.Mailbox
	s, err := f.Session(ctx)
	if err != nil {
		t.Fatalf("Session: %v", err)
	}
	mb = s

	files, err := mb.List(ctx)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	var got []string
	for _, file := range files {
		data, err := mb.Read(ctx, file.Name)
		if err != nil {
			t.Fatalf("Read %s: %v", file.Name, err)
		}
		got = append(got, file.Name+"="+string(data))
		if err := mb.Archive(ctx, file.Name); err != nil {
			t.Fatalf("Archive %s: %v", file.Name, err)
		}
	}
	if want := []string{"ack-1.xml=one", "ack-2.xml=two"}; !slices.Equal(got, want) {
		t.Errorf("processed %v, want %v (oldest first, in-progress upload skipped)", got, want)
	}
	if err := mb.Put(ctx, "po-1001.xml", []byte("<po/>")); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if err := mb.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	if got := names(in); !slices.Equal(got, []string{".ack-3.xml.part", "done"}) {
		t.Errorf("inbound holds %v after archiving", got)
	}
	if got := names(filepath.Join(in, "done")); !slices.Equal(got, []string{"ack-1.xml", "ack-2.xml"}) {
		t.Errorf("archive holds %v", got)
	}
	if got := readFile(t, filepath.Join(srv.Root(), "to-supplier", "po-1001.xml")); got != "<po/>" {
		t.Errorf("outbound file = %q", got)
	}
	if srv.Logins() != 1 {
		t.Errorf("Logins = %d, want one per batch", srv.Logins())
	}
}

func TestSessionRefusesPathsInNames(t *testing.T) {
	t.Parallel()
	srv, f := folders(t)
	writeFile(t, filepath.Join(srv.Root(), "secret.txt"), "not for partners", time.Time{})
	ctx := context.Background()
	s, err := f.Session(ctx)
	if err != nil {
		t.Fatalf("Session: %v", err)
	}
	defer s.Close()

	for _, name := range []string{"../secret.txt", "../../secret.txt", "..", "a/b", `a\b`, ".hidden", ""} {
		if _, err := s.Read(ctx, name); !errors.Is(err, sftp.ErrInvalidName) || sftp.Temporary(err) {
			t.Errorf("Read(%q) err = %v, want ErrInvalidName", name, err)
		}
		if err := s.Archive(ctx, name); !errors.Is(err, sftp.ErrInvalidName) {
			t.Errorf("Archive(%q) err = %v, want ErrInvalidName", name, err)
		}
		if err := s.Put(ctx, name, []byte("x")); !errors.Is(err, sftp.ErrInvalidName) {
			t.Errorf("Put(%q) err = %v, want ErrInvalidName", name, err)
		}
	}
	if got := names(srv.Root()); !slices.Equal(got, []string{"from-supplier", "secret.txt", "to-supplier"}) {
		t.Errorf("root holds %v after refused calls", got)
	}
}

func TestSessionHonoursContext(t *testing.T) {
	t.Parallel()
	_, f := folders(t)
	s, err := f.Session(context.Background())
	if err != nil {
		t.Fatalf("Session: %v", err)
	}
	defer s.Close()

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.List(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("List with a cancelled context: err = %v", err)
	}
}

func TestFoldersCheck(t *testing.T) {
	t.Parallel()
	_, f := folders(t)
	if err := f.Check(context.Background()); err != nil {
		t.Fatalf("Check: %v (a missing archive folder is fine; Archive creates it)", err)
	}
	f.Inbound = "/typo"
	f.Archive = "/typo/done"
	err := f.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), `"/typo" does not exist`) {
		t.Fatalf("Check with a missing inbound folder: err = %v", err)
	}
}

func TestFoldersValidate(t *testing.T) {
	t.Parallel()
	_, f := folders(t)
	if err := f.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	for name, mutate := range map[string]func(*sftp.Folders){
		"archive is inbound":      func(f *sftp.Folders) { f.Archive = "/from-supplier/" },
		"inbound without archive": func(f *sftp.Folders) { f.Archive = "" },
		"no folders":              func(f *sftp.Folders) { f.Inbound, f.Outbound, f.Archive = "", "", "" },
		"newline in folder":       func(f *sftp.Folders) { f.Outbound = "/out\n" },
		"bad config":              func(f *sftp.Folders) { f.Host = "" },
	} {
		g := f
		mutate(&g)
		var verr sftp.ValidationError
		if err := g.Validate(); !errors.As(err, &verr) {
			t.Errorf("%s: Validate = %v, want a ValidationError", name, err)
		}
	}

	// An outbound-only partner needs no inbound or archive.
	g := f
	g.Inbound, g.Archive = "", ""
	if err := g.Validate(); err != nil {
		t.Errorf("outbound only: %v", err)
	}
}
