package app_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/app/platforms/shopify/fakeshopify"
	"github.com/consign/consign/models"
)

// noRedirects is an HTTP client that shows redirects instead of following them.
var noRedirects = &http.Client{Timeout: 30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func get(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	resp, err := noRedirects.Get(u)
	apptest.Must(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func sessionToken(t *testing.T, shop, secret string) string {
	t.Helper()
	tok, err := shopify.SignSessionToken(shopify.NewSessionClaims(shop, apptest.APIKey, "42", time.Now(), time.Minute), []byte(secret))
	apptest.Must(t, err)
	return tok
}

// openAdmin loads the embedded admin as Shopify does on first load.
func openAdmin(t *testing.T, h *apptest.Harness, shop, token string) (*http.Response, string) {
	t.Helper()
	return get(t, h.URL+"/app?shop="+url.QueryEscape(shop)+"&id_token="+url.QueryEscape(token))
}

func connectionOf(t *testing.T, h *apptest.Harness, shop string) models.Connection {
	t.Helper()
	var c models.Connection
	apptest.Must(t, h.App.DB.Gorm.Where("shop = ?", shop).Take(&c).Error)
	return c
}

// assertSealed checks a stored token is ciphertext, not the token itself.
func assertSealed(t *testing.T, stored, plain string) {
	t.Helper()
	if stored == "" || stored == plain || strings.Contains(stored, plain) || !strings.HasPrefix(stored, "cs1:") {
		t.Fatalf("stored token %q is not sealed (token %q)", stored, plain)
	}
}

func TestEmbeddedInstallByTokenExchange(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{NoWorkers: true})
		ctx := context.Background()
		const shop = "new-store.myshopify.com"

		// A forged session token is refused and exchanges nothing.
		resp, _ := openAdmin(t, h, shop, sessionToken(t, shop, "not-the-secret"))
		if resp.StatusCode != http.StatusUnauthorized || h.Fake.GrantRequests(fakeshopify.GrantTokenExchange) != 0 {
			t.Fatalf("forged session token: status %d, %d exchanges", resp.StatusCode, h.Fake.GrantRequests(fakeshopify.GrantTokenExchange))
		}
		if n := h.Count("connections", "shop = ?", shop); n != 0 {
			t.Fatalf("forged session token stored %d connections", n)
		}

		// A valid one from a shop Consign has never seen installs it.
		resp, body := openAdmin(t, h, shop, sessionToken(t, shop, apptest.Secret))
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Dashboard") {
			t.Fatalf("first open: status %d, body %.300s", resp.StatusCode, body)
		}
		if n := h.Fake.GrantRequests(fakeshopify.GrantTokenExchange); n != 1 {
			t.Fatalf("token exchanges = %d, want 1", n)
		}
		conn := connectionOf(t, h, shop)
		assertSealed(t, conn.AccessToken, h.Fake.Token(shop))
		assertSealed(t, conn.RefreshToken, h.Fake.RefreshToken(shop))
		if conn.AccessTokenExpiresAt == nil || conn.RefreshTokenExpiresAt == nil || conn.UninstalledAt != nil {
			t.Fatalf("connection after install = %+v", conn)
		}
		var acct models.Account
		apptest.Must(t, h.App.DB.Gorm.Take(&acct, conn.AccountID).Error)
		if !acct.IsRetailer {
			t.Fatalf("installed account %+v is not a retailer", acct)
		}
		got, err := h.App.Accounts.AccessToken(ctx, conn.ID)
		if err != nil || got != h.Fake.Token(shop) {
			t.Fatalf("AccessToken = %q, %v; the fake issued %q", got, err, h.Fake.Token(shop))
		}

		// Opening it again exchanges nothing more.
		if resp, _ := openAdmin(t, h, shop, sessionToken(t, shop, apptest.Secret)); resp.StatusCode != http.StatusOK {
			t.Fatalf("second open: status %d", resp.StatusCode)
		}
		if n := h.Fake.GrantRequests(fakeshopify.GrantTokenExchange); n != 1 {
			t.Fatalf("token exchanges after a second open = %d, want 1", n)
		}

		// Uninstalled (app/uninstalled marks it), then opened again: the same
		// connection is reactivated with new tokens.
		old := conn.AccessToken
		apptest.Must(t, h.App.DB.Gorm.Model(&models.Connection{}).Where("id = ?", conn.ID).
			Update("uninstalled_at", time.Now().UTC()).Error)
		if resp, _ := openAdmin(t, h, shop, sessionToken(t, shop, apptest.Secret)); resp.StatusCode != http.StatusOK {
			t.Fatalf("open after uninstall: status %d", resp.StatusCode)
		}
		re := connectionOf(t, h, shop)
		if re.ID != conn.ID || re.UninstalledAt != nil || re.AccessToken == old || h.Fake.GrantRequests(fakeshopify.GrantTokenExchange) != 2 {
			t.Fatalf("reinstall: connection %+v (was %d), %d exchanges", re, conn.ID, h.Fake.GrantRequests(fakeshopify.GrantTokenExchange))
		}
	})
}

