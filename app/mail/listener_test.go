package mail_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	netsmtp "net/smtp"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/consign/consign/app/mail"
)

type delivery struct {
	env mail.Envelope
	raw []byte
}

// inbox records deliveries and can be told to fail them.
type inbox struct {
	mu    sync.Mutex
	got   []delivery
	fail  error
	calls int
}

func (in *inbox) deliver(_ context.Context, env mail.Envelope, raw []byte) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.calls++
	if in.fail != nil {
		return in.fail
	}
	in.got = append(in.got, delivery{env, raw})
	return nil
}

func (in *inbox) setFail(err error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.fail = err
}

func (in *inbox) deliveries() ([]delivery, int) {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]delivery(nil), in.got...), in.calls
}

func startListener(t *testing.T, cfg mail.ListenerConfig) (*mail.Listener, *inbox) {
	t.Helper()
	in := &inbox{}
	if cfg.Domain == "" {
		cfg.Domain = "replies.consign.example"
	}
	cfg.Deliver = in.deliver
	l := mail.NewListener(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- l.Serve(ln) }()
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Error(err)
		}
		if err := <-done; err != nil {
			t.Errorf("Serve returned %v after Close", err)
		}
	})
	// Serve records the listener asynchronously.
	for l.Addr() == nil {
		time.Sleep(time.Millisecond)
	}
	return l, in
}

const replyRaw = "From: Acme <sales@acme.example>\r\nTo: po-123+k3y@replies.consign.example\r\nSubject: Re: PO-123\r\n\r\nAccepted, thanks.\r\n"

func TestListenerReceivesWithNetSMTP(t *testing.T) {
	l, in := startListener(t, mail.ListenerConfig{})
	err := netsmtp.SendMail(l.Addr().String(), nil, "sales@acme.example", []string{"po-123+k3y@Replies.Consign.Example"}, []byte(replyRaw))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := in.deliveries()
	if len(got) != 1 {
		t.Fatalf("%d deliveries", len(got))
	}
	d := got[0]
	if d.env.From != "sales@acme.example" || len(d.env.To) != 1 || d.env.To[0] != "po-123+k3y@Replies.Consign.Example" {
		t.Errorf("envelope = %+v", d.env)
	}
	if !strings.HasPrefix(d.env.RemoteAddr, "127.0.0.1:") {
		t.Errorf("RemoteAddr = %q", d.env.RemoteAddr)
	}
	if !bytes.Equal(d.raw, []byte(replyRaw)) {
		t.Errorf("raw = %q", d.raw)
	}
}

func TestListenerReceivesWithGoSMTPOverSTARTTLS(t *testing.T) {
	serverTLS, clientTLS := testCert(t, "127.0.0.1")
	l, in := startListener(t, mail.ListenerConfig{TLSConfig: serverTLS})
	c, err := smtp.DialStartTLS(l.Addr().String(), clientTLS)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, ok := c.TLSConnectionState(); !ok {
		t.Fatal("not on TLS")
	}
	if err := c.SendMail("sales@acme.example", []string{"a@replies.consign.example", "b@replies.consign.example"}, strings.NewReader(replyRaw)); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
	got, _ := in.deliveries()
	if len(got) != 1 || strings.Join(got[0].env.To, ",") != "a@replies.consign.example,b@replies.consign.example" {
		t.Fatalf("deliveries = %+v", got)
	}
}

// replyCode extracts the SMTP code from a net/smtp or go-smtp client error.
func replyCode(err error) int {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return tp.Code
	}
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

func TestListenerRefusesOtherDomains(t *testing.T) {
	l, in := startListener(t, mail.ListenerConfig{})
	for _, rcpt := range []string{
		"someone@elsewhere.example",
		"po-1@sub.replies.consign.example",
		"po-1@replies.consign.example.evil.example",
		"postmaster",
	} {
		err := netsmtp.SendMail(l.Addr().String(), nil, "spam@x.example", []string{rcpt}, []byte(replyRaw))
		if code := replyCode(err); code != 550 {
			t.Errorf("RCPT %q: err = %v, want 550", rcpt, err)
		}
	}
	if _, calls := in.deliveries(); calls != 0 {
		t.Errorf("Deliver called %d times", calls)
	}
}

