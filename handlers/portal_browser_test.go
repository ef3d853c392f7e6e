package handlers_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
)

// A supplier opens an invite link, accepts a PO, adds a shipment with
// tracking, and the retailer's (fake) Shopify store gets the fulfillment.
func TestPortalInBrowser(t *testing.T) {
	chromium(t)
	portalDialects(t, func(t *testing.T, d database.Dialect) {
		w := newPortalWorld(t, d)
		link, err := w.h.App.Portal.Invite(t.Context(), w.supB)
		apptest.Must(t, err)
		ctx := newChrome(t)
		err = chromedp.Do(ctx,
			chromedp.Navigate(link), // absolute: built on APP_URL
			chromedp.WaitVisible(`[data-testid=confirm-sign-in]`),
			chromedp.Click(`[data-testid=confirm-sign-in]`),
			chromedp.WaitVisible(`[data-testid=inbox]`),
			chromedp.Click(`[data-testid=po-link]`),
			chromedp.WaitVisible(`[data-testid=accept-po]`),
			chromedp.Click(`[data-testid=accept-po]`),
			chromedp.WaitVisible(`[data-testid=shipment-form]`),
		)
		apptest.Must(t, err)
		if state := browserText(t, ctx, `[data-testid=po-state]`); state != "Accepted" {
			t.Fatalf("PO state after accepting: %q", state)
		}
		err = chromedp.Do(ctx,
			chromedp.SetValue(`[data-testid=carrier]`, "USPS"),
			chromedp.SendKeys(`[data-testid=tracking-number]`, "9400111899223344556677"),
			chromedp.Click(`[data-testid=add-shipment]`),
			// The shipments list exists only on the page after the POST.
			chromedp.WaitVisible(`[data-testid=shipment]`),
		)
		apptest.Must(t, err)
		state, notice := browserText(t, ctx, `[data-testid=po-state]`), browserText(t, ctx, `[data-testid=notice]`)
		if state != "Shipped" || !strings.Contains(notice, "Shipment added") {
			t.Errorf("after shipping: state %q, notice %q", state, notice)
		}
		href, err := chromedp.Run(ctx, chromedp.AttributeValue(`[data-testid=tracking-link]`, "href"))
		apptest.Must(t, err)
		trackingHref := href.Value
		if trackingHref != "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223344556677" {
			t.Errorf("tracking link %q", trackingHref)
		}
		w.h.Eventually("the fulfillment in the store", func() bool { return len(w.h.Fake.Fulfillments(apptest.Shop)) == 1 })
		f := w.h.Fake.Fulfillments(apptest.Shop)[0]
		if f.Tracking.Number != "9400111899223344556677" || f.Tracking.Company != "USPS" || f.Tracking.URL != trackingHref ||
			len(f.Lines) != 1 || f.Lines[0].Quantity != 2 {
			t.Errorf("fulfillment = %+v", f)
		}

		// The final page, once the push is recorded, as an artifact to look at.
		apptest.Must(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(`[data-testid=shipment-state]`)))
		if got := browserText(t, ctx, `[data-testid=shipment-state]`); got != "Pushed" {
			t.Errorf("shipment state on the page: %q", got)
		}
		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 makes a PNG
		apptest.Must(t, err)
		path := filepath.Join(artifactDir(t), "portal-"+string(d)+".png")
		apptest.Must(t, os.WriteFile(path, shot, 0o644))
		t.Logf("screenshot: %s", path)
		// On a phone the inbox fits the screen: no sideways scrolling.
		apptest.Must(t, chromedp.Do(ctx, chromedp.EmulateViewport(390, 844),
			chromedp.Navigate(w.h.URL+"/portal/purchase-orders"), chromedp.WaitVisible(`[data-testid=inbox]`)))
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		apptest.Must(t, err)
		if wide > 390 {
			t.Errorf("the inbox is %dpx wide on a 390px phone", wide)
		}
		phone, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		apptest.Must(t, err)
		apptest.Must(t, os.WriteFile(filepath.Join(artifactDir(t), "portal-inbox-phone-"+string(d)+".png"), phone, 0o644))
		if os.Getenv("CONSIGN_UPDATE_SCREENSHOTS") == "1" && d == database.SQLite {
			_, file, _, _ := runtime.Caller(0)
			docs := filepath.Join(filepath.Dir(file), "..", "docs", "screenshots")
			apptest.Must(t, os.MkdirAll(docs, 0o755))
			apptest.Must(t, os.WriteFile(filepath.Join(docs, "portal.png"), shot, 0o644))
		}
	})
}

func browserText(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Text(sel))
	apptest.Must(t, err)
	return strings.TrimSpace(v)
}