func TestTokensAreEncryptedAtRest(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{NoWorkers: true})
		ctx := context.Background()
		var stored string
		apptest.Must(t, h.App.DB.SQL.QueryRowContext(ctx, "SELECT access_token FROM connections WHERE shop = '"+apptest.Shop+"'").Scan(&stored))
		assertSealed(t, stored, apptest.Token)
		conn := connectionOf(t, h, apptest.Shop)
		if got, err := h.App.Accounts.AccessToken(ctx, conn.ID); err != nil || got != apptest.Token {
			t.Fatalf("AccessToken = %q, %v", got, err)
		}

		// A token stored before encryption still reads, and the next write seals it.
		apptest.Must(t, h.App.DB.Gorm.Model(&models.Connection{}).Where("id = ?", conn.ID).Update("access_token", "shpat_legacy").Error)
		if got, err := h.App.Accounts.AccessToken(ctx, conn.ID); err != nil || got != "shpat_legacy" {
			t.Fatalf("legacy AccessToken = %q, %v", got, err)
		}
		_, err := h.App.Accounts.Connect(ctx, "shopify", apptest.Shop, "shpat_legacy")
		apptest.Must(t, err)
		assertSealed(t, connectionOf(t, h, apptest.Shop).AccessToken, "shpat_legacy")
	})
}

func TestRefreshRaceRefreshesOnce(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{NoWorkers: true})
		ctx := context.Background()
		const shop = "racing-store.myshopify.com"
		if resp, _ := openAdmin(t, h, shop, sessionToken(t, shop, apptest.Secret)); resp.StatusCode != http.StatusOK {
			t.Fatalf("install: status %d", resp.StatusCode)
		}
		conn := connectionOf(t, h, shop)
		first := h.Fake.Token(shop)

		// Two minutes left: inside the refresh window.
		apptest.Must(t, h.App.DB.Gorm.Model(&models.Connection{}).Where("id = ?", conn.ID).
			Update("access_token_expires_at", time.Now().UTC().Add(2*time.Minute)).Error)
		const workers = 4
		tokens := make([]string, workers)
		errs := make([]error, workers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				tokens[i], errs[i] = h.App.Accounts.AccessToken(ctx, conn.ID)
			}()
		}
		close(start)
		wg.Wait()
		if n := h.Fake.GrantRequests(fakeshopify.GrantRefreshToken); n != 1 {
			t.Fatalf("refresh requests = %d, want exactly 1", n)
		}
		fresh := h.Fake.Token(shop)
		if fresh == first {
			t.Fatal("the fake did not issue a new token")
		}
		for i := range workers {
			if errs[i] != nil || tokens[i] != fresh {
				t.Fatalf("worker %d got %q, %v; want the new token %q", i, tokens[i], errs[i], fresh)
			}
		}
		after := connectionOf(t, h, shop)
		assertSealed(t, after.RefreshToken, h.Fake.RefreshToken(shop))
		if after.AccessTokenExpiresAt == nil || time.Until(*after.AccessTokenExpiresAt) < 30*time.Minute {
			t.Fatalf("stored expiry after refresh = %v", after.AccessTokenExpiresAt)
		}
		// The rotated refresh token is the one stored: a second refresh works.
		apptest.Must(t, h.App.DB.Gorm.Model(&models.Connection{}).Where("id = ?", conn.ID).
			Update("access_token_expires_at", time.Now().UTC().Add(time.Minute)).Error)
		if got, err := h.App.Accounts.AccessToken(ctx, conn.ID); err != nil || got != h.Fake.Token(shop) || got == fresh {
			t.Fatalf("second refresh: %q, %v", got, err)
		}
	})
}

