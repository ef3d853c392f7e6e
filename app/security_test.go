package app_test

// Regression tests of the outside security review, one per finding, named
// for it. Each goes through the public endpoints as an attacker would.

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/app/platforms/woocommerce"
	"github.com/consign/consign/app/platforms/woocommerce/fakewoocommerce"
	"github.com/consign/consign/models"
)

// keyGrant is the JSON a WooCommerce store POSTs to the key callback.
func keyGrant(state, key, secret string) []byte {
	return fmt.Appendf(nil, `{"key_id":7,"user_id":%q,"consumer_key":%q,"consumer_secret":%q,"key_permissions":"read_write"}`,
		state, key, secret)
}

func postGrant(t *testing.T, h *apptest.Harness, body []byte) int {
	t.Helper()
	code, _ := post(t, h, "/auth/woocommerce/callback", body, http.Header{"Content-Type": {"application/json"}})
	return code
}

// startConnect submits the connect form in b (which stays at redirects) and
// returns the store's approval URL and the state in it.
func startConnect(t *testing.T, b *apptest.Browser, storeURL string) (*url.URL, string) {
	t.Helper()
	_, form := b.Get("/auth/woocommerce?" + url.Values{"store_url": {storeURL}}.Encode())
	res, page := b.PostForm("/auth/woocommerce", url.Values{"_csrf": {apptest.Hidden(form, "_csrf")}, "store_url": {storeURL}})
	loc, err := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || err != nil || loc.Path != woocommerce.AuthorizePath {
		t.Fatalf("connect start: %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), page)
	}
	return loc, loc.Query().Get("user_id")
}

// follow makes a browser that stays at redirects walk one hop.
func follow(t *testing.T, b *apptest.Browser, res *http.Response) *http.Response {
	t.Helper()
	next, err := res.Location()
	apptest.Must(t, err)
	r, _ := b.Get(next.String())
	return r
}

func TestFinding1WooCommerceConnectTakeover(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h, fake := startWooCommerce(t, d)
		conn, merchant := connectWooCommerce(t, h, fake)
		ctx := context.Background()
		keys := func() string {
			t.Helper()
			tok, err := h.App.Accounts.AccessToken(ctx, conn.ID)
			apptest.Must(t, err)
			return tok
		}
		if keys() != wooKey+":"+wooSecret {
			t.Fatalf("the connect stored %q", keys())
		}
		sessions := func() int64 { return h.Count("admin_sessions", "revoked_at IS NULL") }
		signedIn := sessions()

		// The attacker starts a connect for the merchant's store in their
		// own browser and reads the state off the approval URL.
		attacker := h.NewBrowser().Stay()
		_, state := startConnect(t, attacker, fake.URL)

		// Forged keys for a live state: refused, and the state stays
		// unanswered, so the attacker's return opens nothing.
		if code := postGrant(t, h, keyGrant(state, "ck_attacker", "cs_attacker")); code != http.StatusUnauthorized {
			t.Errorf("forged keys answered %d, want 401", code)
		}
		if res, _ := attacker.Get("/auth/woocommerce/return?success=1&user_id=" + state); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("return after forged keys: %d, want 401", res.StatusCode)
		}

		// Another key that works on the store (a second admin approved
		// it): proof of an admin, yet the connected store keeps its keys.
		fake.GrantKey("ck_second_0123456789abcdef0123456789abcdef012", "cs_second_0123456789abcdef0123456789abcdef012")
		if code := postGrant(t, h, keyGrant(state, "ck_second_0123456789abcdef0123456789abcdef012", "cs_second_0123456789abcdef0123456789abcdef012")); code != http.StatusOK {
			t.Errorf("a working key for a connected store answered %d, want 200", code)
		}
		if keys() != wooKey+":"+wooSecret {
			t.Fatalf("a callback replaced the keys of a connected store: now %q", keys())
		}

		// A raced state: the merchant starts a connect in a new browser;
		// the attacker answers its state first with forged keys (refused),
		// then the store's own callback goes through.
		second := h.NewBrowser().Stay()
		approval, raced := startConnect(t, second, fake.URL)
		if code := postGrant(t, h, keyGrant(raced, "ck_attacker", "cs_attacker")); code != http.StatusUnauthorized {
			t.Errorf("forged keys on a raced state answered %d, want 401", code)
		}
		back, _ := second.Get(approval.String()) // the store posts its keys and sends the browser back
		if fake.CallbackStatus() != http.StatusOK || back.StatusCode != http.StatusFound {
			t.Fatalf("the store's own callback after the race: %d; approval answered %d", fake.CallbackStatus(), back.StatusCode)
		}
		// A stolen state: the attacker uses the return link first.
		returnURL, _ := back.Location()
		if res, _ := attacker.Get(returnURL.String()); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("a stolen return link answered %d, want 401", res.StatusCode)
		}
		if res := follow(t, second, back); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/app" {
			t.Fatalf("the merchant's own return after the theft: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		if res, _ := second.Get("/app"); res.StatusCode != 200 {
			t.Errorf("the merchant's admin after connecting: %d", res.StatusCode)
		}
		if attacker.Cookie("/app", "consign_admin") != "" {
			t.Error("the attacker holds an admin session")
		}
		if n := sessions(); n != signedIn+1 {
			t.Errorf("admin sessions: %d, want %d (the merchant's second browser only)", n, signedIn+1)
		}
		if keys() != wooKey+":"+wooSecret {
			t.Fatalf("keys changed: %q", keys())
		}

		// A reconnect is a signed-in action, with the session's CSRF token.
		_, settings := merchant.Get("/app/settings")
		csrf := apptest.Meta(settings, "csrf-token")
		if csrf == "" || !strings.Contains(settings, `data-testid="reconnect"`) {
			t.Fatalf("settings page has no reconnect (csrf %q)", csrf)
		}
		if res, _ := merchant.Do(http.MethodPost, "/app/store/reconnect", nil, nil); res.StatusCode != http.StatusForbidden {
			t.Errorf("reconnect without the CSRF token: %d, want 403", res.StatusCode)
		}
		res, _ := merchant.Do(http.MethodPost, "/app/store/reconnect", nil, http.Header{"X-Csrf-Token": {csrf}})
		if res.StatusCode != 200 || res.Request.URL.Path != "/app" {
			t.Fatalf("reconnect ended at %s with %d", res.Request.URL, res.StatusCode)
		}
		if keys() != "ck_second_0123456789abcdef0123456789abcdef012:cs_second_0123456789abcdef0123456789abcdef012" {
			t.Errorf("after a signed-in reconnect the keys are %q, want the new grant", keys())
		}
	})
}

