package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/models"
)

const privacyCatalog = "sku,title,cost,inventory\nSKU2006-001,Aviator,40.00,100\nSKU2006-020,Lounger,80.00,\n" +
	"CASE-LEATHER-PREM,Case,10.00,\nSKU2006-035,Coffee table,60.00,\n"

// customerOrder is Shopify's docs order as order id of the given customer;
// without address, as Shopify sends it to an app without Level 2 protected
// customer data access (no names, addresses, emails or phones).
func customerOrder(t *testing.T, id int64, email string, withAddress bool) []byte {
	t.Helper()
	var o map[string]any
	apptest.Must(t, json.Unmarshal(paidFixture(t), &o))
	o["id"], o["admin_graphql_api_id"] = id, fmt.Sprintf("gid://shopify/Order/%d", id)
	o["name"], o["order_number"] = fmt.Sprintf("#%d", id), id
	o["email"], o["contact_email"] = email, email
	if c, ok := o["customer"].(map[string]any); ok {
		c["email"] = email
	}
	if !withAddress {
		for _, k := range []string{"shipping_address", "billing_address", "customer", "email", "contact_email", "phone"} {
			delete(o, k)
		}
	}
	out, err := json.Marshal(o)
	apptest.Must(t, err)
	return out
}

// privacyFixture is one of Shopify's compliance payloads, for shop.
func privacyFixture(t *testing.T, name, shop string) []byte {
	t.Helper()
	return bytes.ReplaceAll(apptest.Fixture(t, "shopify/"+name), []byte("{shop}.myshopify.com"), []byte(shop))
}

// deliver posts a signed webhook as shop and wants 200.
func deliver(t *testing.T, h *apptest.Harness, shop, topic, id string, body []byte) {
	t.Helper()
	if code := postWebhook(t, h, shop, topic, id, body, shopify.Sign([]byte(apptest.Secret), body)); code != http.StatusOK {
		t.Fatalf("%s %s answered %d", shop, topic, code)
	}
}

func postWebhook(t *testing.T, h *apptest.Harness, shop, topic, id string, body []byte, sig string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.URL+"/webhooks/shopify", bytes.NewReader(body))
	apptest.Must(t, err)
	req.Header.Set("X-Shopify-Topic", topic)
	req.Header.Set("X-Shopify-Shop-Domain", shop)
	req.Header.Set("X-Shopify-Webhook-Id", id)
	req.Header.Set("X-Shopify-Hmac-Sha256", sig)
	res, err := http.DefaultClient.Do(req)
	apptest.Must(t, err)
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// eventState waits for the delivery's event to leave "received".
func eventState(t *testing.T, h *apptest.Harness, deliveryID string) models.WebhookEvent {
	t.Helper()
	var ev models.WebhookEvent
	defer func() {
		if t.Failed() {
			var errs []string
			h.App.DB.Gorm.Table("river_job").Where("errors IS NOT NULL").Pluck("errors", &errs)
			t.Logf("job errors: %v", errs)
		}
	}()
	h.Eventually("event "+deliveryID+" processed", func() bool {
		ev = models.WebhookEvent{}
		err := h.App.DB.Gorm.Where("delivery_id = ?", deliveryID).Limit(1).Find(&ev).Error
		return err == nil && ev.ID != 0 && ev.State != models.EventReceived
	})
	return ev
}

