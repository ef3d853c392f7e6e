package mailsink_test

import (
	"context"
	"errors"
	"fmt"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/consign/consign/app/devkit/mailsink"
)

func message(i int) string {
	return fmt.Sprintf("From: =?utf-8?q?B=C3=A4r?= <bear@acme.example>\r\n"+
		"To: Consign <po-%d@replies.consign.example>, other@x.example\r\n"+
		"Subject: =?iso-8859-1?q?Best=E4tigung?= %d\r\n"+
		"Date: Wed, 04 Mar 2026 15:04:05 +0100\r\n\r\nAccepted\r\n", i, i)
}

func start(t *testing.T, opts mailsink.Options) *mailsink.Sink {
	t.Helper()
	s, err := mailsink.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func TestSinkKeepsMessages(t *testing.T) {
	now := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	s := start(t, mailsink.Options{Now: func() time.Time { return now }})
	u, err := url.Parse(s.URL())
	if err != nil || u.Scheme != "smtp" || !strings.HasPrefix(u.Host, "127.0.0.1:") || u.User != nil {
		t.Fatalf("URL = %q", s.URL())
	}
	if err := smtp.SendMail(s.Addr(), nil, "bear@acme.example", []string{"po-1@replies.consign.example", "any@where.example"}, []byte(message(1))); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Wait(ctx, 1); err != nil {
		t.Fatal(err)
	}
	msgs := s.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	if m.MailFrom != "bear@acme.example" || strings.Join(m.RcptTo, ",") != "po-1@replies.consign.example,any@where.example" {
		t.Errorf("envelope = %q %q", m.MailFrom, m.RcptTo)
	}
	if string(m.Raw) != message(1) {
		t.Errorf("Raw = %q", m.Raw)
	}
	if m.From != "bear@acme.example" || strings.Join(m.To, ",") != "po-1@replies.consign.example,other@x.example" {
		t.Errorf("header From/To = %q %q", m.From, m.To)
	}
	if m.Subject != "Bestätigung 1" {
		t.Errorf("Subject = %q", m.Subject)
	}
	if want := time.Date(2026, 3, 4, 15, 4, 5, 0, time.FixedZone("", 3600)); !m.Date.Equal(want) {
		t.Errorf("Date = %v", m.Date)
	}
	if !m.Received.Equal(now) {
		t.Errorf("Received = %v", m.Received)
	}
}

func TestSinkIsBounded(t *testing.T) {
	s := start(t, mailsink.Options{Max: 3})
	for i := range 5 {
		if err := smtp.SendMail(s.Addr(), nil, "a@x.example", []string{"b@y.example"}, []byte(message(i))); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Wait(ctx, 5); err != nil {
		t.Fatal(err)
	}
	msgs := s.Messages()
	if len(msgs) != 3 {
		t.Fatalf("kept %d messages, want 3", len(msgs))
	}
	for i, m := range msgs {
		if want := fmt.Sprintf("Bestätigung %d", i+2); m.Subject != want {
			t.Errorf("message %d Subject = %q, want %q", i, m.Subject, want)
		}
	}
}

func TestSinkWaitHonoursContext(t *testing.T) {
	s := start(t, mailsink.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.Wait(ctx, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait = %v", err)
	}

	// A waiter is woken by a message arriving later.
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- s.Wait(ctx, 2)
	}()
	for i := range 2 {
		if err := smtp.SendMail(s.Addr(), nil, "a@x.example", []string{"b@y.example"}, []byte(message(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestSinkRequiresAuth(t *testing.T) {
	s := start(t, mailsink.Options{Username: "demo", Password: "p@ss word"})
	u, err := url.Parse(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	if pw, _ := u.User.Password(); u.User.Username() != "demo" || pw != "p@ss word" {
		t.Errorf("URL = %q", s.URL())
	}

	err = smtp.SendMail(s.Addr(), nil, "a@x.example", []string{"b@y.example"}, []byte(message(1)))
	var tp *textproto.Error
	if !errors.As(err, &tp) || tp.Code != 502 {
		t.Errorf("unauthenticated send: %v, want 502", err)
	}
	// net/smtp's PlainAuth allows plaintext to localhost only by name.
	host := strings.Replace(s.Addr(), "127.0.0.1", "localhost", 1)
	err = smtp.SendMail(host, smtp.PlainAuth("", "demo", "wrong", "localhost"), "a@x.example", []string{"b@y.example"}, []byte(message(1)))
	if !errors.As(err, &tp) || tp.Code != 535 {
		t.Errorf("wrong password: %v, want 535", err)
	}
	if err := smtp.SendMail(host, smtp.PlainAuth("", "demo", "p@ss word", "localhost"), "a@x.example", []string{"b@y.example"}, []byte(message(1))); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Messages()); n != 1 {
		t.Errorf("%d messages", n)
	}
}

func TestSinkSTARTTLS(t *testing.T) {
	s := start(t, mailsink.Options{TLS: true})
	c, err := gosmtp.DialStartTLS(s.Addr(), s.ClientTLSConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, ok := c.TLSConnectionState(); !ok {
		t.Fatal("no TLS")
	}
	if err := c.SendMail("a@x.example", []string{"b@y.example"}, strings.NewReader(message(1))); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Messages()); n != 1 {
		t.Errorf("%d messages", n)
	}
	if (&mailsink.Sink{}).ClientTLSConfig() != nil {
		t.Error("ClientTLSConfig without TLS is not nil")
	}
}

func TestSinkKeepsUnparseableMail(t *testing.T) {
	s := start(t, mailsink.Options{})
	if err := smtp.SendMail(s.Addr(), nil, "a@x.example", []string{"b@y.example"}, []byte("no header at all\r\n")); err != nil {
		t.Fatal(err)
	}
	msgs := s.Messages()
	if len(msgs) != 1 || msgs[0].Subject != "" || msgs[0].From != "" {
		t.Fatalf("messages = %+v", msgs)
	}
}