func TestFinding2MultipartBodiesLeaveNoTemporaryFiles(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		sup, _ := h.AddSupplier("Spool Supplies", 10, "sku,title,cost\nSP-1,Spool,1.00\n")
		spool := t.TempDir()
		t.Setenv("TMPDIR", spool) // where mime/multipart would spool file parts
		token := sessionToken(t, apptest.Shop, apptest.Secret)
		const size = 40 << 20
		targets := []struct {
			path   string
			header http.Header
		}{
			{"/portal/sign-in", nil},
			{"/app/settings", http.Header{"Authorization": {"Bearer " + token}}},
			{"/app/suppliers", http.Header{"Authorization": {"Bearer " + token}}},
		}
		refused := 0
		for i := range 1000 {
			tg := targets[i%len(targets)]
			// Half declare their length, half are chunked and must be read.
			code, err := postMultipart(h.URL+tg.path, tg.header, size, i%2 == 0)
			if err == nil && code == http.StatusRequestEntityTooLarge {
				refused++
			}
		}
		// The upload route takes large files, streamed.
		for range 3 {
			if code, err := postMultipart(fmt.Sprintf("%s/app/suppliers/%d/catalog", h.URL, sup),
				http.Header{"Authorization": {"Bearer " + token}}, size, true); err != nil || code >= 500 {
				t.Errorf("a 40 MiB catalog upload: %d %v", code, err)
			}
		}
		if left := filesIn(t, spool); len(left) != 0 {
			t.Fatalf("%d temporary file(s) left in the spool directory: %v", len(left), left[:min(5, len(left))])
		}
		if refused < 900 {
			t.Errorf("only %d of 1000 oversized forms were answered 413", refused)
		}
	})
}