// adminGet fetches an embedded admin page as the harness shop.
func adminGet(t *testing.T, h *apptest.Harness, path string) (int, *goquery.Document) {
	t.Helper()
	tok, err := shopify.SignSessionToken(shopify.NewSessionClaims(apptest.Shop, "test-api-key", "1", time.Now(), time.Minute), []byte(apptest.Secret))
	apptest.Must(t, err)
	req, err := http.NewRequest(http.MethodGet, h.URL+path, nil)
	apptest.Must(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	apptest.Must(t, err)
	defer res.Body.Close()
	doc, err := goquery.NewDocumentFromReader(res.Body)
	apptest.Must(t, err)
	return res.StatusCode, doc
}

func TestCustomerDataRequestIsAssembledAndShown(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		request := privacyFixture(t, "customers-data_request.json", apptest.Shop)
		h.AddSupplier("Optics Co", 10, privacyCatalog)
		deliver(t, h, apptest.Shop, "orders/create", "order-john", customerOrder(t, 5001, "john@example.com", true))
		deliver(t, h, apptest.Shop, "orders/create", "order-amy", customerOrder(t, 5002, "amy@example.com", true))
		h.Eventually("POs of both orders", func() bool { return h.Count("purchase_orders", "") == 2 })
		h.Idle()

		deliver(t, h, apptest.Shop, "customers/data_request", "data-request-1", request)
		if ev := eventState(t, h, "data-request-1"); ev.State != models.EventProcessed {
			t.Fatalf("data request event %s: %s", ev.State, ev.Error)
		}
		var row struct {
			ID            int64
			CustomerRef   string
			CustomerEmail string
			Payload       string
		}
		apptest.Must(t, h.App.DB.Gorm.Table("data_requests").Take(&row).Error)
		if row.CustomerRef != "191167" || row.CustomerEmail != "john@example.com" {
			t.Errorf("data request names customer %q %q", row.CustomerRef, row.CustomerEmail)
		}
		for _, want := range []string{`"#5001"`, "SKU2006-001", "Steve Shipper", `"topic":"orders/create"`} {
			if !strings.Contains(row.Payload, want) {
				t.Errorf("assembled data lacks %s", want)
			}
		}
		if strings.Contains(row.Payload, "#5002") || strings.Contains(row.Payload, "amy@example.com") {
			t.Error("assembled data holds another customer's order")
		}

		code, doc := adminGet(t, h, "/app/privacy")
		if code != http.StatusOK || doc.Find(testid("privacy-request")).Length() != 1 {
			t.Fatalf("privacy list: %d, %d rows", code, doc.Find(testid("privacy-request")).Length())
		}
		code, doc = adminGet(t, h, fmt.Sprintf("/app/privacy/%d", row.ID))
		if code != http.StatusOK {
			t.Fatalf("privacy detail answered %d", code)
		}
		if got := doc.Find(testid("privacy-order")).Length(); got != 1 {
			t.Errorf("detail shows %d orders, want 1", got)
		}
		if !strings.Contains(doc.Find(testid("privacy-payload")).Text(), "Steve Shipper") {
			t.Error("detail does not show the assembled data")
		}
		// Another retailer's request is not found.
		if code, _ := adminGet(t, h, fmt.Sprintf("/app/privacy/%d", row.ID+1000)); code != http.StatusNotFound {
			t.Errorf("foreign data request answered %d, want 404", code)
		}
	})
}

func testid(id string) string { return `[data-testid="` + id + `"]` }