func TestListenerRefusesRecipientsAcceptRefuses(t *testing.T) {
	l, in := startListener(t, mail.ListenerConfig{Accept: func(rcpt string) bool { return strings.HasPrefix(rcpt, "po-7-") }})
	if err := netsmtp.SendMail(l.Addr().String(), nil, "s@x.example", []string{"po-8-forged@replies.consign.example"}, []byte(replyRaw)); replyCode(err) != 550 {
		t.Errorf("a recipient Accept refuses: err = %v, want 550", err)
	}
	if err := netsmtp.SendMail(l.Addr().String(), nil, "s@x.example", []string{"po-7-good@replies.consign.example"}, []byte(replyRaw)); err != nil {
		t.Fatalf("a recipient Accept takes: %v", err)
	}
	if _, calls := in.deliveries(); calls != 1 {
		t.Errorf("Deliver called %d times, want 1", calls)
	}
}

func TestListenerRefusesOversizeMessages(t *testing.T) {
	l, in := startListener(t, mail.ListenerConfig{MaxBytes: 1024})
	big := replyRaw + strings.Repeat("x", 78) + "\r\n"
	big = strings.Repeat(big, 20)
	err := netsmtp.SendMail(l.Addr().String(), nil, "sales@acme.example", []string{"a@replies.consign.example"}, []byte(big))
	if code := replyCode(err); code != 552 {
		t.Fatalf("err = %v, want 552", err)
	}

	// The SIZE announced at MAIL FROM is refused before any data.
	c, err := smtp.Dial(l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Mail("sales@acme.example", &smtp.MailOptions{Size: 4096})
	if code := replyCode(err); code != 552 {
		t.Fatalf("MAIL SIZE=4096: err = %v, want 552", err)
	}

	// The connection stays usable for a message that fits.
	if err := c.Reset(); err != nil {
		t.Fatal(err)
	}
	if err := c.SendMail("sales@acme.example", []string{"a@replies.consign.example"}, strings.NewReader(replyRaw)); err != nil {
		t.Fatal(err)
	}
	if got, calls := in.deliveries(); calls != 1 || len(got) != 1 {
		t.Errorf("Deliver called %d times", calls)
	}
}

func TestListenerDeliverErrorAnswers451(t *testing.T) {
	l, in := startListener(t, mail.ListenerConfig{})
	in.setFail(errors.New("database is down: secret dsn postgres://x"))
	err := netsmtp.SendMail(l.Addr().String(), nil, "sales@acme.example", []string{"a@replies.consign.example"}, []byte(replyRaw))
	if code := replyCode(err); code != 451 {
		t.Fatalf("err = %v, want 451", err)
	}
	if strings.Contains(err.Error(), "postgres") {
		t.Errorf("reply leaks the Deliver error: %v", err)
	}

	// The sending server's retry goes through once Deliver recovers.
	in.setFail(nil)
	if err := netsmtp.SendMail(l.Addr().String(), nil, "sales@acme.example", []string{"a@replies.consign.example"}, []byte(replyRaw)); err != nil {
		t.Fatal(err)
	}
	if got, calls := in.deliveries(); calls != 2 || len(got) != 1 {
		t.Errorf("calls = %d, deliveries = %d", calls, len(got))
	}
}

func TestListenerMaxRecipients(t *testing.T) {
	l, _ := startListener(t, mail.ListenerConfig{MaxRecipients: 2})
	err := netsmtp.SendMail(l.Addr().String(), nil, "sales@acme.example",
		[]string{"a@replies.consign.example", "b@replies.consign.example", "c@replies.consign.example"}, []byte(replyRaw))
	if code := replyCode(err); code != 452 {
		t.Fatalf("err = %v, want 452", err)
	}
}

func TestListenerConfigErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := mail.NewListener(mail.ListenerConfig{Deliver: (&inbox{}).deliver}).Serve(ln); err == nil {
		t.Error("Serve without Domain succeeded")
	}
	if err := mail.NewListener(mail.ListenerConfig{Domain: "x.example"}).Serve(ln); err == nil {
		t.Error("Serve without Deliver succeeded")
	}

	l := mail.NewListener(mail.ListenerConfig{Domain: "x.example", Deliver: (&inbox{}).deliver})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Serve(ln); err == nil {
		t.Error("Serve after Close succeeded")
	}
}

func TestListenerListenAndServe(t *testing.T) {
	in := &inbox{}
	l := mail.NewListener(mail.ListenerConfig{Addr: "127.0.0.1:0", Domain: "replies.consign.example", Deliver: in.deliver})
	done := make(chan error, 1)
	go func() { done <- l.ListenAndServe() }()
	deadline := time.Now().Add(5 * time.Second)
	for l.Addr() == nil && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if l.Addr() == nil {
		t.Fatal("not listening")
	}
	if err := netsmtp.SendMail(l.Addr().String(), nil, "s@acme.example", []string{"a@replies.consign.example"}, []byte(replyRaw)); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("ListenAndServe = %v", err)
	}
}
