package handlers_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/platforms/shopify/fakeshopify"
	"github.com/consign/consign/app/samples"
	"github.com/consign/consign/models"
)

// A supplier with its own Shopify store gets the portal's inbox and PO
// pages in its embedded admin, under the session-token guard, and none of
// the retailer pages; the retailer gets no supplier pages.
func TestAdminSupplierStoreSeesItsPurchaseOrders(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d database.Dialect) {
		w := newAdminWorld(t, d, apptest.Options{})
		sup, _ := w.h.AddSupplier("Northwind Outfitters", 10, samples.CatalogCSV(0))
		other, _ := w.h.AddSupplier("Blue Harbor Goods", 20, samples.CatalogCSV(1))
		const orderID = 7400
		p := samples.Products
		lines := []samples.OrderLine{{Product: p[0], Quantity: 2}, {Product: p[3], Quantity: 1}}
		var fake []fakeshopify.Line
		for i, l := range lines {
			fake = append(fake, fakeshopify.Line{ID: fmt.Sprint(samples.LineID(orderID, i)), Quantity: l.Quantity})
		}
		w.h.Fake.AddOrder(apptest.Shop, fmt.Sprintf("gid://shopify/Order/%d", orderID), fake)
		w.h.Webhook("orders/create", "store-1", samples.ShopifyOrder(samples.Order{ID: orderID, Number: 1401, Lines: lines}))
		w.h.Eventually("two sent POs", func() bool { return w.h.Count("purchase_orders", "state = ?", models.POSent) == 2 })
		w.h.Idle()
		var mine, theirs models.PurchaseOrder
		apptest.Must(t, w.h.App.DB.Gorm.Preload("Lines").Where("supplier_id = ?", sup).Take(&mine).Error)
		apptest.Must(t, w.h.App.DB.Gorm.Where("supplier_id = ?", other).Take(&theirs).Error)

		const store = "northwind-store.myshopify.com"
		now := time.Now().UTC()
		apptest.Must(t, w.h.App.DB.Gorm.Create(&models.Connection{AccountID: sup, Platform: "shopify", Shop: store,
			AccessToken: "x", InstalledAt: now, CreatedAt: now, UpdatedAt: now}).Error)
		as := func(method, path string, form url.Values) (*http.Response, *goquery.Document) {
			t.Helper()
			var body *bytes.Buffer
			ct := ""
			if form != nil {
				body, ct = bytes.NewBufferString(form.Encode()), "application/x-www-form-urlencoded"
			}
			return adminRequest(t, w.h.URL, method, path, body, ct, "Authorization", "Bearer "+sessionToken(t, store))
		}

		res, doc := as(http.MethodGet, "/app", nil)
		if res.StatusCode != http.StatusOK || doc.Find(testid("inbox-row")).Length() != 1 ||
			doc.Find(testid("nav-purchase-orders")).Length() != 1 || doc.Find(testid("nav-orders")).Length() != 0 {
			t.Fatalf("supplier home: %d, %d inbox rows", res.StatusCode, doc.Find(testid("inbox-row")).Length())
		}
		if !cspFrames(res.Header.Get("Content-Security-Policy"), "frame-ancestors https://"+store+" https://admin.shopify.com") {
			t.Errorf("CSP %q", res.Header.Get("Content-Security-Policy"))
		}
		href, _ := doc.Find(testid("po-link")).Attr("href")
		if href != fmt.Sprintf("/app/purchase-orders/%d", mine.ID) {
			t.Errorf("PO link %q", href)
		}
		for _, path := range []string{"/app/orders", "/app/suppliers", "/app/settings", fmt.Sprintf("/app/purchase-orders/%d", theirs.ID)} {
			if res, _ := as(http.MethodGet, path, nil); res.StatusCode != http.StatusNotFound {
				t.Errorf("supplier GET %s: %d", path, res.StatusCode)
			}
		}
		if res, _ := as(http.MethodPost, fmt.Sprintf("/app/purchase-orders/%d/accept", theirs.ID), url.Values{}); res.StatusCode != http.StatusNotFound {
			t.Errorf("accepting another supplier's PO: %d", res.StatusCode)
		}
		if res, _ := w.get("/app/purchase-orders"); res.StatusCode != http.StatusNotFound {
			t.Errorf("the retailer's store sees supplier pages: %d", res.StatusCode)
		}

		res, doc = as(http.MethodPost, href+"/accept", url.Values{})
		if res.StatusCode != http.StatusOK || textOf(doc, "notice") != "Purchase order accepted." || textOf(doc, "po-state") != "Accepted" {
			t.Fatalf("accept: %d %q %q", res.StatusCode, textOf(doc, "notice"), textOf(doc, "po-state"))
		}
		form := url.Values{"carrier": {"UPS"}, "tracking_number": {"1Z999AA10123456784"}}
		form.Set(fmt.Sprintf("qty_%d", mine.Lines[0].ID), "2")
		res, doc = as(http.MethodPost, href+"/shipments", form)
		if res.StatusCode != http.StatusOK || textOf(doc, "po-state") != "Shipped" {
			t.Fatalf("ship: %d %q %q", res.StatusCode, textOf(doc, "po-state"), textOf(doc, "error"))
		}
		w.h.Eventually("the fulfillment in the retailer's store", func() bool { return len(w.h.Fake.Fulfillments(apptest.Shop)) == 1 })
		var ev models.POEvent
		apptest.Must(t, w.h.App.DB.Gorm.Where("purchase_order_id = ? AND to_state = ?", mine.ID, models.POAccepted).Take(&ev).Error)
		if !strings.Contains(ev.Actor, "store admin") {
			t.Errorf("history actor %q", ev.Actor)
		}
	})
}
