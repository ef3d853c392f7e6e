package mail_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// testCert makes a self-signed certificate for names (DNS names or IPs) and
// a client config that trusts it.
func testCert(t *testing.T, names ...string) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "consign test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}}}
	client = &tls.Config{RootCAs: pool}
	return server, client
}

// received is one message seen by testServer.
type received struct {
	from   string
	to     []string
	raw    []byte
	tls    bool
	authed string // username that authenticated, if any
}

// testServer is a go-smtp server whose answers a test can script.
type testServer struct {
	addr string

	// Scripted failures.
	rcptErr *smtp.SMTPError
	dataErr *smtp.SMTPError
	// username/password, when set, are offered and required via AUTH PLAIN.
	username, password string

	mu       sync.Mutex
	messages []received
	authSeen bool
}

type serverOptions struct {
	tls         *tls.Config // offer STARTTLS
	implicitTLS bool        // wrap the listener in TLS instead
	insecure    bool        // allow AUTH without TLS
	username    string
	password    string
	rcptErr     *smtp.SMTPError // every RCPT TO gets this reply
	dataErr     *smtp.SMTPError // the end of DATA gets this reply
}

func startTestServer(t *testing.T, o serverOptions) *testServer {
	t.Helper()
	ts := &testServer{username: o.username, password: o.password, rcptErr: o.rcptErr, dataErr: o.dataErr}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &testSession{ts: ts, conn: c}, nil
	}))
	srv.Domain = "test.localhost"
	srv.AllowInsecureAuth = o.insecure
	srv.ErrorLog = nopLogger{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if o.implicitTLS {
		ln = tls.NewListener(ln, o.tls)
	} else {
		srv.TLSConfig = o.tls
	}
	ts.addr = ln.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return ts
}

func (ts *testServer) received() []received {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]received(nil), ts.messages...)
}

func (ts *testServer) sawAuth() bool {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.authSeen
}

type testSession struct {
	ts     *testServer
	conn   *smtp.Conn
	from   string
	to     []string
	authed string
}

func (s *testSession) AuthMechanisms() []string {
	if s.ts.username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *testSession) Auth(mech string) (sasl.Server, error) {
	s.ts.mu.Lock()
	s.ts.authSeen = true
	s.ts.mu.Unlock()
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != s.ts.username || password != s.ts.password {
			return smtp.ErrAuthFailed
		}
		s.authed = username
		return nil
	}), nil
}

func (s *testSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.ts.username != "" && s.authed == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *testSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.ts.rcptErr != nil {
		return s.ts.rcptErr
	}
	s.to = append(s.to, to)
	return nil
}

func (s *testSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.ts.dataErr != nil {
		return s.ts.dataErr
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.ts.mu.Lock()
	s.ts.messages = append(s.ts.messages, received{from: s.from, to: s.to, raw: raw, tls: isTLS, authed: s.authed})
	s.ts.mu.Unlock()
	return nil
}

func (s *testSession) Reset() {
	s.from = ""
	s.to = nil
}

func (s *testSession) Logout() error { return nil }

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}
func (nopLogger) Println(...any)        {}
