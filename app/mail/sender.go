package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// SenderOptions tune a Sender. The zero value is usable.
type SenderOptions struct {
	// Dial opens the TCP connection. Consign passes a guarded dialer that
	// refuses private addresses; the default is a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// TLSConfig is used for implicit TLS and STARTTLS. ServerName defaults to
	// the URL's host. Tests pass one that trusts their certificate.
	TLSConfig *tls.Config
	// Timeout bounds every network read and write, so a stalled server
	// cannot hold a send forever; the context bounds the whole exchange.
	// Default one minute.
	Timeout time.Duration
	// HeloName is the name given in EHLO. Default "localhost".
	HeloName string
	// AllowInsecureAuth permits sending credentials over a connection that is
	// neither TLS nor to a loopback host.
	AllowInsecureAuth bool
}

// Sender submits raw messages to one SMTP relay.
type Sender struct {
	host        string
	port        string
	implicitTLS bool
	username    string
	password    string
	opts        SenderOptions
}

// ErrInsecureAuth is returned when the URL carries credentials but the
// server offers no TLS and is not on a loopback address. It is not
// temporary: retrying will meet the same server.
var ErrInsecureAuth = errors.New("mail: refusing to send SMTP credentials over an unencrypted connection")

// NewSender parses an SMTP_URL:
//
//	smtp://user:pass@host:587  submission; STARTTLS when offered, then AUTH
//	smtps://user:pass@host:465 implicit TLS
//	smtp://host:25             no credentials, STARTTLS when offered
//
// Without a port, smtps uses 465 and smtp uses 587 when credentials are given,
// 25 otherwise. User and password must be percent-encoded if they contain
// reserved characters. No error from NewSender or Send contains the password.
func NewSender(rawURL string, opts SenderOptions) (*Sender, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error quotes the input, which may hold the password.
		return nil, errors.New("mail: SMTP URL is not a valid URL")
	}
	s := &Sender{host: u.Hostname(), port: u.Port(), opts: opts}
	switch strings.ToLower(u.Scheme) {
	case "smtp":
	case "smtps":
		s.implicitTLS = true
	default:
		return nil, fmt.Errorf("mail: SMTP URL scheme %q is not smtp or smtps", u.Scheme)
	}
	if s.host == "" {
		return nil, errors.New("mail: SMTP URL has no host")
	}
	if u.User != nil {
		s.username = u.User.Username()
		s.password, _ = u.User.Password()
	}
	if s.port == "" {
		switch {
		case s.implicitTLS:
			s.port = "465"
		case s.username != "":
			s.port = "587"
		default:
			s.port = "25"
		}
	}
	if n, err := strconv.Atoi(s.port); err != nil || n < 1 || n > 65535 {
		return nil, fmt.Errorf("mail: SMTP URL port %q is not a port number", s.port)
	}
	if strings.ContainsAny(opts.HeloName, " \t\r\n") {
		return nil, fmt.Errorf("mail: HeloName %q contains white space", opts.HeloName)
	}
	if s.opts.Timeout <= 0 {
		s.opts.Timeout = time.Minute
	}
	if s.opts.HeloName == "" {
		s.opts.HeloName = "localhost"
	}
	if s.opts.Dial == nil {
		d := &net.Dialer{Timeout: s.opts.Timeout}
		s.opts.Dial = d.DialContext
	}
	return s, nil
}

// String describes the relay without the password, for logs.
func (s *Sender) String() string {
	u := url.URL{Scheme: "smtp", Host: net.JoinHostPort(s.host, s.port)}
	if s.implicitTLS {
		u.Scheme = "smtps"
	}
	if s.username != "" {
		u.User = url.User(s.username)
	}
	return u.String()
}

// PermanentError is a 5xx reply: the server refused the message and sending
// it again unchanged will not help.
type PermanentError struct {
	Code     int    // e.g. 550
	Enhanced string // RFC 3463 status such as "5.1.1", when the server gave one
	Text     string // the server's text
}

