package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app"
	"github.com/consign/consign/app/accounts"
	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/canonical"
	"github.com/consign/consign/app/catalog"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/database/dbtest"
	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/app/platforms/shopify/fakeshopify"
	"github.com/consign/consign/app/samples"
	"github.com/consign/consign/models"
)

const (
	supplierShop  = "test-supplier.myshopify.com"
	supplierToken = "shpat_supplier_token"
)

// storeSupplier adds a supplier on the store channel whose own store is the
// fake's supplierShop, selling the sample order's three products.
func storeSupplier(t *testing.T, h *apptest.Harness) (int64, []samples.Product) {
	t.Helper()
	ctx := context.Background()
	p := samples.Products
	products := []samples.Product{p[0], p[3], p[6]}
	sup, _, err := h.App.Accounts.AddSupplier(ctx, h.RetailerID, accounts.SupplierInput{Name: "Store Supplier", Priority: 1})
	apptest.Must(t, err)
	var csv strings.Builder
	csv.WriteString("sku,title,cost\n")
	for _, pr := range products {
		fmt.Fprintf(&csv, "%s,%q,%s\n", pr.SKU, pr.Title, pr.Cost)
	}
	rep, err := catalog.Import(ctx, h.App.DB, sup.ID, "USD", strings.NewReader(csv.String()), time.Now().UTC())
	if err != nil || rep.Bad > 0 {
		t.Fatalf("import catalog: %v %+v", err, rep.Errors)
	}
	if err := h.App.Accounts.SetChannel(ctx, h.RetailerID, sup.ID, models.ChannelStore); err == nil {
		t.Fatal("the store channel was accepted for a supplier without a store")
	}
	h.Fake.SetToken(supplierShop, supplierToken)
	_, err = h.App.Accounts.ConnectSupplierStore(ctx, sup.ID, "shopify", supplierShop, accounts.Grant{AccessToken: supplierToken})
	apptest.Must(t, err)
	apptest.Must(t, h.App.Accounts.SetChannel(ctx, h.RetailerID, sup.ID, models.ChannelStore))
	return sup.ID, products
}

// storeOrder is the retailer's order of one of each product, two of the second.
func storeOrder(id int64, products []samples.Product, cancelled bool, updated time.Time) []byte {
	return samples.ShopifyOrder(samples.Order{ID: id, Number: 1001, Cancelled: cancelled, UpdatedAt: updated,
		Lines: []samples.OrderLine{{Product: products[0], Quantity: 1}, {Product: products[1], Quantity: 2}, {Product: products[2], Quantity: 1}}})
}

// supplierWebhook posts a webhook signed with the app secret as the
// supplier's store sends it.
func supplierWebhook(t *testing.T, h *apptest.Harness, topic, deliveryID string, body []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.URL+"/webhooks/shopify", strings.NewReader(string(body)))
	apptest.Must(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Shopify-Topic", topic)
	req.Header.Set("X-Shopify-Shop-Domain", supplierShop)
	req.Header.Set("X-Shopify-Webhook-Id", deliveryID)
	req.Header.Set("X-Shopify-Hmac-Sha256", shopify.Sign([]byte(apptest.Secret), body))
	res, err := http.DefaultClient.Do(req)
	apptest.Must(t, err)
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s webhook answered %d", topic, res.StatusCode)
	}
}

// fulfillmentWebhook is Shopify's fulfillments/create fixture made a
// fulfillment of the supplier-store order: its order id, id and lines.
func fulfillmentWebhook(t *testing.T, order fakeshopify.CreatedOrder, id int64, lines map[string]int) []byte {
	t.Helper()
	var f map[string]any
	apptest.Must(t, json.Unmarshal(apptest.Fixture(t, "shopify/fulfillments-create.json"), &f))
	orderID, _ := strings.CutPrefix(order.ID, "gid://shopify/Order/")
	f["order_id"] = json.Number(orderID)
	f["id"] = id
	f["admin_graphql_api_id"] = fmt.Sprintf("gid://shopify/Fulfillment/%d", id)
	var items []any
	for _, l := range order.Lines {
		if q, ok := lines[l.SKU]; ok {
			items = append(items, map[string]any{"id": l.ID, "sku": l.SKU, "title": l.Title, "quantity": q, "name": l.Title})
		}
	}
	f["line_items"] = items
	out, err := json.Marshal(f)
	apptest.Must(t, err)
	return out
}

