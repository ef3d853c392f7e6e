package handlers_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/app/samples"
	"github.com/consign/consign/models"
)

// screenshot saves the whole page as a test artifact and, for the SQLite
// run under CONSIGN_UPDATE_SCREENSHOTS=1 (make screenshots), as the README's
// picture: tests write no tracked file unless asked.
func screenshot(t *testing.T, ctx context.Context, d database.Dialect, name, readme string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100 makes a PNG; less, a JPEG
	apptest.Must(t, err)
	path := filepath.Join(artifactDir(t), fmt.Sprintf("%s-%s.png", name, d))
	apptest.Must(t, os.WriteFile(path, png, 0o644))
	t.Logf("screenshot: %s", path)
	if readme != "" && d == database.SQLite && os.Getenv("CONSIGN_UPDATE_SCREENSHOTS") == "1" {
		_, file, _, _ := runtime.Caller(0)
		dst := filepath.Join(filepath.Dir(file), "..", "docs", "screenshots", readme)
		apptest.Must(t, os.MkdirAll(filepath.Dir(dst), 0o755))
		apptest.Must(t, os.WriteFile(dst, png, 0o644))
	}
}

func css(id string) chromedp.CSS { return chromedp.CSS(testid(id)) }

func browserTextOf(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(css(id)))
	if err != nil {
		t.Fatalf("read %s: %v", id, err)
	}
	return strings.TrimSpace(s)
}

// firstLoad is the URL Shopify would frame: the app URL with a session
// token (long enough for a slow machine; App Bridge would renew it).
func firstLoad(t *testing.T, base, path string) string {
	tok, err := shopify.SignSessionToken(shopify.NewSessionClaims(apptest.Shop, adminAPIKey, "1", time.Now(), 10*time.Minute), []byte(apptest.Secret))
	apptest.Must(t, err)
	return base + path + "?" + url.Values{"id_token": {tok}, "shop": {apptest.Shop}}.Encode()
}

// (b) A retailer with a valid session token sees an order with its PO,
// maps the unmatched line from the needs-attention page, and sees the new
// PO. Every click after the first load is an htmx request that carries the
// token in its header.
func TestAdminInBrowser(t *testing.T) {
	chromium(t)
	forEachDialect(t, func(t *testing.T, d database.Dialect) {
		w := newAdminWorld(t, d, apptest.Options{})
		w.h.AddSupplier("Northwind Outfitters", 10, samples.CatalogCSV(0))
		copper, _ := w.h.AddSupplier("Copperline Supply", 20, "sku,title,cost,inventory\nCL-Knife-FX ,Fixed Blade Knife,41.00,12\n")
		p := samples.Products
		w.h.Webhook("orders/create", "browser-1", samples.ShopifyOrder(samples.Order{ID: 7300, Number: 1301,
			Lines: []samples.OrderLine{{Product: p[0], Quantity: 1}, {Product: p[6], Quantity: 1}}}))
		w.h.Eventually("a sent PO", func() bool { return w.h.Count("purchase_orders", "state = ?", models.POSent) == 1 })
		w.h.Idle()

		ctx := newChrome(t)
		apptest.Must(t, chromedp.Do(ctx,
			chromedp.Navigate(firstLoad(t, w.h.URL, "/app")),
			chromedp.WaitVisible(css("needs-attention")),
			chromedp.Click(css("nav-orders")),
			chromedp.WaitVisible(css("order-link")),
			chromedp.Click(css("order-link")),
			chromedp.WaitVisible(css("po-number")),
		))
		if got := browserTextOf(t, ctx, "order-name"); got != "Order #1301" {
			t.Fatalf("order page title %q", got)
		}
		if n := countNodes(t, ctx, "po"); n != 1 {
			t.Fatalf("%d POs before mapping", n)
		}
		loc, err := chromedp.Run(ctx, chromedp.Location())
		apptest.Must(t, err)
		if !strings.Contains(loc, "/app/orders/") || strings.Contains(loc, "id_token") {
			t.Errorf("the address bar shows %q", loc)
		}

		apptest.Must(t, chromedp.Do(ctx,
			chromedp.Click(css("nav-attention")),
			chromedp.WaitVisible(css("suggestion")),
		))
		if s := browserTextOf(t, ctx, "suggestion"); !strings.Contains(s, "Copperline Supply") || !strings.Contains(s, "same SKU") {
			t.Fatalf("suggestion %q", s)
		}
		apptest.Must(t, chromedp.Do(ctx,
			chromedp.Click(css("map")),
			chromedp.WaitVisible(css("flash")),
		))
		if f := browserTextOf(t, ctx, "flash"); !strings.Contains(f, fmt.Sprintf("Created PO-")) {
			t.Fatalf("flash %q", f)
		}
		if n := countNodes(t, ctx, "po"); n != 2 {
			t.Errorf("%d POs after mapping, want 2", n)
		}
		if n := w.h.Count("purchase_orders", "supplier_id = ?", copper); n != 1 {
			t.Errorf("%d POs for Copperline", n)
		}
		// Let the new PO be delivered so the screenshot shows it sent.
		w.h.Eventually("the new PO sent", func() bool {
			return w.h.Count("purchase_orders", "supplier_id = ? AND state = ?", copper, models.POSent) == 1
		})
		apptest.Must(t, chromedp.Do(ctx, chromedp.Click(css("nav-orders")), chromedp.WaitVisible(css("order-link")),
			chromedp.Click(css("order-link")), chromedp.WaitVisible(css("po-number"))))
		screenshot(t, ctx, d, "admin-order", "admin.png")

		// On a phone the page fits the screen: wide tables scroll in their box.
		apptest.Must(t, chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
			chromedp.Click(css("nav-orders")), chromedp.WaitVisible(css("order-link"))))
		overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
		apptest.Must(t, err)
		if overflow {
			t.Errorf("the orders page is wider than a phone")
		}
		screenshot(t, ctx, d, "admin-orders-phone", "")
	})
}

