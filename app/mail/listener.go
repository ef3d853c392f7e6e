package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Envelope is what the sending server said about a message, as opposed to
// what its header claims.
type Envelope struct {
	From       string   // MAIL FROM, may be empty for bounces
	To         []string // accepted RCPT TO addresses
	RemoteAddr string   // the sending server's IP:port
}

// ListenerConfig configures a Listener.
type ListenerConfig struct {
	Addr string // e.g. ":2525"
	// Domain is the only recipient domain accepted (compared without case);
	// other recipients are refused with 550, so the listener is never a relay.
	Domain string
	// MaxBytes is the largest message accepted; bigger ones get 552 before
	// more than MaxBytes is buffered. Default 25 MiB.
	MaxBytes int64
	// MaxRecipients per message; further RCPT TO get 452. Default 50.
	MaxRecipients int
	// Deliver is called once per message with the whole raw message. An
	// error answers 451 so the sending server retries later; nil answers 250.
	// The context is cancelled when the Listener closes.
	Deliver func(ctx context.Context, env Envelope, raw []byte) error
	// Accept, when set, decides whether a recipient of Domain is a mailbox
	// here (Consign's reply addresses carry a token it checks); a refused
	// one is answered 550 before any message data is read.
	Accept func(rcpt string) bool
	// ReadTimeout and WriteTimeout bound each network read and write.
	// Defaults five minutes and one minute.
	ReadTimeout, WriteTimeout time.Duration
	// Logger receives delivery failures and connection errors. Default: none.
	Logger *slog.Logger
	// TLSConfig, when set, makes the listener offer STARTTLS.
	TLSConfig *tls.Config
}

// Listener receives mail for one domain, like an MX, and hands each message
// to Deliver. It offers no AUTH: it accepts mail for its own domain only.
type Listener struct {
	cfg    ListenerConfig
	server *smtp.Server
	ctx    context.Context // parent of Deliver's contexts
	cancel context.CancelFunc

	mu sync.Mutex
	ln net.Listener
}

// NewListener builds a Listener; nothing listens until Serve or
// ListenAndServe.
func NewListener(cfg ListenerConfig) *Listener {
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 25 << 20
	}
	if cfg.MaxRecipients <= 0 {
		cfg.MaxRecipients = 50
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 5 * time.Minute
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.Domain = strings.ToLower(strings.TrimSuffix(cfg.Domain, "."))

	ctx, cancel := context.WithCancel(context.Background())
	l := &Listener{cfg: cfg, ctx: ctx, cancel: cancel}

	s := smtp.NewServer(smtp.BackendFunc(l.newSession))
	s.Addr = cfg.Addr
	s.Domain = cfg.Domain
	s.MaxMessageBytes = cfg.MaxBytes
	s.MaxRecipients = cfg.MaxRecipients
	s.ReadTimeout = cfg.ReadTimeout
	s.WriteTimeout = cfg.WriteTimeout
	s.TLSConfig = cfg.TLSConfig
	// Only raw bytes are stored, so UTF-8 addresses and headers cost nothing.
	s.EnableSMTPUTF8 = true
	s.ErrorLog = slogPrinter{cfg.Logger}
	l.server = s
	return l
}

// Serve accepts connections on ln until Close. It returns nil after Close.
func (l *Listener) Serve(ln net.Listener) error {
	if l.cfg.Domain == "" {
		return errors.New("mail: listener has no Domain")
	}
	if l.cfg.Deliver == nil {
		return errors.New("mail: listener has no Deliver function")
	}
	l.mu.Lock()
	if l.ctx.Err() != nil {
		l.mu.Unlock()
		ln.Close()
		return errors.New("mail: listener is closed")
	}
	l.ln = ln
	l.mu.Unlock()
	return l.server.Serve(ln)
}

// ListenAndServe listens on the configured Addr and serves.
func (l *Listener) ListenAndServe() error {
	ln, err := net.Listen("tcp", l.cfg.Addr)
	if err != nil {
		return fmt.Errorf("mail: listen on %q: %w", l.cfg.Addr, err)
	}
	return l.Serve(ln)
}

// Addr is the address being served, or nil before Serve.
func (l *Listener) Addr() net.Addr {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln == nil {
		return nil
	}
	return l.ln.Addr()
}

// Close stops listening, drops open connections and cancels running Deliver
// calls. A message whose Deliver has not returned is not acknowledged, so the
// sending server will retry it.
func (l *Listener) Close() error {
	l.mu.Lock()
	l.cancel()
	l.mu.Unlock()
	if err := l.server.Close(); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
		return fmt.Errorf("mail: close listener: %w", err)
	}
	return nil
}

func (l *Listener) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{l: l, remote: c.Conn().RemoteAddr().String()}, nil
}

// session holds one SMTP transaction at a time.
type session struct {
	l      *Listener
	remote string
	from   string
	to     []string
}

func (s *session) Reset() {
	s.from = ""
	s.to = nil
}

func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	// The last "@" separates the domain: a quoted local part may hold one.
	at := strings.LastIndexByte(to, '@')
	domain := strings.TrimSuffix(to[at+1:], ".")
	if at < 0 || !strings.EqualFold(domain, s.l.cfg.Domain) {
		return &smtp.SMTPError{
			Code:         550,
			EnhancedCode: smtp.EnhancedCode{5, 1, 1},
			Message:      "No such recipient here",
		}
	}
	if s.l.cfg.Accept != nil && !s.l.cfg.Accept(to) {
		return &smtp.SMTPError{
			Code:         550,
			EnhancedCode: smtp.EnhancedCode{5, 1, 1},
			Message:      "No such recipient here",
		}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	// go-smtp's reader fails with ErrDataTooLarge (552) once MaxBytes is
	// reached and discards the rest itself, so this never holds more.
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	env := Envelope{From: s.from, To: append([]string(nil), s.to...), RemoteAddr: s.remote}
	if err := s.l.cfg.Deliver(s.l.ctx, env, raw); err != nil {
		s.l.cfg.Logger.Error("mail: delivering inbound message failed; answered 451",
			"from", env.From, "to", env.To, "remote", env.RemoteAddr, "bytes", len(raw), "err", err)
		// The caller's error text stays in our logs, not in the reply.
		return &smtp.SMTPError{
			Code:         451,
			EnhancedCode: smtp.EnhancedCode{4, 3, 0},
			Message:      "Temporary failure, please try again later",
		}
	}
	return nil
}

// slogPrinter adapts slog to go-smtp's Printf-style error log.
type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Printf(format string, v ...any) {
	p.l.Warn("mail: smtp server: " + fmt.Sprintf(format, v...))
}

func (p slogPrinter) Println(v ...any) {
	p.l.Warn("mail: smtp server: " + strings.TrimSuffix(fmt.Sprintln(v...), "\n"))
}