func (e *PermanentError) Error() string {
	return fmt.Sprintf("permanent SMTP error %d: %s", e.Code, e.Text)
}

// TemporaryError is a 4xx reply, a network failure or a timeout: the same
// message may go through later.
type TemporaryError struct {
	Code int    // the 4xx reply code; 0 for network errors and timeouts
	Text string // the server's text for a reply
	Err  error  // the network or context error, nil for a reply
}

func (e *TemporaryError) Error() string {
	if e.Err != nil {
		return "temporary failure: " + e.Err.Error()
	}
	return fmt.Sprintf("temporary SMTP error %d: %s", e.Code, e.Text)
}

func (e *TemporaryError) Unwrap() error { return e.Err }

// IsTemporary reports whether err is worth retrying later. Everything else
// Send returns (5xx replies, refused credentials, invalid addresses,
// certificate failures) needs a person or a different message.
func IsTemporary(err error) bool {
	var t *TemporaryError
	return errors.As(err, &t)
}

// Send submits raw as one message from the envelope sender to the envelope
// recipients. Addresses may carry display names; only the address is used.
// Every recipient must be accepted, otherwise nothing is sent.
func (s *Sender) Send(ctx context.Context, from string, to []string, raw []byte) error {
	envFrom, err := envelopeAddress(from)
	if err != nil {
		return fmt.Errorf("mail: envelope sender: %w", err)
	}
	if len(to) == 0 {
		return errors.New("mail: no envelope recipients")
	}
	rcpts := make([]string, 0, len(to))
	for _, t := range to {
		r, err := envelopeAddress(t)
		if err != nil {
			return fmt.Errorf("mail: envelope recipient: %w", err)
		}
		rcpts = append(rcpts, r)
	}

	addr := net.JoinHostPort(s.host, s.port)
	conn, err := s.opts.Dial(ctx, "tcp", addr)
	if err != nil {
		return s.failure(ctx, "connect", err)
	}
	defer conn.Close()
	// Closing the connection is the only way to interrupt a blocked read
	// when the caller gives up.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	return s.converse(ctx, &deadlineConn{Conn: conn, timeout: s.opts.Timeout}, envFrom, rcpts, raw)
}