func TestFinding3StoreURLsCannotReachPrivateAddresses(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		fake := fakewoocommerce.New(wooKey, wooSecret)
		t.Cleanup(fake.Close)
		h := apptest.Start(t, d, apptest.Options{Env: map[string]string{"CONSIGN_ALLOW_PRIVATE_URLS": "0"}})
		b := h.NewBrowser().Stay()
		// Literal loopback, private and metadata addresses: refused on the
		// form, before the merchant is sent anywhere.
		for _, u := range []string{fake.URL, "https://169.254.169.254", "https://10.1.2.3", "https://[::1]:8443", "https://[::ffff:127.0.0.1]"} {
			_, form := b.Get("/auth/woocommerce")
			res, page := b.PostForm("/auth/woocommerce", url.Values{"_csrf": {apptest.Hidden(form, "_csrf")}, "store_url": {u}})
			if res.StatusCode != http.StatusUnprocessableEntity || res.Header.Get("Location") != "" || !strings.Contains(page, "local or private network") {
				t.Errorf("connect to %s: %d to %q", u, res.StatusCode, res.Header.Get("Location"))
			}
		}
		// A name that resolves to loopback passes the form (names are
		// checked when dialled), but even with the store's real keys the
		// check of those keys never reaches the address.
		byName := "https://localhost:" + strings.TrimPrefix(fake.URL, "http://127.0.0.1:")
		_, state := startConnect(t, b, byName)
		if code := postGrant(t, h, keyGrant(state, wooKey, wooSecret)); code != http.StatusUnauthorized {
			t.Errorf("keys for a store resolving to loopback answered %d, want 401", code)
		}
		// The command line goes through the same guard.
		if err := consignErr(t, h.DBURL, "connect", "woocommerce", "--url", fake.URL, "--key", wooKey, "--secret", wooSecret); err == nil ||
			!strings.Contains(err.Error(), "not allowed") {
			t.Errorf("CLI connect to a loopback store: %v", err)
		}
		for _, r := range fake.Requests() {
			if strings.HasPrefix(r.Path, "/wp-json/") {
				t.Errorf("Consign reached the loopback store: %s %s", r.Method, r.Path)
			}
		}
		if n := h.Count("connections", "platform = ?", models.PlatformWooCommerce); n != 0 {
			t.Errorf("%d WooCommerce connections stored", n)
		}
	})
}

func TestFinding4ConnectStartsAreBoundedAndRateLimited(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		b := h.NewBrowser().Stay()
		// A link can no longer bounce a browser off-site: the GET shows a
		// form, and only that form (CSRF-checked) sends anyone anywhere.
		res, page := b.Get("/auth/woocommerce?store_url=https://phish.example/login")
		if res.StatusCode != 200 || res.Header.Get("Location") != "" || !strings.Contains(page, "https://phish.example/login") {
			t.Fatalf("GET with a store_url: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		other := h.NewBrowser().Stay()
		if res, _ := other.PostForm("/auth/woocommerce", url.Values{"store_url": {"https://phish.example"}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("a connect start without the form's token: %d, want 403", res.StatusCode)
		}
		// The return goes nowhere but into this app.
		for _, q := range []string{"success=1&user_id=x&return=https://evil.example", "success=0&redirect=https://evil.example"} {
			if res, _ := b.Get("/auth/woocommerce/return?" + q); res.Header.Get("Location") != "" {
				t.Errorf("return %s redirected to %q", q, res.Header.Get("Location"))
			}
		}
		// A store holds a bounded number of states however often it is begun.
		woo := h.App.WooConnect
		for range 20 {
			if _, err := woo.Begin(context.Background(), "https://bounded.example", 0); err != nil {
				t.Fatal(err)
			}
		}
		if n := h.Count("oauth_states", "shop = ?", "https://bounded.example"); n != 5 {
			t.Errorf("one store holds %d states, want 5", n)
		}
		// And the table as a whole is bounded.
		now := time.Now().UTC()
		rows := make([]models.OAuthState, 0, 10_000)
		for i := range 10_000 {
			rows = append(rows, models.OAuthState{State: fmt.Sprintf("filler-%05d", i), Platform: models.PlatformWooCommerce,
				Shop: fmt.Sprintf("https://filler-%d.example", i), CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)})
		}
		apptest.Must(t, h.App.DB.Gorm.CreateInBatches(rows, 500).Error)
		_, form := b.Get("/auth/woocommerce")
		if res, _ := b.PostForm("/auth/woocommerce", url.Values{"_csrf": {apptest.Hidden(form, "_csrf")}, "store_url": {"https://one-more.example"}}); res.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("a connect start with the state table full: %d, want 503", res.StatusCode)
		}
		apptest.Must(t, h.App.DB.Gorm.Where("state LIKE ?", "filler-%").Delete(&models.OAuthState{}).Error)

		// Connect starts are rate limited per client.
		limited := false
		for i := range 20 {
			_, form := b.Get("/auth/woocommerce")
			res, _ := b.PostForm("/auth/woocommerce", url.Values{"_csrf": {apptest.Hidden(form, "_csrf")},
				"store_url": {fmt.Sprintf("https://shop-%d.example", i)}})
			if res.StatusCode == http.StatusTooManyRequests {
				limited = res.Header.Get("Retry-After") != ""
				break
			}
		}
		if !limited {
			t.Error("20 connect starts in a row were never answered 429 with Retry-After")
		}
	})
}