func createdOrders(h *apptest.Harness) []fakeshopify.CreatedOrder {
	return h.Fake.CreatedOrders(supplierShop)
}

func TestSupplierStoreRoundTrip(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		supplierID, products := storeSupplier(t, h)
		const orderID = 9700
		retailerGID := fmt.Sprintf("gid://shopify/Order/%d", orderID)
		h.Fake.AddOrder(apptest.Shop, retailerGID, []fakeshopify.Line{
			{ID: fmt.Sprint(samples.LineID(orderID, 0)), Quantity: 1},
			{ID: fmt.Sprint(samples.LineID(orderID, 1)), Quantity: 2},
			{ID: fmt.Sprint(samples.LineID(orderID, 2)), Quantity: 1},
		})
		// The first orderCreate's answer is lost: the job must find the
		// order it created instead of creating another.
		h.Fake.Script(fakeshopify.LostResponse())
		if res := h.Webhook("orders/create", "store-1", storeOrder(orderID, products, false, time.Time{})); res.StatusCode != http.StatusOK {
			t.Fatalf("order webhook answered %d", res.StatusCode)
		}
		h.Eventually("the PO recorded as a supplier-store order", func() bool {
			return h.Count("purchase_orders", "remote_order_id <> ''") == 1
		})
		h.Idle()
		var po models.PurchaseOrder
		apptest.Must(t, h.App.DB.Gorm.Preload("Lines").Preload("Order").Take(&po).Error)
		if po.SupplierID != supplierID || po.State != models.POAccepted {
			t.Fatalf("PO supplier %d state %s, want %d accepted", po.SupplierID, po.State, supplierID)
		}
		created := createdOrders(h)
		if len(created) != 1 {
			t.Fatalf("supplier store has %d created orders, want 1 (the lost answer made a second?)", len(created))
		}
		if !slices.ContainsFunc(h.Fake.Requests(), func(r fakeshopify.Request) bool {
			return r.Shop == supplierShop && r.Operation == "orderCreate" && r.Fault == "LostResponse"
		}) {
			t.Error("the lost answer was not an orderCreate's")
		}
		o := created[0]
		if po.RemoteOrderID != o.ID {
			t.Errorf("PO remote order %q, want %q", po.RemoteOrderID, o.ID)
		}
		if !slices.Contains(o.Tags, po.Number) || o.PONumber != po.Number {
			t.Errorf("order tags %v, poNumber %q: want the PO number %s", o.Tags, o.PONumber, po.Number)
		}
		if o.SendReceipt || o.SendFulfillmentReceipt {
			t.Errorf("the customer would be notified: %+v", o)
		}
		for i, pr := range products {
			l := o.Lines[i]
			if l.SKU != pr.SKU || l.Price != pr.Cost || l.Currency != "USD" || l.Quantity != []int{1, 2, 1}[i] {
				t.Errorf("line %d = %+v, want %s x%d at cost %s", i, l, pr.SKU, []int{1, 2, 1}[i], pr.Cost)
			}
		}
		var shipTo canonical.Address
		apptest.Must(t, json.Unmarshal([]byte(po.ShipTo), &shipTo))
		if a := o.ShippingAddress; a.Address1 != shipTo.Address1 || a.City != shipTo.City || a.Zip != shipTo.Zip ||
			a.CountryCode != shipTo.CountryCode || a.LastName == "" || a.Address1 == "" {
			t.Errorf("ship-to %+v, want the customer's %+v", a, shipTo)
		}

		// A retried job finds the order and creates nothing.
		apptest.Must(t, h.App.DB.Gorm.Model(&models.PurchaseOrder{}).Where("id = ?", po.ID).
			Updates(map[string]any{"remote_order_id": "", "remote_connection_id": nil}).Error)
		apptest.Must(t, h.App.SupplierStores.CreateOrder(context.Background(), po.ID))
		if n := len(createdOrders(h)); n != 1 {
			t.Fatalf("a retried job created another order: %d", n)
		}
		if h.Count("purchase_orders", "remote_order_id = ?", o.ID) != 1 {
			t.Errorf("the retried job did not record the order it found")
		}

		// The supplier ships two of the lines in its store.
		first := fulfillmentWebhook(t, o, 555001, map[string]int{products[0].SKU: 1, products[1].SKU: 2})
		supplierWebhook(t, h, "fulfillments/create", "sf-1", first)
		h.Eventually("the fulfillment pushed to the retailer's store", func() bool {
			return h.Count("shipments", "state = ?", models.ShipmentPushed) == 1
		})
		// The same fulfillment again (an update, a redelivery) adds nothing.
		supplierWebhook(t, h, "fulfillments/update", "sf-2", first)
		supplierWebhook(t, h, "fulfillments/create", "sf-1", first)
		h.Idle()
		if n := h.Count("shipments", ""); n != 1 {
			t.Fatalf("%d shipments, want 1", n)
		}
		fs := h.Fake.Fulfillments(apptest.Shop)
		if len(fs) != 1 {
			t.Fatalf("retailer store got %d fulfillments, want 1", len(fs))
		}
		if f := fs[0]; f.OrderGID != retailerGID || f.Tracking.Number != "1z827wk74630" || f.Tracking.Company != "UPS" ||
			!strings.HasPrefix(f.Tracking.URL, "https://www.ups.com/") || len(f.Lines) != 2 {
			t.Errorf("retailer fulfillment = %+v", f)
		}
		var sh models.Shipment
		apptest.Must(t, h.App.DB.Gorm.Take(&sh).Error)
		if sh.RemoteFulfillmentID != "gid://shopify/Fulfillment/555001" {
			t.Errorf("shipment remote fulfillment %q", sh.RemoteFulfillmentID)
		}
		if s := poState(t, h, po.ID); s != models.POPartiallyShipped {
			t.Errorf("PO state %s, want partially shipped", s)
		}

		// The rest ships; the PO is shipped.
		var rest map[string]any
		apptest.Must(t, json.Unmarshal(fulfillmentWebhook(t, o, 555002, map[string]int{products[2].SKU: 1}), &rest))
		rest["tracking_number"], rest["tracking_numbers"] = "1Z-SECOND", []string{"1Z-SECOND"}
		body, _ := json.Marshal(rest)
		supplierWebhook(t, h, "fulfillments/create", "sf-3", body)
		h.Eventually("the PO shipped", func() bool { return poState(t, h, po.ID) == models.POShipped })
		h.Eventually("both fulfillments in the retailer's store", func() bool { return len(h.Fake.Fulfillments(apptest.Shop)) == 2 })

		// The supplier store's own orders are not routed as a retailer's.
		supplierWebhook(t, h, "orders/create", "so-1", storeOrder(9799, products, false, time.Time{}))
		h.Idle()
		if n := h.Count("orders", ""); n != 1 {
			t.Errorf("%d orders: the supplier store's order was routed", n)
		}
	})
}