func (s *Sender) converse(ctx context.Context, conn net.Conn, from string, to []string, raw []byte) error {
	secure := false
	if s.implicitTLS {
		tc := tls.Client(conn, s.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			return s.failure(ctx, "TLS handshake", err)
		}
		conn, secure = tc, true
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return s.failure(ctx, "greeting", err)
	}
	defer c.Close()
	if err := c.Hello(s.opts.HeloName); err != nil {
		return s.failure(ctx, "EHLO", err)
	}
	if !secure {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig()); err != nil {
				return s.failure(ctx, "STARTTLS", err)
			}
			secure = true
		}
	}
	if s.username != "" {
		if !secure && !s.opts.AllowInsecureAuth && !isLoopbackHost(s.host) {
			return fmt.Errorf("%w (%s offers no STARTTLS)", ErrInsecureAuth, net.JoinHostPort(s.host, s.port))
		}
		ok, mechs := c.Extension("AUTH")
		if !ok {
			return fmt.Errorf("mail: %s does not offer AUTH but the SMTP URL has credentials", net.JoinHostPort(s.host, s.port))
		}
		if err := c.Auth(s.auth(mechs)); err != nil {
			return s.failure(ctx, "AUTH", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return s.failure(ctx, "MAIL FROM", err)
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return s.failure(ctx, "RCPT TO <"+r+">", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return s.failure(ctx, "DATA", err)
	}
	if _, err := w.Write(raw); err != nil {
		return s.failure(ctx, "DATA", err)
	}
	if err := w.Close(); err != nil {
		return s.failure(ctx, "end of DATA", err)
	}
	// The message is accepted once the final dot is answered with 250; a
	// failing QUIT does not change that.
	_ = c.Quit()
	return nil
}

// failure classifies err and wraps it with where it happened. It never
// mentions credentials: none of the wrapped errors can contain them.
func (s *Sender) failure(ctx context.Context, stage string, err error) error {
	where := fmt.Sprintf("mail: send via %s: %s", net.JoinHostPort(s.host, s.port), stage)
	var reply *textproto.Error
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	switch {
	case errors.As(err, &reply):
		text := strings.ReplaceAll(reply.Msg, "\n", " ")
		if reply.Code >= 500 && reply.Code < 600 {
			enhanced, rest := splitEnhanced(text)
			return fmt.Errorf("%s: %w", where, &PermanentError{Code: reply.Code, Enhanced: enhanced, Text: rest})
		}
		// 4xx, and replies that make no sense at this point of the
		// conversation, which a later attempt may not see again.
		return fmt.Errorf("%s: %w", where, &TemporaryError{Code: reply.Code, Text: text})
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w", where, &TemporaryError{Err: ctx.Err()})
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr), errors.As(err, &invalidCert):
		return fmt.Errorf("%s: %w", where, err)
	default:
		return fmt.Errorf("%s: %w", where, &TemporaryError{Err: err})
	}
}

// splitEnhanced separates an RFC 3463 status ("5.1.1 User unknown") from the
// rest of a reply text.
func splitEnhanced(text string) (string, string) {
	code, rest, _ := strings.Cut(text, " ")
	parts := strings.Split(code, ".")
	if len(parts) != 3 {
		return "", text
	}
	for _, p := range parts {
		if _, err := strconv.Atoi(p); err != nil {
			return "", text
		}
	}
	return code, rest
}

func (s *Sender) tlsConfig() *tls.Config {
	var cfg *tls.Config
	if s.opts.TLSConfig != nil {
		cfg = s.opts.TLSConfig.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = s.host
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return cfg
}

// auth picks PLAIN when offered, LOGIN otherwise (some older relays offer
// only that). The transport check was done by the caller, which is why these
// do not repeat net/smtp's own localhost-or-TLS rule.
func (s *Sender) auth(mechs string) smtp.Auth {
	for _, m := range strings.Fields(mechs) {
		if strings.EqualFold(m, "PLAIN") {
			return plainAuth{s.username, s.password}
		}
	}
	for _, m := range strings.Fields(mechs) {
		if strings.EqualFold(m, "LOGIN") {
			return loginAuth{s.username, s.password}
		}
	}
	return plainAuth{s.username, s.password}
}

type plainAuth struct{ username, password string }

func (a plainAuth) Start(*smtp.ServerInfo) (string, []byte, error) {
	return "PLAIN", []byte("\x00" + a.username + "\x00" + a.password), nil
}

func (a plainAuth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("mail: unexpected challenge after AUTH PLAIN")
	}
	return nil, nil
}

type loginAuth struct{ username, password string }

func (a loginAuth) Start(*smtp.ServerInfo) (string, []byte, error) {
	return "LOGIN", nil, nil
}

func (a loginAuth) Next(challenge []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	switch prompt := strings.ToLower(string(challenge)); {
	case strings.Contains(prompt, "user"):
		return []byte(a.username), nil
	case strings.Contains(prompt, "pass"):
		return []byte(a.password), nil
	default:
		return nil, errors.New("mail: unexpected AUTH LOGIN prompt")
	}
}

// envelopeAddress extracts the bare address from "Name <addr>" or "addr".
func envelopeAddress(s string) (string, error) {
	if strings.ContainsAny(s, "\r\n") {
		return "", errors.New("address contains a line break")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", fmt.Errorf("address %q: %w", s, err)
	}
	return a.Address, nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// deadlineConn pushes the read and write deadlines forward on every call,
// turning Timeout into an idle timeout that holds across STARTTLS.
type deadlineConn struct {
	net.Conn
	timeout time.Duration
}

func (c *deadlineConn) Read(b []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Read(b)
}

func (c *deadlineConn) Write(b []byte) (int, error) {
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}