func countNodes(t *testing.T, ctx context.Context, id string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll('[data-testid="%s"]').length`, id)))
	apptest.Must(t, err)
	return n
}

// (c) A catalog upload with a bad row shows the row's error and imports
// the rest, with a progress bar while the file goes up.
func TestAdminCatalogUploadInBrowser(t *testing.T) {
	chromium(t)
	forEachDialect(t, func(t *testing.T, d database.Dialect) {
		w := newAdminWorld(t, d, apptest.Options{NoWorkers: true})
		sup, _ := w.h.AddSupplier("Blue Harbor Goods", 10, "")
		var csv strings.Builder
		csv.WriteString("sku,gtin,title,cost,inventory\n")
		const good = 3000 // enough bytes for upload progress events
		for i := range good {
			if i == 1500 {
				csv.WriteString("BH-BAD,12345,Bad GTIN,1.00,1\n") // line 1502
			}
			fmt.Fprintf(&csv, "BH-%05d,,Camp item %d with a longer title,%d.50,%d\n", i, i, i%90+1, i%7)
		}
		file := filepath.Join(t.TempDir(), "catalog.csv")
		apptest.Must(t, os.WriteFile(file, []byte(csv.String()), 0o644))

		ctx := newChrome(t)
		apptest.Must(t, chromedp.Do(ctx,
			chromedp.Navigate(firstLoad(t, w.h.URL, fmt.Sprintf("/app/suppliers/%d", sup))),
			chromedp.WaitVisible(css("catalog-upload")),
			// Record the progress bar's values as the upload goes.
			run(`window.__progress = [];
				document.addEventListener("htmx:xhr:progress", e => window.__progress.push(e.detail.loaded)); true`),
			chromedp.SetUploadFiles(css("catalog-file"), []string{file}),
			chromedp.Click(chromedp.CSS(testid("catalog-upload")+` button[type="submit"]`)),
			chromedp.WaitVisible(css("import-summary")),
		))
		summary := strings.Join(strings.Fields(browserTextOf(t, ctx, "import-summary")), " ")
		if !strings.HasPrefix(summary, fmt.Sprintf("%d of %d rows imported", good, good+1)) || !strings.Contains(summary, "1 refused") {
			t.Errorf("summary %q", summary)
		}
		if line := browserTextOf(t, ctx, "import-error-line"); line != "1502" {
			t.Errorf("error on line %q, want 1502", line)
		}
		if n := w.h.Count("catalog_items", "supplier_id = ?", sup); n != good {
			t.Errorf("%d items imported, want %d", n, good)
		}
		progress, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.__progress.length`))
		apptest.Must(t, err)
		if progress == 0 {
			t.Errorf("no upload progress events reached the page")
		}
		apptest.Must(t, chromedp.Do(ctx,
			chromedp.SendKeys(css("catalog-search"), "bh-02999"),
			chromedp.Click(chromedp.CSS(`form[role="search"] button`)),
		))
		_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll('[data-testid="catalog-item"]').length === 1`))
		apptest.Must(t, err)
		if title := browserTextOf(t, ctx, "catalog-title"); title != "Camp item 2999 with a longer title" {
			t.Errorf("search found %q", title)
		}
		screenshot(t, ctx, d, "admin-catalog-upload", "")
	})
}

// run evaluates a script for its effect.
func run(js string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](js)(ctx, t)
		return err
	})
}
