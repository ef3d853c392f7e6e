package handlers_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/platforms/woocommerce/fakewoocommerce"
)

// A WooCommerce merchant connects the store in Chromium (desktop and a
// 375 px phone): the connect form, the store's approval (the fake store
// approves at once and POSTs the keys, which Consign proves on the store)
// and back into the admin under a session cookie that scripts cannot read
// and no URL carries; then signs out, and the session is over.
func TestWooCommerceConnectAndCookieSessionInBrowser(t *testing.T) {
	chromium(t)
	forEachDialect(t, func(t *testing.T, d database.Dialect) {
		for _, width := range []int64{1100, 375} {
			fake := fakewoocommerce.New("ck_browser_0123456789abcdef0123456789abcdef01", "cs_browser_0123456789abcdef0123456789abcdef01")
			t.Cleanup(fake.Close)
			h := apptest.Start(t, d, apptest.Options{})
			ctx := newChrome(t)
			apptest.Must(t, chromedp.Do(ctx,
				chromedp.EmulateViewport(width, 900),
				chromedp.Navigate(h.URL+"/auth/woocommerce"),
				chromedp.WaitVisible(css("connect-form")),
				chromedp.SendKeys(`#store_url`, fake.URL),
				chromedp.Click(css("connect-submit")),
				chromedp.WaitVisible(css("shop")),
			))
			location, err := chromedp.Run(ctx, chromedp.Location())
			apptest.Must(t, err)
			cookies, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.cookie`))
			apptest.Must(t, err)
			if shop := browserTextOf(t, ctx, "shop"); !strings.EqualFold(shop, fake.URL) {
				t.Errorf("width %d: the admin shows store %q, want %q", width, shop, fake.URL)
			}
			if strings.Contains(location, "token") || strings.Contains(location, "user_id") || !strings.HasSuffix(location, "/app") {
				t.Errorf("width %d: the address bar shows %q", width, location)
			}
			if strings.Contains(cookies, "consign_admin") {
				t.Errorf("width %d: scripts can read the session cookie: %q", width, cookies)
			}
			screenshot(t, ctx, d, "woocommerce-connected-"+map[int64]string{1100: "desktop", 375: "phone"}[width], "")
			// A boosted form carries the session's CSRF token; then sign out.
			apptest.Must(t, chromedp.Do(ctx,
				chromedp.Click(css("nav-settings")),
				chromedp.WaitVisible(css("store-connection")),
				chromedp.Click(css("sign-out")),
				chromedp.WaitVisible(css("signed-out")),
				chromedp.Navigate(h.URL+"/app"),
				chromedp.WaitVisible(css("error-message")),
			))
			if msg := browserTextOf(t, ctx, "error-message"); !strings.Contains(msg, "session is missing") {
				t.Errorf("width %d: /app after signing out says %q", width, msg)
			}
			if n := h.Count("admin_sessions", "revoked_at IS NOT NULL"); n != 1 {
				t.Errorf("width %d: %d revoked sessions, want 1", width, n)
			}
		}
	})
}
