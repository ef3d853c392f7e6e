package mail_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/consign/consign/app/devkit/mailsink"
	"github.com/consign/consign/app/mail"
)

const testRaw = "From: orders@consign.example\r\nTo: sales@acme.example\r\nSubject: PO-1\r\n\r\nHello\r\n.leading dot\r\n"

func send(t *testing.T, rawURL string, opts mail.SenderOptions) error {
	t.Helper()
	s, err := mail.NewSender(rawURL, opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.Send(ctx, "Consign <orders@consign.example>", []string{"sales@acme.example", "Backup <backup@acme.example>"}, []byte(testRaw))
}

func checkReceived(t *testing.T, ts *testServer, wantTLS bool, wantUser string) {
	t.Helper()
	got := ts.received()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	m := got[0]
	if m.from != "orders@consign.example" || strings.Join(m.to, ",") != "sales@acme.example,backup@acme.example" {
		t.Errorf("envelope = %q -> %q", m.from, m.to)
	}
	if !bytes.Equal(m.raw, []byte(testRaw)) {
		t.Errorf("raw = %q, want %q", m.raw, testRaw)
	}
	if m.tls != wantTLS {
		t.Errorf("TLS = %v, want %v", m.tls, wantTLS)
	}
	if m.authed != wantUser {
		t.Errorf("authenticated as %q, want %q", m.authed, wantUser)
	}
}

func TestSenderPlain(t *testing.T) {
	ts := startTestServer(t, serverOptions{})
	if err := send(t, "smtp://"+ts.addr, mail.SenderOptions{HeloName: "consign.example"}); err != nil {
		t.Fatal(err)
	}
	checkReceived(t, ts, false, "")
}

func TestSenderSTARTTLS(t *testing.T) {
	serverTLS, clientTLS := testCert(t, "127.0.0.1")
	ts := startTestServer(t, serverOptions{tls: serverTLS})
	if err := send(t, "smtp://"+ts.addr, mail.SenderOptions{TLSConfig: clientTLS}); err != nil {
		t.Fatal(err)
	}
	checkReceived(t, ts, true, "")
}

func TestSenderSTARTTLSUntrustedCertificate(t *testing.T) {
	serverTLS, _ := testCert(t, "127.0.0.1")
	ts := startTestServer(t, serverOptions{tls: serverTLS})
	err := send(t, "smtp://"+ts.addr, mail.SenderOptions{})
	if err == nil {
		t.Fatal("sent through an untrusted certificate")
	}
	if mail.IsTemporary(err) {
		t.Errorf("certificate failure is temporary: %v", err)
	}
	if len(ts.received()) != 0 {
		t.Error("message delivered anyway")
	}
}

func TestSenderImplicitTLS(t *testing.T) {
	serverTLS, clientTLS := testCert(t, "127.0.0.1")
	ts := startTestServer(t, serverOptions{tls: serverTLS, implicitTLS: true, username: "shop", password: "pw"})
	if err := send(t, "smtps://shop:pw@"+ts.addr, mail.SenderOptions{TLSConfig: clientTLS}); err != nil {
		t.Fatal(err)
	}
	checkReceived(t, ts, true, "shop")
}

// dialTo connects to addr whatever address the Sender asks for, so a test
// can give the Sender a non-loopback host name.
func dialTo(addr string) func(ctx context.Context, network, _ string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

func TestSenderAuthAfterSTARTTLS(t *testing.T) {
	serverTLS, clientTLS := testCert(t, "mail.example.test")
	ts := startTestServer(t, serverOptions{tls: serverTLS, username: "shop", password: "p@ss:w/rd"})
	err := send(t, "smtp://shop:p%40ss%3Aw%2Frd@mail.example.test:587", mail.SenderOptions{TLSConfig: clientTLS, Dial: dialTo(ts.addr)})
	if err != nil {
		t.Fatal(err)
	}
	checkReceived(t, ts, true, "shop")
}

func TestSenderRefusesCredentialsInClear(t *testing.T) {
	ts := startTestServer(t, serverOptions{insecure: true, username: "shop", password: "pw"})
	err := send(t, "smtp://shop:pw@mail.example.test:587", mail.SenderOptions{Dial: dialTo(ts.addr)})
	if !errors.Is(err, mail.ErrInsecureAuth) {
		t.Fatalf("err = %v, want ErrInsecureAuth", err)
	}
	if mail.IsTemporary(err) {
		t.Error("ErrInsecureAuth is temporary")
	}
	if ts.sawAuth() {
		t.Error("credentials were offered to the server")
	}

	// The same server is fine when the operator allows it explicitly.
	err = send(t, "smtp://shop:pw@mail.example.test:587", mail.SenderOptions{Dial: dialTo(ts.addr), AllowInsecureAuth: true})
	if err != nil {
		t.Fatal(err)
	}
	checkReceived(t, ts, false, "shop")
}

func TestSenderAuthOnLoopbackWithMailsink(t *testing.T) {
	sink, err := mailsink.Start(mailsink.Options{Username: "demo", Password: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	if err := send(t, sink.URL(), mail.SenderOptions{}); err != nil {
		t.Fatal(err)
	}
	msgs := sink.Messages()
	if len(msgs) != 1 || string(msgs[0].Raw) != testRaw || msgs[0].Subject != "PO-1" {
		t.Fatalf("sink got %+v", msgs)
	}

	// A wrong password is a 535: permanent, and never echoed.
	wrong := strings.Replace(sink.URL(), "s3cret", "wr0ng-pa55word", 1)
	err = send(t, wrong, mail.SenderOptions{})
	var perm *mail.PermanentError
	if !errors.As(err, &perm) || perm.Code != 535 {
		t.Fatalf("err = %v, want a 535 PermanentError", err)
	}
	if strings.Contains(err.Error(), "wr0ng-pa55word") {
		t.Errorf("error shows the password: %v", err)
	}
}

func TestSenderSTARTTLSWithMailsink(t *testing.T) {
	sink, err := mailsink.Start(mailsink.Options{TLS: true, Username: "demo", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	if err := send(t, sink.URL(), mail.SenderOptions{TLSConfig: sink.ClientTLSConfig()}); err != nil {
		t.Fatal(err)
	}
	if n := len(sink.Messages()); n != 1 {
		t.Fatalf("sink got %d messages", n)
	}
}

func TestSenderReplies(t *testing.T) {
	tests := []struct {
		name      string
		opts      serverOptions
		temporary bool
		code      int
		enhanced  string
	}{
		{"recipient unknown", serverOptions{rcptErr: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}}, false, 550, "5.1.1"},
		{"mailbox full", serverOptions{rcptErr: &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "Mailbox full"}}, true, 452, ""},
		{"greylisted", serverOptions{rcptErr: &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Greylisted, try again"}}, true, 451, ""},
		{"content rejected", serverOptions{dataErr: &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Spam"}}, false, 554, "5.7.1"},
		{"data deferred", serverOptions{dataErr: &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try later"}}, true, 421, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startTestServer(t, tt.opts)
			err := send(t, "smtp://"+ts.addr, mail.SenderOptions{})
			if err == nil {
				t.Fatal("send succeeded")
			}
			if got := mail.IsTemporary(err); got != tt.temporary {
				t.Errorf("IsTemporary = %v, want %v (%v)", got, tt.temporary, err)
			}
			var perm *mail.PermanentError
			var temp *mail.TemporaryError
			switch {
			case errors.As(err, &perm):
				if perm.Code != tt.code || perm.Enhanced != tt.enhanced || perm.Text == "" {
					t.Errorf("PermanentError = %+v", perm)
				}
			case errors.As(err, &temp):
				if temp.Code != tt.code {
					t.Errorf("TemporaryError = %+v", temp)
				}
			default:
				t.Errorf("err = %T %v", err, err)
			}
		})
	}
}

func TestSenderNetworkFailuresAreTemporary(t *testing.T) {
	// A port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	if err := send(t, "smtp://"+closed, mail.SenderOptions{}); !mail.IsTemporary(err) {
		t.Errorf("connection refused: IsTemporary false for %v", err)
	}

	// A server that accepts and never greets: the idle timeout ends it.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	start := time.Now()
	err = send(t, "smtp://"+silent.Addr().String(), mail.SenderOptions{Timeout: 200 * time.Millisecond})
	if !mail.IsTemporary(err) {
		t.Errorf("silent server: IsTemporary false for %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("idle timeout took %v", time.Since(start))
	}

	// The caller's context ends it too.
	s, err := mail.NewSender("smtp://"+silent.Addr().String(), mail.SenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err = s.Send(ctx, "a@consign.example", []string{"b@acme.example"}, []byte(testRaw))
	if !mail.IsTemporary(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("context deadline: err = %v", err)
	}
}

func TestNewSender(t *testing.T) {
	tests := []struct {
		url    string
		want   string // String(), "" when NewSender must fail
		secret string // must not appear in String() or the error
	}{
		{"smtp://user:hunter2@mail.example.com:587", "smtp://user@mail.example.com:587", "hunter2"},
		{"smtp://user:hunter2@mail.example.com", "smtp://user@mail.example.com:587", "hunter2"},
		{"smtps://user:hunter2@mail.example.com", "smtps://user@mail.example.com:465", "hunter2"},
		{"smtp://mx.example.com", "smtp://mx.example.com:25", ""},
		{"SMTP://mx.example.com:2525", "smtp://mx.example.com:2525", ""},
		{"smtp://[::1]:25", "smtp://[::1]:25", ""},
		{"http://mx.example.com", "", ""},
		{"smtp://", "", ""},
		{"smtp://user:hunter2@mail.example.com:notaport", "", "hunter2"},
		{"smtp://user:hun%zzter2@mail.example.com:587", "", "hun%zzter2"},
		{"smtp://user:hunter2@mail.example.com:99999", "", "hunter2"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			s, err := mail.NewSender(tt.url, mail.SenderOptions{})
			if tt.want == "" {
				if err == nil {
					t.Fatalf("NewSender accepted it: %v", s)
				}
				if tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
					t.Errorf("error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := s.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := mail.NewSender("smtp://mx.example.com", mail.SenderOptions{HeloName: "a\r\nb"}); err == nil {
		t.Error("HeloName with CRLF accepted")
	}
}

func TestSenderRejectsBadEnvelope(t *testing.T) {
	s, err := mail.NewSender("smtp://127.0.0.1:1", mail.SenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		from string
		to   []string
	}{
		{"a@consign.example\r\nRCPT TO:<x@y>", []string{"b@acme.example"}},
		{"a@consign.example", []string{"b@acme.example>\r\nDATA"}},
		{"a@consign.example", nil},
		{"not an address", []string{"b@acme.example"}},
	} {
		if err := s.Send(ctx, tc.from, tc.to, []byte(testRaw)); err == nil || mail.IsTemporary(err) {
			t.Errorf("Send(%q, %q) = %v, want a permanent error", tc.from, tc.to, err)
		}
	}
}
