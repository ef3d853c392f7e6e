package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/platforms/shopify/fakeshopify"
	"github.com/consign/consign/app/queue"
	"github.com/consign/consign/models"
)

const reconcileCatalog = "sku,title,cost,inventory\nREC-1,Widget,4.00,1000\n"

// missedOrder is an order in the fake store whose webhook never came.
func missedOrder(n int, updated time.Time) fakeshopify.Order {
	return fakeshopify.Order{
		GID: fmt.Sprintf("gid://shopify/Order/%d", 7000+n), Name: fmt.Sprintf("#%d", 1000+n),
		Email: "buyer@example.com", Currency: "USD", FinancialStatus: "PAID", UpdatedAt: updated,
		ShippingAddress: &fakeshopify.ShipTo{Name: "Ada Buyer", Address1: "1 Main St", City: "Springfield", Zip: "12345", CountryCode: "US", Country: "United States"},
		Lines: []fakeshopify.OrderLine{{
			ID: fmt.Sprint(8000 + n), VariantID: "9001", ProductID: "9002", SKU: "REC-1", Title: "Widget",
			Quantity: 2, Price: "10.00", RequiresShipping: true,
		}},
	}
}

// webhookBody is the orders/create webhook Shopify would have sent for o.
func webhookBody(t *testing.T, o fakeshopify.Order) []byte {
	l := o.Lines[0]
	body, err := json.Marshal(map[string]any{
		"id": json.Number(o.GID[len("gid://shopify/Order/"):]), "admin_graphql_api_id": o.GID, "name": o.Name,
		"currency": o.Currency, "financial_status": "paid", "updated_at": o.UpdatedAt.UTC().Format(time.RFC3339),
		"email": o.Email, "shipping_address": map[string]any{"name": "Ada Buyer", "address1": "1 Main St", "city": "Springfield", "zip": "12345", "country_code": "US"},
		"line_items": []any{map[string]any{
			"id": json.Number(l.ID), "variant_id": json.Number(l.VariantID), "product_id": json.Number(l.ProductID),
			"sku": l.SKU, "title": l.Title, "quantity": l.Quantity, "fulfillable_quantity": l.Quantity,
			"price": l.Price, "requires_shipping": true,
		}},
	})
	apptest.Must(t, err)
	return body
}

func connectionID(t *testing.T, h *apptest.Harness) int64 {
	var c models.Connection
	apptest.Must(t, h.App.DB.Gorm.Where("shop = ?", apptest.Shop).Take(&c).Error)
	return c.ID
}

func TestReconcileStoresAnOrderWhoseWebhookNeverCame(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		h.AddSupplier("Widgets", 10, reconcileCatalog)
		conn := connectionID(t, h)
		updated := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		h.Fake.PutOrder(apptest.Shop, missedOrder(1, updated))

		res, err := h.App.Reconcile.Reconcile(ctx, conn)
		apptest.Must(t, err)
		if res.Stored != 1 || res.Pages != 1 {
			t.Fatalf("first run = %+v, want 1 order stored from 1 page", res)
		}
		h.Eventually("the missed order's PO", func() bool { return h.Count("purchase_orders", "state = ?", models.POSent) == 1 })
		h.Idle()
		var o models.Order
		apptest.Must(t, h.App.DB.Gorm.Take(&o).Error)
		if o.ExternalID != "7001" || !o.PlatformUpdatedAt.Equal(updated) {
			t.Errorf("order = %s updated %s, want 7001 updated %s", o.ExternalID, o.PlatformUpdatedAt, updated)
		}
		var line models.POLine
		apptest.Must(t, h.App.DB.Gorm.Take(&line).Error)
		if line.SKU != "REC-1" || line.Quantity != 2 {
			t.Errorf("PO line = %s x%d, want REC-1 x2", line.SKU, line.Quantity)
		}

		lastUpdated, lastRun, err := h.App.Reconcile.Checkpoint(ctx, conn)
		apptest.Must(t, err)
		if !lastUpdated.Equal(updated) || lastRun.IsZero() {
			t.Errorf("checkpoint = %s (run %s), want %s and a run time", lastUpdated, lastRun, updated)
		}

		// Nothing new: the second run stores nothing.
		events := h.Count("webhook_events", "")
		res, err = h.App.Reconcile.Reconcile(ctx, conn)
		apptest.Must(t, err)
		if res.Stored != 0 || res.Seen != 1 {
			t.Errorf("second run = %+v, want the order seen again (overlap) and nothing stored", res)
		}
		if n := h.Count("webhook_events", ""); n != events {
			t.Errorf("second run stored %d events", n-events)
		}

		// A later update of the order is stored, and the checkpoint moves on.
		h.Fake.PutOrder(apptest.Shop, missedOrder(1, updated.Add(time.Minute)))
		res, err = h.App.Reconcile.Reconcile(ctx, conn)
		apptest.Must(t, err)
		if res.Stored != 1 {
			t.Errorf("run after an update = %+v, want it stored", res)
		}
		h.Idle()
		if lastUpdated, _, _ = h.App.Reconcile.Checkpoint(ctx, conn); !lastUpdated.Equal(updated.Add(time.Minute)) {
			t.Errorf("checkpoint = %s, want %s", lastUpdated, updated.Add(time.Minute))
		}
		if n := h.Count("purchase_orders", ""); n != 1 {
			t.Errorf("%d POs after the update, want still 1", n)
		}
	})
}