func poState(t *testing.T, h *apptest.Harness, id int64) string {
	var po models.PurchaseOrder
	apptest.Must(t, h.App.DB.Gorm.Select("state").Take(&po, id).Error)
	return po.State
}

func TestRetailerCancelCancelsSupplierStoreOrder(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		_, products := storeSupplier(t, h)
		t0 := time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)

		// Unfulfilled: the supplier-store order is cancelled, quietly.
		h.Webhook("orders/create", "c-1", storeOrder(9710, products, false, t0))
		h.Eventually("the store order", func() bool { return len(createdOrders(h)) == 1 })
		h.Eventually("its id recorded", func() bool { return h.Count("purchase_orders", "remote_order_id <> ''") == 1 })
		h.Webhook("orders/cancelled", "c-2", storeOrder(9710, products, true, t0.Add(time.Hour)))
		h.Eventually("the store order cancelled", func() bool { return createdOrders(h)[0].CancelledAt != nil })
		c := createdOrders(h)[0].Cancel
		if c.NotifyCustomer || c.Refund || !c.Restock {
			t.Errorf("cancel request %+v: want no notification, no refund, restock", c)
		}
		h.Idle()

		// Fulfilled already: the store order stays, the retailer's order is flagged.
		h.Webhook("orders/create", "c-3", storeOrder(9711, products, false, t0))
		h.Eventually("the second store order", func() bool { return len(createdOrders(h)) == 2 })
		h.Eventually("its id recorded", func() bool { return h.Count("purchase_orders", "remote_order_id <> ''") == 2 })
		second := createdOrders(h)[1]
		client, err := shopify.NewClient(supplierShop, supplierToken, shopify.ClientOptions{BaseURL: h.App.Config.ShopifyAPIBaseURL})
		apptest.Must(t, err)
		// The supplier fulfils in its store; its webhook has not come yet.
		_, err = client.Fulfill(context.Background(), shopify.FulfillInput{OrderGID: second.ID,
			Lines: []shopify.FulfillLine{{LineItemID: second.Lines[0].ID, Quantity: 1}}, Tracking: shopify.Tracking{Number: "1Z-EARLY"}})
		apptest.Must(t, err)
		h.Webhook("orders/cancelled", "c-4", storeOrder(9711, products, true, t0.Add(time.Hour)))
		h.Eventually("the order flagged", func() bool {
			return h.Count("orders", "external_id = ? AND attention LIKE ?", "9711", "%already fulfilled%") == 1
		})
		if createdOrders(h)[1].CancelledAt != nil {
			t.Error("a fulfilled supplier-store order was cancelled")
		}
	})
}

