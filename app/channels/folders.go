package channels

import (
	"context"
	"fmt"
	"net"

	"github.com/consign/consign/app/sftp"
)

// Folder is the file exchange of the partners that work by files (the sftp
// and edi channels): their SFTP server, reached through the guarded dialer.
// It is the transport seam: AS2 would be another implementation of the
// same three calls.
type Folder struct {
	// Dial connects to the partner's server; the app passes netguard's, so
	// a host that resolves to a private or metadata address is refused.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

func (f Folder) folders(p Partner) sftp.Folders {
	fs := p.Settings.SFTP.Transport(p.Secrets)
	fs.Dial = f.Dial
	return fs
}

// Put writes one outbound file. A host key mismatch or a refused login is
// permanent; a server that cannot be reached is retried.
func (f Folder) Put(ctx context.Context, p Partner, name string, body []byte) error {
	s, err := f.folders(p).Session(ctx)
	if err != nil {
		return classify(err)
	}
	defer s.Close()
	if err := s.Put(ctx, name, body); err != nil {
		return classify(err)
	}
	return nil
}

// Poll reads every inbound file, hands it to receive and archives it once
// receive stored it. A file receive refuses stays in the folder for the
// next poll.
func (f Folder) Poll(ctx context.Context, p Partner, receive func(name string, body []byte) error) (int, error) {
	s, err := f.folders(p).Session(ctx)
	if err != nil {
		return 0, classify(err)
	}
	defer s.Close()
	files, err := s.List(ctx)
	if err != nil {
		return 0, classify(err)
	}
	n := 0
	for _, file := range files {
		body, err := s.Read(ctx, file.Name)
		if err != nil {
			return n, fmt.Errorf("read %s: %w", file.Name, classify(err))
		}
		if err := receive(file.Name, body); err != nil {
			return n, fmt.Errorf("store %s: %w", file.Name, err)
		}
		// Stored: archiving may fail now and the file be read again; it is
		// then a duplicate (name and content hash) and only archived.
		if err := s.Archive(ctx, file.Name); err != nil {
			return n, fmt.Errorf("archive %s: %w", file.Name, classify(err))
		}
		n++
	}
	return n, nil
}

// Check logs in and checks every folder, saying exactly what failed.
func (f Folder) Check(ctx context.Context, p Partner) error {
	return f.folders(p).Check(ctx)
}

// classify marks the failures a retry cannot fix as permanent.
func classify(err error) error {
	if err == nil || sftp.Temporary(err) {
		return err
	}
	return Permanent(err)
}