func TestReconcileAndWebhookMakeOneSetOfPOs(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		h.AddSupplier("Widgets", 10, reconcileCatalog)
		conn := connectionID(t, h)
		updated := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)

		// Order 1: the webhook first, then reconcile.
		first := missedOrder(1, updated)
		h.Fake.PutOrder(apptest.Shop, first)
		if res := h.Webhook("orders/create", "wh-1", webhookBody(t, first)); res.StatusCode != http.StatusOK {
			t.Fatalf("webhook answered %d", res.StatusCode)
		}
		h.Eventually("order 1's PO", func() bool { return h.Count("purchase_orders", "") == 1 })
		h.Idle()
		res, err := h.App.Reconcile.Reconcile(ctx, conn)
		apptest.Must(t, err)
		if res.Stored != 0 {
			t.Errorf("reconcile after the webhook stored %d orders, want 0", res.Stored)
		}

		// Order 2: reconcile first, then the late webhook.
		second := missedOrder(2, updated.Add(time.Second))
		h.Fake.PutOrder(apptest.Shop, second)
		res, err = h.App.Reconcile.Reconcile(ctx, conn)
		apptest.Must(t, err)
		if res.Stored != 1 {
			t.Errorf("reconcile stored %d orders, want order 2", res.Stored)
		}
		h.Eventually("order 2's PO", func() bool { return h.Count("purchase_orders", "") == 2 })
		if res := h.Webhook("orders/create", "wh-2", webhookBody(t, second)); res.StatusCode != http.StatusOK {
			t.Fatalf("webhook answered %d", res.StatusCode)
		}
		h.Idle()
		if n := h.Count("orders", ""); n != 2 {
			t.Errorf("%d orders, want 2", n)
		}
		if n := h.Count("purchase_orders", ""); n != 2 {
			t.Errorf("%d POs, want one per order", n)
		}
		if n := h.Count("po_lines", ""); n != 2 {
			t.Errorf("%d PO lines, want one per order", n)
		}
	})
}

func TestReconcilePagesThroughThrottling(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		h.AddSupplier("Widgets", 10, reconcileCatalog)
		conn := connectionID(t, h)
		base := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Second)
		const orders = 12 // pages of 5, 5 and 2
		for i := range orders {
			h.Fake.PutOrder(apptest.Shop, missedOrder(i+1, base.Add(time.Duration(i)*time.Minute)))
		}
		// The first page passes; the second is refused THROTTLED once.
		h.Fake.Script(fakeshopify.Delay(0), fakeshopify.Throttled())

		res, err := h.App.Reconcile.Reconcile(ctx, conn)
		apptest.Must(t, err)
		if res.Pages != 3 || res.Stored != orders {
			t.Fatalf("run = %+v, want %d orders stored from 3 pages", res, orders)
		}
		var listed, throttled int
		for _, r := range h.Fake.Requests() {
			if r.Operation == "updatedOrders" {
				listed++
				if r.Throttled {
					throttled++
				}
			}
		}
		if listed != 4 || throttled != 1 {
			t.Errorf("fake saw %d listing requests (%d throttled), want 3 pages and 1 throttled retry", listed, throttled)
		}
		h.Eventually("a PO per order", func() bool { return h.Count("purchase_orders", "") == orders })
		h.Idle()
		lastUpdated, _, err := h.App.Reconcile.Checkpoint(ctx, conn)
		apptest.Must(t, err)
		if want := base.Add((orders - 1) * time.Minute); !lastUpdated.Equal(want) {
			t.Errorf("checkpoint = %s, want the newest update %s", lastUpdated, want)
		}
	})
}

func TestReconcileJobsRunThroughTheQueue(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		ctx := context.Background()
		h.AddSupplier("Widgets", 10, reconcileCatalog)
		h.Fake.PutOrder(apptest.Shop, missedOrder(1, time.Now().UTC().Add(-time.Hour).Truncate(time.Second)))

		// What the periodic job inserts: it fans out one job per connection.
		_, err := h.App.Jobs.Insert(ctx, queue.ReconcileAll{}, nil)
		apptest.Must(t, err)
		h.Eventually("the missed order's PO", func() bool { return h.Count("purchase_orders", "state = ?", models.POSent) == 1 })
		h.Idle()
		if n := h.Count("river_job", "kind = ? AND state = ?", "reconcile_connection", "completed"); n != 1 {
			t.Errorf("%d reconcile_connection jobs completed, want 1", n)
		}
	})
}

func TestReconcileNeverQueuesAConnectionTwice(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{NoWorkers: true})
		ctx := context.Background()
		for i, want := range []int{1, 0} {
			n, err := h.App.Reconcile.EnqueueAll(ctx)
			apptest.Must(t, err)
			if n != want {
				t.Errorf("EnqueueAll #%d queued %d jobs, want %d (one waits already)", i+1, n, want)
			}
		}
	})
}