func TestFinding5MetricSeriesStayBounded(t *testing.T) {
	h := apptest.Start(t, database.SQLite, apptest.Options{NoWorkers: true})
	series := func() (int, []string) {
		fams := scrape(t, h)
		f := fams["consign_http_request_duration_seconds"]
		var labels []string
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetValue())
			}
		}
		return len(f.GetMetric()), labels
	}
	send := func(method, path string) {
		req, err := http.NewRequest(method, h.URL+path, nil)
		apptest.Must(t, err)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
	}
	for i := range 20 { // warm up: every kind of answer once
		send("GET", fmt.Sprintf("/warm-%d", i))
		send("BREW", "/app")
		send("GET", "/healthz")
	}
	before, _ := series()
	for i := range 1000 {
		send(fmt.Sprintf("M%d", i), fmt.Sprintf("/x-%d", i))
		send("GET", fmt.Sprintf("/app/nope-%d/deeper", i))
		send("POST", fmt.Sprintf("/portal/zz-%d", i))
		send("PUT", fmt.Sprintf("/webhooks/p-%d", i))
		send("DELETE", fmt.Sprintf("/api/v1/q-%d", i))
	}
	after, labels := series()
	if after-before > 12 {
		t.Errorf("1000 rounds of odd requests made %d new series (from %d to %d)", after-before, before, after)
	}
	for _, l := range labels {
		if strings.Contains(l, "x-") || strings.Contains(l, "nope-") || strings.Contains(l, "zz-") || strings.HasPrefix(l, "M") {
			t.Errorf("a label carries request text: %q", l)
		}
	}
}

func TestFinding6LinksComeFromAppURL(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		sup, _ := h.AddSupplier("Linked Goods", 10, "")
		token := sessionToken(t, apptest.Shop, apptest.Secret)
		req, err := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/app/suppliers/%d/invite", h.URL, sup), nil)
		apptest.Must(t, err)
		req.Host = "attacker.example"
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("X-Forwarded-Proto", "https")
		req.Header.Set("X-Forwarded-Host", "attacker.example")
		req.Header.Set("Accept", "text/html")
		res, err := noRedirects.Do(req)
		apptest.Must(t, err)
		page := readBody(t, res)
		if strings.Contains(page, "attacker.example") || !strings.Contains(page, h.URL+"/portal/login/") {
			t.Errorf("invite page (%d) builds its link from the request's headers:\n%.2000s", res.StatusCode, page)
		}
	})
}

func TestFinding7RateLimits(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		_, key := h.AddSupplier("Limited Co", 10, "")

		// Sign-in mails: per address, then per client.
		b := h.NewBrowser()
		signIn := func(email string) *http.Response {
			_, form := b.Get("/portal/sign-in")
			res, _ := b.PostForm("/portal/sign-in", url.Values{"_csrf": {apptest.Hidden(form, "_csrf")}, "email": {email}})
			return res
		}
		codes := []int{}
		for range 4 {
			codes = append(codes, signIn("victim@example.com").StatusCode)
		}
		if codes[0] != 200 || codes[3] != http.StatusTooManyRequests {
			t.Errorf("sign-in requests for one address answered %v; want 200 first and 429 by the fourth", codes)
		}
		limited := false
		for i := range 12 {
			if res := signIn(fmt.Sprintf("someone-%d@example.com", i)); res.StatusCode == http.StatusTooManyRequests && res.Header.Get("Retry-After") != "" {
				limited = true
				break
			}
		}
		if !limited {
			t.Error("a client asking for sign-in links for many addresses was never limited")
		}

		// API keys: guessing is cut off per client, and then even a good key
		// from that client waits.
		api := func(k string) *http.Response {
			req, _ := http.NewRequest(http.MethodGet, h.URL+"/api/v1/purchase-orders", nil)
			req.Header.Set("Authorization", "Bearer "+k)
			res, err := http.DefaultClient.Do(req)
			apptest.Must(t, err)
			res.Body.Close()
			return res
		}
		if res := api(key); res.StatusCode != 200 {
			t.Fatalf("a good key: %d", res.StatusCode)
		}
		var last *http.Response
		for i := range 15 {
			last = api(fmt.Sprintf("csk_guess_%d", i))
		}
		if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
			t.Errorf("after 15 bad keys: %d (Retry-After %q), want 429", last.StatusCode, last.Header.Get("Retry-After"))
		}
		if res := api(key); res.StatusCode != http.StatusTooManyRequests {
			t.Errorf("a good key from a client that guessed: %d, want 429", res.StatusCode)
		}
	})
}