func TestCustomerRedactErasesPersonalDataKeepingAmounts(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		h.AddSupplier("Optics Co", 10, privacyCatalog)
		// John's by email, one by an id the request names, and Amy's.
		deliver(t, h, apptest.Shop, "orders/create", "order-john", customerOrder(t, 5001, "john@example.com", true))
		deliver(t, h, apptest.Shop, "orders/create", "order-named", customerOrder(t, 299938, "jo@example.com", true))
		deliver(t, h, apptest.Shop, "orders/create", "order-amy", customerOrder(t, 5002, "amy@example.com", true))
		h.Eventually("POs of three orders", func() bool { return h.Count("purchase_orders", "") == 3 })
		h.Idle()
		deliver(t, h, apptest.Shop, "customers/data_request", "data-request-1", privacyFixture(t, "customers-data_request.json", apptest.Shop))
		eventState(t, h, "data-request-1")
		var costs []int64
		apptest.Must(t, h.App.DB.Gorm.Table("po_lines").Order("id").Pluck("cost", &costs).Error)

		deliver(t, h, apptest.Shop, "customers/redact", "redact-1", privacyFixture(t, "customers-redact.json", apptest.Shop))
		if ev := eventState(t, h, "redact-1"); ev.State != models.EventProcessed {
			t.Fatalf("redact event %s: %s", ev.State, ev.Error)
		}
		var orders []models.Order
		apptest.Must(t, h.App.DB.Gorm.Preload("Lines").Order("external_id").Find(&orders).Error)
		for _, o := range orders {
			erased := o.ExternalID != "5002"
			if got := o.CustomerEmail == "" && o.ShipTo == "{}"; got != erased {
				t.Errorf("order %s: email %q ship-to %s; erased %v, want %v", o.ExternalID, o.CustomerEmail, o.ShipTo, got, erased)
			}
			if len(o.Lines) != 5 || o.Lines[0].SKU == "" || o.Lines[0].UnitPrice == 0 {
				t.Errorf("order %s lost lines or amounts: %+v", o.ExternalID, o.Lines)
			}
			var poShipTo []string
			apptest.Must(t, h.App.DB.Gorm.Table("purchase_orders").Where("order_id = ?", o.ID).Pluck("ship_to", &poShipTo).Error)
			if len(poShipTo) != 1 || (poShipTo[0] == "{}") != erased {
				t.Errorf("PO of order %s ship-to %v, erased want %v", o.ExternalID, poShipTo, erased)
			}
		}
		var after []int64
		apptest.Must(t, h.App.DB.Gorm.Table("po_lines").Order("id").Pluck("cost", &after).Error)
		if fmt.Sprint(after) != fmt.Sprint(costs) {
			t.Errorf("PO line costs changed: %v -> %v", costs, after)
		}
		var events []models.WebhookEvent
		apptest.Must(t, h.App.DB.Gorm.Order("id").Find(&events).Error)
		for _, ev := range events {
			body := string(ev.Body)
			amy := ev.DeliveryID == "order-amy"
			for _, personal := range []string{"john@example.com", "Steve Shipper", "123 Shipping Street", "555-625-1199"} {
				if strings.Contains(body, personal) && !amy {
					t.Errorf("event %s still holds %q", ev.DeliveryID, personal)
				}
			}
			if strings.HasPrefix(ev.Topic, "orders/") && (!strings.Contains(body, "SKU2006-001") || !strings.Contains(body, "89.99")) {
				t.Errorf("event %s lost SKUs or amounts: %.200s", ev.DeliveryID, body)
			}
			if amy && !strings.Contains(body, "Steve Shipper") {
				t.Error("another customer's delivery was redacted")
			}
		}
		if n := h.Count("data_requests", ""); n != 0 {
			t.Errorf("%d data requests of the erased customer remain", n)
		}
	})
}

