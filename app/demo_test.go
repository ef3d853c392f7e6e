package app_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consign/consign/app"
)

// syncBuffer is written by the demo's goroutines and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The demo runs with no configuration, and the commands it prints accept a
// PO and ship it, after which the fake Shopify reports the fulfillment.
func TestDemoWalkthrough(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- app.Main(ctx, []string{"demo"}, func(k string) string {
			return map[string]string{"PORT": "0"}[k]
		}, &out, &logs)
	}()
	waitFor := func(what string, re *regexp.Regexp) []string {
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			if m := re.FindStringSubmatch(out.String()); m != nil {
				return m
			}
			select {
			case err := <-done:
				t.Fatalf("demo stopped before %s: %v\n%s\n%s", what, err, out.String(), logs.String())
			case <-time.After(50 * time.Millisecond):
			}
		}
		t.Fatalf("demo never printed %s:\n%s\n%s", what, out.String(), logs.String())
		return nil
	}
	accept := waitFor("the accept command", regexp.MustCompile(`curl -s -X POST -H 'Authorization: Bearer (csk_\w+)' (http://\S+/accept)`))
	key, acceptURL := accept[1], accept[2]
	demoListensOnLoopbackOnly(t, acceptURL)
	ship := waitFor("the shipment command", regexp.MustCompile(`-d '(\{.*\})' \\\n\s+(http://\S+/shipments)`))
	post := func(url, body string) int {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := post(acceptURL, ""); code != 200 {
		t.Fatalf("accept answered %d", code)
	}
	if code := post(ship[2], ship[1]); code != 201 {
		t.Fatalf("shipment answered %d", code)
	}
	waitFor("the fulfillment report", regexp.MustCompile(`fake Shopify received fulfillment .*tracking 1Z999AA10123456784.*customer notified: true`))

	// The EDI supplier answers as the printed commands say: its 855 and
	// 856 copied into its inbound folder bring a second fulfillment.
	for _, m := range regexp.MustCompile(`(?m)^  cp (\S+) (\S+)/$`).FindAllStringSubmatch(out.String(), -1) {
		raw, err := os.ReadFile(m[1])
		if err != nil {
			t.Fatalf("the printed command's file: %v", err)
		}
		if err := os.WriteFile(filepath.Join(m[2], filepath.Base(m[1])), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	waitFor("the EDI supplier's fulfillment", regexp.MustCompile(`fake Shopify received fulfillment .*Order/5550001002: \d+ units, UPS`))
	// The email supplier's PO mail was caught and is shown.
	res, err := http.Get(strings.TrimSuffix(acceptURL[:strings.Index(acceptURL, "/api/")], "/") + "/demo/mail")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(page), "Purchase order") || !strings.Contains(string(page), "/portal/po/") {
		t.Errorf("/demo/mail shows no PO mail with its link:\n%.2000s", page)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("demo ended with %v", err)
	}
}

// demoListensOnLoopbackOnly (finding 11): the demo's /demo page signs
// anyone in, so unless asked it answers on 127.0.0.1 only: the same port on
// this machine's other addresses refuses connections.
func demoListensOnLoopbackOnly(t *testing.T, demoURL string) {
	t.Helper()
	u, err := url.Parse(demoURL)
	if err != nil {
		t.Fatal(err)
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	tried := 0
	for _, a := range addrs {
		ipnet, ok := a.(*net.IPNet)
		if !ok || ipnet.IP.IsLoopback() || ipnet.IP.To4() == nil {
			continue
		}
		tried++
		conn, err := net.DialTimeout("tcp", net.JoinHostPort(ipnet.IP.String(), u.Port()), 2*time.Second)
		if err == nil {
			conn.Close()
			t.Errorf("the demo answers on %s, not only on loopback", ipnet.IP)
		}
	}
	if tried == 0 {
		t.Log("no non-loopback IPv4 address on this machine: the demo's bind address was not checked")
	}
}