func TestFinding9SecurityHeaders(t *testing.T) {
	for _, tc := range []struct {
		appURL string
		hsts   bool
	}{{"", false}, {"https://consign.example", true}} {
		env := map[string]string{}
		if tc.appURL != "" {
			env["APP_URL"] = tc.appURL
		}
		h := apptest.Start(t, database.SQLite, apptest.Options{NoWorkers: true, Env: env})
		token := sessionToken(t, apptest.Shop, apptest.Secret)
		for _, path := range []string{"/app?shop=" + apptest.Shop + "&id_token=" + url.QueryEscape(token), "/portal/sign-in", "/"} {
			res, _ := get(t, h.URL+path)
			hd := res.Header
			if hd.Get("X-Content-Type-Options") != "nosniff" || hd.Get("Referrer-Policy") == "" {
				t.Errorf("%s: nosniff %q, Referrer-Policy %q", path, hd.Get("X-Content-Type-Options"), hd.Get("Referrer-Policy"))
			}
			if (hd.Get("Strict-Transport-Security") != "") != tc.hsts {
				t.Errorf("%s with APP_URL %q: HSTS %q", path, tc.appURL, hd.Get("Strict-Transport-Security"))
			}
			csp := hd.Get("Content-Security-Policy")
			if path != "/" && (!strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors")) {
				t.Errorf("%s: CSP %q lacks script-src or frame-ancestors", path, csp)
			}
		}
	}
}

func TestFinding10AdminSessionsAreRevocableCookies(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h, fake := startWooCommerce(t, d)
		b := h.NewBrowser().Stay()
		approval, _ := startConnect(t, b, fake.URL)
		back, _ := b.Get(approval.String())
		landed := follow(t, b, back)
		var ck *http.Cookie
		for _, c := range landed.Cookies() {
			if c.Name == "consign_admin" {
				ck = c
			}
		}
		if ck == nil || !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/app" ||
			landed.Header.Get("Location") != "/app" {
			t.Fatalf("admin session cookie %+v, landing at %q", ck, landed.Header.Get("Location"))
		}
		// The database holds only the token's hash.
		if n := h.Count("admin_sessions", "token_hash = ?", ck.Value); n != 0 {
			t.Error("the session token is stored as it is")
		}
		res, page := b.Get("/app/settings")
		csrf := apptest.Meta(page, "csrf-token")
		if res.StatusCode != 200 || csrf == "" {
			t.Fatalf("settings: %d, csrf %q", res.StatusCode, csrf)
		}
		form := url.Values{"trigger": {"paid"}, "late_accept_hours": {"24"}, "late_ship_days": {"3"}}.Encode()
		formHeader := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
		if res, _ := b.Do(http.MethodPost, "/app/settings", strings.NewReader(form), formHeader); res.StatusCode != http.StatusForbidden {
			t.Errorf("a POST without the CSRF token: %d, want 403", res.StatusCode)
		}
		withCSRF := formHeader.Clone()
		withCSRF.Set("X-CSRF-Token", csrf)
		if res, _ := b.Do(http.MethodPost, "/app/settings", strings.NewReader(form), withCSRF); res.StatusCode != 200 {
			t.Errorf("a POST with the CSRF token: %d, want 200", res.StatusCode)
		}

		// Idle sessions end.
		apptest.Must(t, h.App.DB.Gorm.Exec("UPDATE admin_sessions SET last_seen_at = ?", time.Now().UTC().Add(-31*time.Minute)).Error)
		if res, _ := b.Get("/app"); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("an idle session: %d, want 401", res.StatusCode)
		}

		// Sign-out revokes: the cookie's token no longer opens anything.
		again := h.NewBrowser()
		_, _ = beginWooConnect(t, again, fake.URL)
		token := again.Cookie("/app", "consign_admin")
		_, page = again.Get("/app")
		if res, _ := again.Do(http.MethodPost, "/app/sign-out", nil, http.Header{"X-CSRF-Token": {apptest.Meta(page, "csrf-token")}}); res.StatusCode != 200 {
			t.Fatalf("sign-out: %d", res.StatusCode)
		}
		if again.Cookie("/app", "consign_admin") != "" {
			t.Error("sign-out left the cookie")
		}
		req, _ := http.NewRequest(http.MethodGet, h.URL+"/app", nil)
		req.AddCookie(&http.Cookie{Name: "consign_admin", Value: token})
		res, err := http.DefaultClient.Do(req)
		apptest.Must(t, err)
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("a signed-out session's token: %d, want 401", res.StatusCode)
		}
	})
}