// callback builds the query Shopify redirects to after the merchant approves.
func callback(shop, state, code string, at time.Time, secret string) string {
	q := url.Values{"shop": {shop}, "state": {state}, "code": {code}, "timestamp": {strconv.FormatInt(at.Unix(), 10)},
		"host": {"YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvY29kZS1zdG9yZQ=="}}
	return shopify.SignOAuthQuery(q, []byte(secret))
}

func TestOAuthCodeInstall(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{NoWorkers: true})
		const shop = "code-store.myshopify.com"

		for _, bad := range []string{"evil.com", "code-store.myshopify.com.evil.com", "-x.myshopify.com", ""} {
			if resp, _ := get(t, h.URL+"/auth/shopify?shop="+url.QueryEscape(bad)); resp.StatusCode != http.StatusBadRequest {
				t.Errorf("begin with shop %q: status %d, want 400", bad, resp.StatusCode)
			}
		}
		// The merchant's browser begins, and must be the one that finishes.
		merchant := h.NewBrowser().Stay()
		resp, _ := merchant.Get("/auth/shopify?shop=" + shop)
		loc, err := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || err != nil || loc.Host != shop || loc.Path != "/admin/oauth/authorize" {
			t.Fatalf("begin: status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		q := loc.Query()
		state := q.Get("state")
		if q.Get("client_id") != apptest.APIKey || state == "" || !strings.HasSuffix(q.Get("redirect_uri"), "/auth/shopify/callback") ||
			!strings.Contains(q.Get("scope"), "write_merchant_managed_fulfillment_orders") {
			t.Fatalf("authorize URL %s", loc)
		}
		code := h.Fake.IssueCode(shop)
		now := time.Now()
		refused := map[string]struct {
			query  string
			status int
		}{
			"forged hmac":      {callback(shop, state, code, now, "wrong-secret"), http.StatusUnauthorized},
			"stale timestamp":  {callback(shop, state, code, now.Add(-2*time.Minute), apptest.Secret), http.StatusUnauthorized},
			"future timestamp": {callback(shop, state, code, now.Add(2*time.Minute), apptest.Secret), http.StatusUnauthorized},
			"unknown state":    {callback(shop, "not-a-state", code, now, apptest.Secret), http.StatusUnauthorized},
			"bad shop":         {callback("evil.com", state, code, now, apptest.Secret), http.StatusBadRequest},
			"other shop":       {callback("other-store.myshopify.com", state, code, now, apptest.Secret), http.StatusUnauthorized},
			"no hmac":          {withoutHMAC(callback(shop, state, code, now, apptest.Secret)), http.StatusUnauthorized},
			"tampered value":   {strings.Replace(callback(shop, state, code, now, apptest.Secret), "code=", "code=x", 1), http.StatusUnauthorized},
		}
		for name, c := range refused {
			if resp, _ := merchant.Get("/auth/shopify/callback?" + c.query); resp.StatusCode != c.status {
				t.Errorf("%s: status %d, want %d", name, resp.StatusCode, c.status)
			}
		}
		// A valid callback in a browser that did not begin the install
		// (its state stolen, or a link handed to a victim) is refused.
		good := callback(shop, state, code, now, apptest.Secret)
		if resp, _ := get(t, h.URL+"/auth/shopify/callback?"+good); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("a valid callback in another browser: status %d, want 401", resp.StatusCode)
		}
		if n := h.Count("connections", "shop = ?", shop); n != 0 || h.Fake.GrantRequests(fakeshopify.GrantAuthorizationCode) != 0 {
			t.Fatalf("refused callbacks stored %d connections, exchanged %d codes", n, h.Fake.GrantRequests(fakeshopify.GrantAuthorizationCode))
		}

		resp, body := merchant.Get("/auth/shopify/callback?" + good)
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://"+shop+"/admin/apps/"+apptest.APIKey {
			t.Fatalf("callback: status %d, Location %q, body %.200s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		conn := connectionOf(t, h, shop)
		assertSealed(t, conn.AccessToken, h.Fake.Token(shop))
		if conn.AccessTokenExpiresAt == nil {
			t.Fatal("code install stored a token without its expiry")
		}

		// Replayed: the state is spent.
		if resp, _ := merchant.Get("/auth/shopify/callback?" + good); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("replayed callback: status %d, want 401", resp.StatusCode)
		}
		if n := h.Fake.GrantRequests(fakeshopify.GrantAuthorizationCode); n != 1 {
			t.Fatalf("code exchanges = %d, want 1", n)
		}
	})
}

func withoutHMAC(query string) string {
	q, _ := url.ParseQuery(query)
	q.Del("hmac")
	return q.Encode()
}