func TestShopRedactErasesOnlyThatShop(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		const other = "other-retailer.myshopify.com"
		otherConn, err := h.App.Accounts.Connect(ctx, "shopify", other, "shpat_other")
		apptest.Must(t, err)
		only, _ := h.AddSupplier("Only Ours", 10, privacyCatalog)
		shared, _ := h.AddSupplier("Shared", 20, "sku,title,cost\nSKU2006-035,Coffee table,60.00\n")
		now := time.Now().UTC()
		apptest.Must(t, h.App.DB.Gorm.Create(&models.Partnership{RetailerID: otherConn.AccountID, SupplierID: shared,
			Strategy: "priority", Priority: 10, Channel: models.ChannelPortal, Active: true, CreatedAt: now, UpdatedAt: now}).Error)

		deliver(t, h, apptest.Shop, "orders/create", "ours-1", customerOrder(t, 5001, "john@example.com", true))
		deliver(t, h, other, "orders/create", "theirs-1", customerOrder(t, 5001, "john@example.com", true))
		h.Eventually("our POs and their order", func() bool {
			return h.Count("purchase_orders", "retailer_id = ?", h.RetailerID) == 1 &&
				h.Count("orders", "connection_id = ?", otherConn.ID) == 1
		})
		h.Idle()
		var ourConn models.Connection
		apptest.Must(t, h.App.DB.Gorm.Where("shop = ?", apptest.Shop).Take(&ourConn).Error)

		// Uninstall first, as Shopify does; the redact comes later and is still acted on.
		deliver(t, h, apptest.Shop, "app/uninstalled", "uninstall-1", privacyFixture(t, "app-uninstalled.json", apptest.Shop))
		eventState(t, h, "uninstall-1")
		deliver(t, h, apptest.Shop, "shop/redact", "shop-redact-1", privacyFixture(t, "shop-redact.json", apptest.Shop))
		h.Eventually("the shop erased", func() bool { return h.Count("connections", "shop = ?", apptest.Shop) == 0 })
		h.Idle()

		for _, c := range []struct {
			table, where string
			args         []any
		}{
			{"webhook_events", "shop = ? OR connection_id = ?", []any{apptest.Shop, ourConn.ID}},
			{"orders", "retailer_id = ?", []any{h.RetailerID}},
			{"order_lines", "order_id NOT IN (SELECT id FROM orders)", nil},
			{"purchase_orders", "retailer_id = ? OR supplier_id = ?", []any{h.RetailerID, only}},
			{"po_lines", "purchase_order_id NOT IN (SELECT id FROM purchase_orders)", nil},
			{"po_events", "purchase_order_id NOT IN (SELECT id FROM purchase_orders)", nil},
			{"partnerships", "retailer_id = ?", []any{h.RetailerID}},
			{"mappings", "retailer_id = ?", []any{h.RetailerID}},
			{"catalog_items", "supplier_id = ?", []any{only}},
			{"accounts", "id IN ?", []any{[]int64{h.RetailerID, only}}},
		} {
			if n := h.Count(c.table, c.where, c.args...); n != 0 {
				t.Errorf("%s: %d rows of the erased shop remain", c.table, n)
			}
		}
		// The other shop, and the supplier it shares, are untouched.
		for _, c := range []struct {
			table, where string
			args         []any
			want         int64
		}{
			{"connections", "id = ?", []any{otherConn.ID}, 1},
			{"orders", "connection_id = ?", []any{otherConn.ID}, 1},
			{"webhook_events", "shop = ?", []any{other}, 1},
			{"accounts", "id = ?", []any{shared}, 1},
			{"catalog_items", "supplier_id = ?", []any{shared}, 1},
			{"partnerships", "supplier_id = ?", []any{shared}, 1},
		} {
			if n := h.Count(c.table, c.where, c.args...); n != c.want {
				t.Errorf("%s of the other shop: %d rows, want %d", c.table, n, c.want)
			}
		}
	})
}

func TestUninstallStopsOrdersAndScopesUpdate(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		h.AddSupplier("Optics Co", 10, privacyCatalog)

		deliver(t, h, apptest.Shop, "app/scopes_update", "scopes-1", privacyFixture(t, "app-scopes_update.json", apptest.Shop))
		if ev := eventState(t, h, "scopes-1"); ev.State != models.EventProcessed {
			t.Fatalf("scopes update %s: %s", ev.State, ev.Error)
		}
		var conn models.Connection
		apptest.Must(t, h.App.DB.Gorm.Where("shop = ?", apptest.Shop).Take(&conn).Error)
		if conn.Scopes != "read_products,write_products" {
			t.Errorf("scopes = %q", conn.Scopes)
		}

		deliver(t, h, apptest.Shop, "app/uninstalled", "uninstall-1", privacyFixture(t, "app-uninstalled.json", apptest.Shop))
		eventState(t, h, "uninstall-1")
		apptest.Must(t, h.App.DB.Gorm.Where("shop = ?", apptest.Shop).Take(&conn).Error)
		if conn.UninstalledAt == nil {
			t.Fatal("connection not marked uninstalled")
		}
		deliver(t, h, apptest.Shop, "orders/create", "after-uninstall", customerOrder(t, 5001, "john@example.com", true))
		var ev models.WebhookEvent
		apptest.Must(t, h.App.DB.Gorm.Where("delivery_id = ?", "after-uninstall").Take(&ev).Error)
		if ev.State != models.EventIgnored {
			t.Errorf("order after uninstall stored %s, want ignored", ev.State)
		}
		// Privacy requests still count after uninstall.
		deliver(t, h, apptest.Shop, "customers/data_request", "dr-after", privacyFixture(t, "customers-data_request.json", apptest.Shop))
		if ev := eventState(t, h, "dr-after"); ev.State != models.EventProcessed {
			t.Errorf("data request after uninstall %s: %s", ev.State, ev.Error)
		}
		h.Idle()
		if n := h.Count("orders", ""); n != 0 {
			t.Errorf("%d orders after uninstall", n)
		}
	})
}