func TestSupplierStoreCommands(t *testing.T) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			url := dbtest.URL(t, d)
			var out bytes.Buffer
			apptest.Must(t, app.Main(context.Background(), []string{"migrate"}, func(k string) string {
				return map[string]string{"DATABASE_URL": url}[k]
			}, &out, &out))
			consign(t, url, "connect", "shopify", "--shop", "cli-retailer.myshopify.com", "--token", "shpat_r")
			if err := consignErr(t, url, "supplier", "add", "--retailer", "cli-retailer.myshopify.com", "--name", "No Store",
				"--channel", "store"); err == nil {
				t.Error("the store channel was accepted without the supplier's store")
			}
			sup := consign(t, url, "supplier", "add", "--retailer", "cli-retailer.myshopify.com", "--name", "Store Co",
				"--channel", "store", "--shop", "Store-Co.myshopify.com", "--token", "shpat_s")
			supplierID := int64(sup["supplier_id"].(float64))

			db, err := database.Open(context.Background(), url, database.Options{})
			apptest.Must(t, err)
			defer db.Close()
			var p models.Partnership
			apptest.Must(t, db.Gorm.Where("supplier_id = ?", supplierID).Take(&p).Error)
			var conn models.Connection
			apptest.Must(t, db.Gorm.Where("shop = ?", "store-co.myshopify.com").Take(&conn).Error)
			if p.Channel != models.ChannelStore || conn.AccountID != supplierID {
				t.Errorf("channel %q, store connected to account %d; want store, supplier %d", p.Channel, conn.AccountID, supplierID)
			}
			if conn.AccessToken == "shpat_s" {
				t.Error("the supplier's token is stored in plain text")
			}

			// An existing portal supplier connects its store later.
			other := consign(t, url, "supplier", "add", "--retailer", "cli-retailer.myshopify.com", "--name", "Later Co")
			otherID := fmt.Sprint(int64(other["supplier_id"].(float64)))
			c := consign(t, url, "connect", "shopify", "--supplier", otherID, "--shop", "later-co.myshopify.com", "--token", "shpat_l")
			if fmt.Sprint(int64(c["supplier_id"].(float64))) != otherID {
				t.Errorf("connect --supplier = %v", c)
			}
			// One store belongs to one account.
			if err := consignErr(t, url, "connect", "shopify", "--supplier", otherID, "--shop", "cli-retailer.myshopify.com", "--token", "x"); err == nil {
				t.Error("a retailer's shop was connected to a supplier")
			}
		})
	}
}
