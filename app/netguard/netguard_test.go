package netguard_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"testing"

	"github.com/consign/consign/app/netguard"
)

func TestCheckIP(t *testing.T) {
	strict, selfHosted := &netguard.Guard{}, &netguard.Guard{AllowPrivate: true}
	for _, tc := range []struct {
		ip               string
		strictOK, privOK bool
	}{
		{"93.184.215.14", true, true},
		{"2606:2800:21f:cb07:6820:80da:af6b:8b2c", true, true},
		{"127.0.0.1", false, true},
		{"127.8.9.10", false, true},
		{"::1", false, true},
		{"::ffff:127.0.0.1", false, true}, // IPv4-mapped loopback
		{"10.1.2.3", false, true},
		{"172.16.0.1", false, true},
		{"172.31.255.255", false, true},
		{"172.32.0.1", true, true},
		{"192.168.1.1", false, true},
		{"100.64.0.1", false, true},
		{"fd12:3456::1", false, true},
		{"64:ff9b::7f00:1", false, true}, // NAT64 of 127.0.0.1
		{"2002:7f00:1::", false, true},   // 6to4 of 127.0.0.1
		{"64:ff9b::5db8:d70e", true, true},
		// Refused whatever the settings.
		{"169.254.169.254", false, false},
		{"169.254.170.2", false, false},
		{"::ffff:169.254.169.254", false, false},
		{"64:ff9b::a9fe:a9fe", false, false}, // NAT64 of the metadata address
		{"fd00:ec2::254", false, false},
		{"100.100.100.200", false, false},
		{"fe80::1", false, false},
		{"0.0.0.0", false, false},
		{"::", false, false},
		{"255.255.255.255", false, false},
		{"224.0.0.1", false, false},
		{"ff02::1", false, false},
	} {
		ip := netip.MustParseAddr(tc.ip)
		if err := strict.CheckIP(ip); (err == nil) != tc.strictOK {
			t.Errorf("strict CheckIP(%s) = %v, want allowed %v", tc.ip, err, tc.strictOK)
		}
		if err := selfHosted.CheckIP(ip); (err == nil) != tc.privOK {
			t.Errorf("self-hosted CheckIP(%s) = %v, want allowed %v", tc.ip, err, tc.privOK)
		}
	}
}

func TestCheckURL(t *testing.T) {
	for _, tc := range []struct {
		g   netguard.Guard
		url string
		ok  bool
	}{
		{netguard.Guard{}, "https://shop.example.com/", true},
		{netguard.Guard{}, "http://shop.example.com/", false},
		{netguard.Guard{}, "ftp://shop.example.com/", false},
		{netguard.Guard{}, "https://user:pw@shop.example.com/", false},
		{netguard.Guard{}, "https:///nohost", false},
		{netguard.Guard{}, "https://127.0.0.1/", false},
		{netguard.Guard{}, "https://[::1]:8443/", false},
		{netguard.Guard{}, "https://169.254.169.254/latest/meta-data/", false},
		{netguard.Guard{AllowPrivate: true}, "http://127.0.0.1:9000/", true},
		{netguard.Guard{AllowPrivate: true}, "http://localhost:9000/", true},
		{netguard.Guard{AllowPrivate: true}, "http://10.0.0.5/", false}, // plain http only to loopback
		{netguard.Guard{AllowPrivate: true}, "https://169.254.169.254/", false},
		{netguard.Guard{AllowHTTP: true}, "http://shop.example.com/", true},
	} {
		_, err := tc.g.CheckURL(tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("%+v CheckURL(%s) = %v, want allowed %v", tc.g, tc.url, err, tc.ok)
		}
		if err != nil && !errors.Is(err, netguard.ErrBlocked) {
			t.Errorf("CheckURL(%s) error %v does not wrap ErrBlocked", tc.url, err)
		}
	}
}

// TestDialChecksResolvedAddress shows the check runs after DNS: a name that
// resolves to loopback is refused like the literal, before any byte is sent.
func TestDialChecksResolvedAddress(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer srv.Close()
	port := strconv.Itoa(int(netip.MustParseAddrPort(srv.Listener.Addr().String()).Port()))

	strict := &netguard.Guard{AllowHTTP: true}
	for _, target := range []string{"http://localhost:" + port + "/", srv.URL + "/"} {
		_, err := strict.Client(nil, 0).Get(target)
		if !errors.Is(err, netguard.ErrBlocked) {
			t.Errorf("GET %s with the strict guard: %v, want a refusal", target, err)
		}
	}
	if hits != 0 {
		t.Fatalf("the loopback server was reached %d times", hits)
	}
	allowed := &netguard.Guard{AllowPrivate: true}
	res, err := allowed.Client(nil, 0).Get("http://localhost:" + port + "/")
	if err != nil {
		t.Fatalf("self-hosted guard refused loopback: %v", err)
	}
	res.Body.Close()
	if hits != 1 {
		t.Fatalf("hits = %d, want 1", hits)
	}
}

// TestRedirectsAreRechecked: an admitted server cannot bounce the client to
// a refused address.
func TestRedirectsAreRechecked(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/meta":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		case "/plain":
			http.Redirect(w, r, "http://shop.example.com/", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		default:
			io.WriteString(w, "ok")
		}
	}))
	defer srv.Close()
	g := &netguard.Guard{AllowPrivate: true}
	for _, path := range []string{"/meta", "/plain"} {
		_, err := g.Client(nil, 0).Get(srv.URL + path)
		if !errors.Is(err, netguard.ErrBlocked) {
			t.Errorf("redirect from %s: %v, want a refusal", path, err)
		}
	}
	if _, err := g.Client(nil, 0).Get(srv.URL + "/loop"); err == nil {
		t.Error("an endless redirect loop was followed")
	}
	// Direct dial of the metadata address is refused before connecting.
	if _, err := g.DialContext(context.Background(), "tcp", "169.254.169.254:80"); !errors.Is(err, netguard.ErrBlocked) {
		t.Errorf("dial metadata: %v, want a refusal", err)
	}
}