func TestFinding11ProtocolEdges(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		// shop/redact for a shop that is still installed: refused, kept
		// with its reason, nothing erased.
		deliver(t, h, apptest.Shop, "shop/redact", "early-redact", privacyFixture(t, "shop-redact.json", apptest.Shop))
		ev := eventState(t, h, "early-redact")
		if ev.State != models.EventFailed || !strings.Contains(ev.Error, "still installed") {
			t.Errorf("shop/redact while installed: %s %q", ev.State, ev.Error)
		}
		if n := h.Count("connections", "shop = ?", apptest.Shop); n != 1 {
			t.Fatal("the installed shop was erased")
		}

		// A session token whose issuer is another shop than its dest.
		claims := shopify.NewSessionClaims(apptest.Shop, apptest.APIKey, "42", time.Now(), time.Minute)
		claims.Iss = "https://other-shop.myshopify.com/admin"
		forged, err := shopify.SignSessionToken(claims, []byte(apptest.Secret))
		apptest.Must(t, err)
		if res, _ := openAdmin(t, h, apptest.Shop, forged); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("a session token with a foreign iss: %d, want 401", res.StatusCode)
		}

		// Refused deliveries all read the same, connected store or not.
		bodies := map[string]bool{}
		for _, hd := range []http.Header{
			{"X-Wc-Webhook-Source": {"https://unknown-store.example/"}, "X-Wc-Webhook-Signature": {"AAAA"}},
			{"X-Wc-Webhook-Signature": {"AAAA"}},
		} {
			code, body := post(t, h, "/webhooks/woocommerce", []byte(`{"id":1}`), hd)
			if code != http.StatusUnauthorized {
				t.Errorf("refused WooCommerce delivery: %d", code)
			}
			bodies[body] = true
		}
		code, body := post(t, h, "/webhooks/shopify", []byte(`{"id":1}`), http.Header{"X-Shopify-Topic": {"orders/create"},
			"X-Shopify-Shop-Domain": {apptest.Shop}, "X-Shopify-Hmac-Sha256": {"AAAA"}})
		if code != http.StatusUnauthorized {
			t.Errorf("refused Shopify delivery: %d", code)
		}
		bodies[body] = true
		if len(bodies) != 1 {
			t.Errorf("refused deliveries answer differently: %v", bodies)
		}
	})
}

// postMultipart sends a multipart form whose one file part holds size
// bytes, generated as it is sent. declared sends Content-Length; otherwise
// the body is chunked and the server must read it to learn its size.
func postMultipart(target string, header http.Header, size int64, declared bool) (int, error) {
	const boundary = "consign-test-boundary"
	head := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n" +
		"Content-Type: text/csv\r\n\r\n"
	tail := "\r\n--" + boundary + "--\r\n"
	body := io.MultiReader(strings.NewReader(head), io.LimitReader(zeros{}, size), strings.NewReader(tail))
	req, err := http.NewRequest(http.MethodPost, target, body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
	req.Header.Set("Accept", "text/html")
	for k, v := range header {
		req.Header[k] = v
	}
	if declared {
		req.ContentLength = int64(len(head)) + size + int64(len(tail))
	}
	client := &http.Client{Timeout: time.Minute}
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

// zeros reads as an endless run of 'a'.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

func filesIn(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	apptest.Must(t, filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			out = append(out, path)
		}
		return err
	}))
	return out
}

func readBody(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	apptest.Must(t, err)
	return string(b)
}
