// Package mailsink is an in-process SMTP server that keeps what it receives
// in memory, for the demo and for tests: point SMTP_URL at Sink.URL and read
// the mail back with Messages.
//
// It accepts any recipient and relays nothing. It is not meant to face a
// network: it listens on loopback unless told otherwise.
package mailsink

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"mime"
	"net"
	"net/mail"
	"net/url"
	"sync"
	"time"

	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options configure a Sink. The zero value listens on 127.0.0.1:0 without
// TLS or AUTH and keeps the last 500 messages.
type Options struct {
	Addr string // default "127.0.0.1:0"
	Max  int    // messages kept; older ones are dropped. Default 500.
	// MaxBytes is the largest message accepted. Default 25 MiB.
	MaxBytes int64
	// TLS offers STARTTLS with a self-signed certificate generated at Start
	// for localhost, 127.0.0.1 and ::1; ClientTLSConfig trusts it.
	TLS bool
	// Username and Password, when Username is set, require AUTH PLAIN with
	// exactly these credentials before MAIL FROM. Over loopback AUTH is
	// allowed without TLS, as the Sender allows it.
	Username, Password string
	// Now stamps Message.Received. Default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Message is one received message.
type Message struct {
	MailFrom string   // envelope sender
	RcptTo   []string // envelope recipients
	Raw      []byte

	// Parsed from the header, empty when the header could not be read.
	From    string
	To      []string
	Subject string
	Date    time.Time

	Received time.Time
}

// Sink is a running SMTP sink.
type Sink struct {
	opts   Options
	server *smtp.Server
	ln     net.Listener
	client *tls.Config // trusts the generated certificate; nil without TLS
	done   chan error  // Serve's result

	mu       sync.Mutex
	messages []Message
	total    int
	arrived  chan struct{} // closed and replaced whenever a message arrives
}

// Start listens and serves in the background until Close.
func Start(opts Options) (*Sink, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.Max <= 0 {
		opts.Max = 500
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 25 << 20
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Sink{opts: opts, arrived: make(chan struct{}), done: make(chan error, 1)}

	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{sink: s}, nil
	}))
	srv.Domain = "mailsink.localhost"
	srv.MaxMessageBytes = opts.MaxBytes
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.AllowInsecureAuth = true
	srv.EnableSMTPUTF8 = true
	srv.ErrorLog = logPrinter{opts.Logger}
	if opts.TLS {
		// TLS clients check validity against the real clock, not Now.
		cert, pool, err := selfSigned(time.Now())
		if err != nil {
			return nil, err
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.client = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	s.server = srv

	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("mailsink: listen on %q: %w", opts.Addr, err)
	}
	s.ln = ln
	go func() { s.done <- srv.Serve(ln) }()
	return s, nil
}

// Addr is the host:port the sink listens on.
func (s *Sink) Addr() string { return s.ln.Addr().String() }

// URL is an SMTP_URL for the sink, with the credentials when AUTH is
// required.
func (s *Sink) URL() string {
	u := url.URL{Scheme: "smtp", Host: s.Addr()}
	if s.opts.Username != "" {
		u.User = url.UserPassword(s.opts.Username, s.opts.Password)
	}
	return u.String()
}

// ClientTLSConfig trusts the sink's certificate, for the client side of
// STARTTLS. It is nil when the sink offers no TLS.
func (s *Sink) ClientTLSConfig() *tls.Config {
	if s.client == nil {
		return nil
	}
	return s.client.Clone()
}

// Messages returns the kept messages, oldest first.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	copy(out, s.messages)
	return out
}

// Wait blocks until at least n messages have arrived since Start (counting
// those already dropped) or ctx ends.
func (s *Sink) Wait(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		total, arrived := s.total, s.arrived
		s.mu.Unlock()
		if total >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("mailsink: %d of %d messages arrived: %w", total, n, ctx.Err())
		case <-arrived:
		}
	}
}

// Close stops the server and drops open connections.
func (s *Sink) Close() error {
	if err := s.server.Close(); err != nil {
		if errors.Is(err, smtp.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("mailsink: close: %w", err)
	}
	if err := <-s.done; err != nil {
		return fmt.Errorf("mailsink: serve: %w", err)
	}
	return nil
}

func (s *Sink) add(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.messages) >= s.opts.Max {
		// Copy down instead of reslicing so dropped messages can be freed.
		n := copy(s.messages, s.messages[len(s.messages)-s.opts.Max+1:])
		clear(s.messages[n:])
		s.messages = s.messages[:n]
	}
	s.messages = append(s.messages, m)
	s.total++
	close(s.arrived)
	s.arrived = make(chan struct{})
}

type session struct {
	sink   *Sink
	authed bool
	from   string
	to     []string
}

func (ss *session) AuthMechanisms() []string {
	if ss.sink.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if ss.sink.opts.Username == "" || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if (identity != "" && identity != username) ||
			username != ss.sink.opts.Username || password != ss.sink.opts.Password {
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.sink.opts.Username != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Message{
		MailFrom: ss.from,
		RcptTo:   append([]string(nil), ss.to...),
		Raw:      raw,
		Received: ss.sink.opts.Now(),
	}
	parseHeader(&m)
	ss.sink.add(m)
	return nil
}

func (ss *session) Reset() {
	ss.from = ""
	ss.to = nil
}

func (ss *session) Logout() error { return nil }

// parseHeader fills the header-derived fields, leaving them empty for
// whatever does not parse: the sink keeps malformed mail too.
func parseHeader(m *Message) {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
	if err != nil {
		return
	}
	dec := &mime.WordDecoder{CharsetReader: charset.Reader}
	if subject, err := dec.DecodeHeader(msg.Header.Get("Subject")); err == nil {
		m.Subject = subject
	} else {
		m.Subject = msg.Header.Get("Subject")
	}
	parser := mail.AddressParser{WordDecoder: dec}
	if from, err := parser.ParseList(msg.Header.Get("From")); err == nil && len(from) > 0 {
		m.From = from[0].Address
	}
	if to, err := parser.ParseList(msg.Header.Get("To")); err == nil {
		for _, a := range to {
			m.To = append(m.To, a.Address)
		}
	}
	if d, err := msg.Header.Date(); err == nil {
		m.Date = d
	}
}

// selfSigned makes a short-lived certificate for the loopback names and a
// pool that trusts it.
func selfSigned(now time.Time) (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("mailsink: generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("mailsink: serial number: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "mailsink"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("mailsink: create certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("mailsink: parse certificate: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}

type logPrinter struct{ l *slog.Logger }

func (p logPrinter) Printf(format string, v ...any) {
	p.l.Warn("mailsink: " + fmt.Sprintf(format, v...))
}

func (p logPrinter) Println(v ...any) {
	p.l.Warn("mailsink: " + fmt.Sprint(v...))
}
