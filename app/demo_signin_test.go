package app_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/consign/consign/app"
)

// The demo's sign-in page opens the retailer admin with a minted session
// token and the supplier portal with a fresh invite link.
func TestDemoSignIn(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- app.Main(ctx, []string{"demo"}, func(k string) string {
			return map[string]string{"PORT": "0"}[k]
		}, &out, &logs)
	}()
	re := regexp.MustCompile(`in a browser: (http://\S+)/demo`)
	var base string
	for deadline := time.Now().Add(30 * time.Second); base == "" && time.Now().Before(deadline); {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("demo stopped: %v\n%s\n%s", err, out.String(), logs.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	if base == "" {
		t.Fatalf("the demo never printed its sign-in page:\n%s", out.String())
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	page := func(method, url string) (*http.Response, *goquery.Document) {
		t.Helper()
		req, _ := http.NewRequest(method, url, nil)
		req.Header.Set("Accept", "text/html")
		res, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		doc, err := goquery.NewDocumentFromReader(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res, doc
	}

	res, doc := page(http.MethodGet, base+"/demo")
	if res.StatusCode != http.StatusOK || doc.Find(`[data-testid="demo-portal"]`).Length() != 3 {
		t.Fatalf("/demo: %d, %d portal buttons", res.StatusCode, doc.Find(`[data-testid="demo-portal"]`).Length())
	}
	portalAction, _ := doc.Find(`[data-testid="demo-portal"]`).First().Closest("form").Attr("action")

	res, _ = page(http.MethodPost, base+"/demo/admin")
	admin := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(admin, "/app?id_token=") {
		t.Fatalf("open admin: %d %q", res.StatusCode, admin)
	}
	// The demo's orders arrive while the test runs: wait for all three.
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, doc = page(http.MethodGet, base+admin)
		today := strings.TrimSpace(doc.Find(`[data-testid="orders-today"] .num`).Text())
		if res.StatusCode == http.StatusOK && today == "3" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("admin: %d, orders today %q", res.StatusCode, today)
		}
		time.Sleep(100 * time.Millisecond)
	}

	res, _ = page(http.MethodPost, base+portalAction)
	invite := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(invite, "/portal/login/") {
		t.Fatalf("open portal: %d %q", res.StatusCode, invite)
	}
	if res, _ = page(http.MethodGet, invite); res.StatusCode != http.StatusOK {
		t.Errorf("the invite link answered %d", res.StatusCode)
	}
	// A supplier id that is not the demo store's opens nothing.
	if res, _ = page(http.MethodPost, base+"/demo/portal/999"); res.StatusCode != http.StatusNotFound {
		t.Errorf("a foreign supplier: %d", res.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("demo ended with %v", err)
	}
}