// Work queued before the uninstall is cancelled, and its events say why.
func TestUninstallCancelsQueuedWork(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{NoWorkers: true})
		ctx := context.Background()
		deliver(t, h, apptest.Shop, "orders/create", "queued-order", customerOrder(t, 5001, "john@example.com", true))
		deliver(t, h, apptest.Shop, "customers/redact", "queued-redact", privacyFixture(t, "customers-redact.json", apptest.Shop))
		deliver(t, h, apptest.Shop, "app/uninstalled", "uninstall-1", privacyFixture(t, "app-uninstalled.json", apptest.Shop))
		var uninstall models.WebhookEvent
		apptest.Must(t, h.App.DB.Gorm.Where("delivery_id = ?", "uninstall-1").Take(&uninstall).Error)
		apptest.Must(t, h.App.Pipeline.ProcessEvent(ctx, uninstall.ID))

		states := map[string]string{}
		var rows []models.WebhookEvent
		apptest.Must(t, h.App.DB.Gorm.Find(&rows).Error)
		for _, r := range rows {
			states[r.DeliveryID] = r.State
		}
		want := map[string]string{"queued-order": models.EventIgnored, "queued-redact": models.EventReceived, "uninstall-1": models.EventProcessed}
		if fmt.Sprint(states) != fmt.Sprint(want) {
			t.Errorf("event states %v, want %v", states, want)
		}
		if n := h.Count("river_job", "state = ?", "cancelled"); n != 1 {
			t.Errorf("%d jobs cancelled, want 1 (the order's)", n)
		}
	})
}

func TestForgedPrivacyWebhooksStoreNothing(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		for topic, file := range map[string]string{
			"customers/data_request": "customers-data_request.json", "customers/redact": "customers-redact.json",
			"shop/redact": "shop-redact.json", "app/uninstalled": "app-uninstalled.json", "app/scopes_update": "app-scopes_update.json",
		} {
			body := privacyFixture(t, file, apptest.Shop)
			forged := shopify.Sign([]byte("not-the-app-secret"), body)
			if code := postWebhook(t, h, apptest.Shop, topic, "forged-"+topic, body, forged); code != http.StatusUnauthorized {
				t.Errorf("forged %s answered %d, want 401", topic, code)
			}
		}
		for _, table := range []string{"webhook_events", "data_requests", "river_job"} {
			if n := h.Count(table, ""); n != 0 {
				t.Errorf("%s has %d rows after forged deliveries", table, n)
			}
		}
		if n := h.Count("connections", "uninstalled_at IS NULL"); n != 1 {
			t.Error("a forged uninstall changed the connection")
		}
	})
}

// Without Level 2 protected customer data, Shopify sends no address: the
// order is still routed, and the PO says its address is redacted.
func TestRedactedAddressIsFlagged(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		_, key := h.AddSupplier("Optics Co", 10, privacyCatalog)
		deliver(t, h, apptest.Shop, "orders/create", "no-address", customerOrder(t, 5001, "", false))
		h.Eventually("a sent PO", func() bool { return h.Count("purchase_orders", "state = ?", models.POSent) == 1 })
		status, body := apiClient{t: t, url: h.URL, key: key}.do(http.MethodGet, "/api/v1/purchase-orders", "")
		list, _ := body["purchase_orders"].([]any)
		if status != http.StatusOK || len(list) != 1 || list[0].(map[string]any)["ship_to_redacted"] != true {
			t.Errorf("API: %d %v", status, body)
		}
		var order models.Order
		apptest.Must(t, h.App.DB.Gorm.Take(&order).Error)
		_, doc := adminGet(t, h, fmt.Sprintf("/app/orders/%d", order.ID))
		if doc.Find(testid("ship-to-redacted")).Length() != 1 {
			t.Error("admin order page has no redacted-address notice")
		}
	})
}
