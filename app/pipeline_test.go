package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/database/dbtest"
	"github.com/consign/consign/app/platforms/shopify/fakeshopify"
	"github.com/consign/consign/app/samples"
	"github.com/consign/consign/models"
)

// eachDialect runs fn against a fresh running Consign per dialect.
func eachDialect(t *testing.T, fn func(t *testing.T, d database.Dialect)) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) { fn(t, d) })
	}
}

// paidFixture is Shopify's docs order, made paid and not cancelled, with
// the protection plan turned into the warranty line it is (no shipping).
func paidFixture(t *testing.T) []byte {
	var o map[string]any
	apptest.Must(t, json.Unmarshal(apptest.Fixture(t, "shopify/orders-create.json"), &o))
	o["financial_status"] = "paid"
	o["cancelled_at"] = nil
	for _, l := range o["line_items"].([]any) {
		line := l.(map[string]any)
		if line["sku"] == "LENS-PROTECT-2YR" {
			line["requires_shipping"] = false
		}
	}
	out, err := json.Marshal(o)
	apptest.Must(t, err)
	return out
}

type poView struct {
	Supplier int64
	State    string
	SKUs     []string
}

func pos(t *testing.T, h *apptest.Harness) []poView {
	var list []models.PurchaseOrder
	apptest.Must(t, h.App.DB.Gorm.Preload("Lines").Order("supplier_id").Find(&list).Error)
	out := make([]poView, len(list))
	for i, p := range list {
		out[i] = poView{Supplier: p.SupplierID, State: p.State}
		for _, l := range p.Lines {
			out[i].SKUs = append(out[i].SKUs, l.SKU)
		}
	}
	return out
}

func TestFixtureOrderBecomesPurchaseOrders(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		body := paidFixture(t)
		optics, _ := h.AddSupplier("Optics Co", 10,
			"sku,title,cost,inventory\nSKU2006-001,Aviator,40.00,10\nSKU2006-020,Lounger,80.00,\nLENS-PROTECT-2YR,Plan,5.00,\n")
		furniture, _ := h.AddSupplier("Furniture Co", 20,
			"sku,title,cost\nCASE-LEATHER-PREM,Case,10.00\nSKU2006-035,Coffee table,60.00\n")

		if res := h.Webhook("orders/create", "fixture-1", body); res.StatusCode != http.StatusOK {
			t.Fatalf("webhook answered %d", res.StatusCode)
		}
		h.Eventually("two sent POs", func() bool { return h.Count("purchase_orders", "state = ?", models.POSent) == 2 })
		h.Idle()
		got := pos(t, h)
		want := []poView{
			{optics, models.POSent, []string{"SKU2006-001", "SKU2006-020"}},
			{furniture, models.POSent, []string{"CASE-LEATHER-PREM", "SKU2006-035"}},
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("POs = %v\nwant  %v", got, want)
		}
		var order models.Order
		apptest.Must(t, h.App.DB.Gorm.Take(&order).Error)
		if order.State != models.OrderRouted || order.GID != "gid://shopify/Order/820982911946154508" {
			t.Errorf("order state %q gid %q", order.State, order.GID)
		}
		// Stock was reserved on the tracked item only.
		var item models.CatalogItem
		apptest.Must(t, h.App.DB.Gorm.Where("sku = ?", "SKU2006-001").Take(&item).Error)
		if item.Inventory == nil || *item.Inventory != 9 {
			t.Errorf("inventory after routing = %v, want 9", item.Inventory)
		}
	})
}

// The 2025-01 fixture has real variant ids: an explicit mapping wins over
// a supplier that carries the same SKU.
func TestMappingByVariantWinsOverSKU(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		var o map[string]any
		apptest.Must(t, json.Unmarshal(apptest.Fixture(t, "shopify/orders-create.2025-01.json"), &o))
		o["financial_status"], o["cancelled_at"] = "paid", nil
		body, _ := json.Marshal(o)
		h.AddSupplier("Same SKU Co", 1, "sku,cost\nIPOD2008PINK,100.00\n")
		mapped, _ := h.AddSupplier("Mapped Co", 50, "sku,cost\nNANO-PINK-8,120.00\n")
		_, err := h.App.Accounts.Map(context.Background(), h.RetailerID, "808950810", mapped, "NANO-PINK-8")
		apptest.Must(t, err)

		h.Webhook("orders/create", "fixture-2025", body)
		h.Eventually("one sent PO", func() bool { return h.Count("purchase_orders", "state = ?", models.POSent) == 1 })
		h.Idle()
		got := pos(t, h)
		if len(got) != 1 || got[0].Supplier != mapped || len(got[0].SKUs) != 2 {
			t.Fatalf("POs = %v, want both lines on the mapped supplier %d", got, mapped)
		}
	})
}

func sampleOrder(id int64, status string, cancelled bool, updated time.Time) []byte {
	p := samples.Products
	return samples.ShopifyOrder(samples.Order{
		ID: id, Number: 1001, FinancialStatus: status, Cancelled: cancelled, UpdatedAt: updated,
		Lines: []samples.OrderLine{{Product: p[0], Quantity: 1}, {Product: p[3], Quantity: 2}, {Product: p[6], Quantity: 1}},
	})
}

func addSampleSuppliers(h *apptest.Harness) []int64 {
	var ids []int64
	for i, s := range samples.Suppliers {
		id, _ := h.AddSupplier(s.Name, 10*(i+1), samples.CatalogCSV(i))
		ids = append(ids, id)
	}
	return ids
}

func TestDuplicateDeliveriesMakeOneOrder(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		addSampleSuppliers(h)
		body := sampleOrder(9001, "paid", false, time.Time{})
		var wg sync.WaitGroup
		statuses := make(chan int, 7)
		for range 5 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses <- h.Webhook("orders/create", "same-delivery", body).StatusCode
			}()
		}
		// Two distinct deliveries of the same order (orders/create and orders/paid).
		for _, id := range []string{"other-delivery-1", "other-delivery-2"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses <- h.Webhook("orders/paid", id, body).StatusCode
			}()
		}
		wg.Wait()
		close(statuses)
		for s := range statuses {
			if s != http.StatusOK {
				t.Errorf("a delivery was answered %d", s)
			}
		}
		h.Eventually("three sent POs", func() bool { return h.Count("purchase_orders", "state = ?", models.POSent) == 3 })
		h.Idle()
		if n := h.Count("webhook_events", ""); n != 3 {
			t.Errorf("webhook events = %d, want 3 (one per delivery id)", n)
		}
		if n := h.Count("orders", ""); n != 1 {
			t.Errorf("orders = %d, want 1", n)
		}
		if n := h.Count("purchase_orders", ""); n != 3 {
			t.Errorf("purchase orders = %d, want 3", n)
		}
		if n := h.Count("po_lines", ""); n != 3 {
			t.Errorf("po lines = %d, want 3", n)
		}
	})
}

func TestForgedSignatureStoresNothing(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		body := sampleOrder(9002, "paid", false, time.Time{})
		for name, sig := range map[string]string{
			"forged":       "c2lnbmF0dXJlLWJ5LXNvbWVib2R5LWVsc2UtMzItYnl0ZXM=",
			"missing":      "",
			"wrong length": "AAAA",
			"other secret": "x" + "Gr0Ow+Qp7xM/z2H1dYfE3Yk2d3k4MTQzNjI1NDU2Nzg=",
		} {
			if res := h.WebhookSigned("orders/create", "forged-"+name, body, sig); res.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s signature answered %d, want 401", name, res.StatusCode)
			}
		}
		for _, table := range []string{"webhook_events", "orders", "purchase_orders", "river_job"} {
			if n := h.Count(table, ""); n != 0 {
				t.Errorf("%s has %d rows after forged deliveries", table, n)
			}
		}
	})
}

func TestCancelledAfterRouting(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		addSampleSuppliers(h)
		t0 := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
		h.Webhook("orders/create", "c-1", sampleOrder(9003, "paid", false, t0))
		h.Eventually("three sent POs", func() bool { return h.Count("purchase_orders", "state = ?", models.POSent) == 3 })
		h.Idle()

		// The first supplier accepts and ships before the cancellation.
		var shipped models.PurchaseOrder
		apptest.Must(t, h.App.DB.Gorm.Preload("Lines").Order("supplier_id").First(&shipped).Error)
		ctx := context.Background()
		_, err := h.App.Purchasing.Accept(ctx, shipped.SupplierID, shipped.ID, "test")
		apptest.Must(t, err)
		_, err = h.App.Purchasing.AddShipment(ctx, shipped.SupplierID, shipped.ID, shipmentFor(shipped, "TRACK-1"))
		apptest.Must(t, err)

		h.Webhook("orders/cancelled", "c-2", sampleOrder(9003, "refunded", true, t0.Add(time.Hour)))
		h.Eventually("two cancelled POs", func() bool { return h.Count("purchase_orders", "state = ?", models.POCancelled) == 2 })
		h.Idle()
		if n := h.Count("purchase_orders", "state = ?", models.POShipped); n != 1 {
			t.Errorf("shipped POs = %d, want 1 left alone", n)
		}
		if n := h.Count("po_events", "to_state = ? AND reason = ?", models.POCancelled, "order cancelled in the store"); n != 2 {
			t.Errorf("cancellation history rows = %d, want 2", n)
		}
		// The cancelled POs' stock is back; the shipped one's is not.
		for sku, want := range map[string]int{"NW-TENT-2P": 499, "BH-MUG-12": 500, "CL-KNIFE-FX": 500} {
			var item models.CatalogItem
			apptest.Must(t, h.App.DB.Gorm.Where("sku = ?", sku).Take(&item).Error)
			if item.Inventory == nil {
				t.Fatalf("%s stock is untracked after cancel", sku)
			}
			if *item.Inventory != want {
				t.Errorf("%s stock after cancel = %d, want %d", sku, *item.Inventory, want)
			}
		}
		var order models.Order
		apptest.Must(t, h.App.DB.Gorm.Take(&order).Error)
		if order.State != models.OrderCancelled || order.Attention == "" {
			t.Errorf("order state %q attention %q: want cancelled and flagged for the shipped PO", order.State, order.Attention)
		}
		// A stale update (older than the cancellation) changes nothing.
		h.Webhook("orders/updated", "c-3", sampleOrder(9003, "paid", false, t0.Add(time.Minute)))
		h.Idle()
		apptest.Must(t, h.App.DB.Gorm.Take(&order).Error)
		if order.State != models.OrderCancelled || order.FinancialStatus != "refunded" {
			t.Errorf("stale update applied: state %q payment %q", order.State, order.FinancialStatus)
		}
	})
}

func shipmentFor(po models.PurchaseOrder, tracking string) (in purchasingShipment) {
	in.TrackingNumber, in.Carrier = tracking, "UPS"
	for _, l := range po.Lines {
		in.Lines = append(in.Lines, purchasingLine{LineID: l.ID, Quantity: l.Quantity})
	}
	return in
}

func TestPaidUpdateRoutesPendingOrder(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		addSampleSuppliers(h)
		t0 := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
		h.Webhook("orders/create", "p-1", sampleOrder(9004, "pending", false, t0))
		h.Idle()
		if n := h.Count("orders", "state = ?", models.OrderPending); n != 1 {
			t.Fatalf("pending orders = %d, want 1", n)
		}
		if n := h.Count("purchase_orders", ""); n != 0 {
			t.Fatalf("an unpaid order got %d POs", n)
		}
		h.Webhook("orders/paid", "p-2", sampleOrder(9004, "paid", false, t0.Add(time.Minute)))
		h.Eventually("three POs", func() bool { return h.Count("purchase_orders", "state = ?", models.POSent) == 3 })
		h.Idle()
		if n := h.Count("orders", "state = ?", models.OrderRouted); n != 1 {
			t.Errorf("routed orders = %d, want 1", n)
		}
	})
}

// Deliveries acknowledged by one process are worked by the next one after a
// restart: nothing acknowledged is lost, nothing is doubled.
func TestRestartWorksAcknowledgedDeliveries(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		first := apptest.Start(t, d, apptest.Options{NoWorkers: true})
		addSampleSuppliers(first)
		for i := range 10 {
			if res := first.Webhook("orders/create", fmt.Sprint("r-", i), sampleOrder(int64(9100+i), "paid", false, time.Time{})); res.StatusCode != 200 {
				t.Fatalf("delivery %d answered %d", i, res.StatusCode)
			}
		}
		first.Stop()
		second := apptest.Start(t, d, apptest.Options{DBURL: first.DBURL, Fake: first.Fake})
		second.Eventually("30 sent POs", func() bool { return second.Count("purchase_orders", "state = ?", models.POSent) == 30 })
		second.Idle()
		// Routing the same orders again, twice at once, creates nothing.
		var ids []int64
		apptest.Must(t, second.App.DB.Gorm.Table("orders").Pluck("id", &ids).Error)
		var wg sync.WaitGroup
		for _, id := range ids {
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := second.App.Pipeline.RouteOrder(context.Background(), id); err != nil {
						t.Errorf("route %d again: %v", id, err)
					}
				}()
			}
		}
		wg.Wait()
		if n := second.Count("purchase_orders", ""); n != 30 {
			t.Errorf("purchase orders = %d, want 30", n)
		}
		if n := second.Count("po_lines", ""); n != 30 {
			t.Errorf("po lines = %d, want 30", n)
		}
	})
}

func TestFulfillmentSurvivesThrottleAndServerError(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		addSampleSuppliers(h)
		const orderID = 9200
		h.Fake.AddOrder(apptest.Shop, fmt.Sprintf("gid://shopify/Order/%d", orderID), []fakeshopify.Line{
			{ID: fmt.Sprint(samples.LineID(orderID, 0)), Quantity: 1},
			{ID: fmt.Sprint(samples.LineID(orderID, 1)), Quantity: 2},
			{ID: fmt.Sprint(samples.LineID(orderID, 2)), Quantity: 1},
		})
		h.Webhook("orders/create", "f-1", sampleOrder(orderID, "paid", false, time.Time{}))
		h.Eventually("three sent POs", func() bool { return h.Count("purchase_orders", "state = ?", models.POSent) == 3 })
		var po models.PurchaseOrder
		apptest.Must(t, h.App.DB.Gorm.Preload("Lines").Where("sku = ?", "BH-MUG-12").
			Joins("JOIN po_lines ON po_lines.purchase_order_id = purchase_orders.id").Take(&po).Error)
		apptest.Must(t, h.App.DB.Gorm.Where("purchase_order_id = ?", po.ID).Find(&po.Lines).Error)
		ctx := context.Background()
		_, err := h.App.Purchasing.Accept(ctx, po.SupplierID, po.ID, "test")
		apptest.Must(t, err)

		// More than ordered is refused and nothing is pushed.
		over := shipmentFor(po, "TOO-MANY")
		over.Lines[0].Quantity = 3
		if _, err := h.App.Purchasing.AddShipment(ctx, po.SupplierID, po.ID, over); err == nil {
			t.Fatal("a shipment of 3 mugs out of 2 ordered was accepted")
		}

		h.Fake.Script(fakeshopify.Throttled(), fakeshopify.ServerError())
		_, err = h.App.Purchasing.AddShipment(ctx, po.SupplierID, po.ID, shipmentFor(po, "1Z-THROTTLED"))
		apptest.Must(t, err)
		h.Eventually("the shipment pushed", func() bool { return h.Count("shipments", "state = ?", models.ShipmentPushed) == 1 })
		fs := h.Fake.Fulfillments(apptest.Shop)
		if len(fs) != 1 {
			t.Fatalf("fake Shopify got %d fulfillments, want 1: %+v", len(fs), fs)
		}
		f := fs[0]
		if f.Tracking.Number != "1Z-THROTTLED" || f.Tracking.Company != "UPS" || !f.NotifyCustomer ||
			len(f.Lines) != 1 || f.Lines[0].Quantity != 2 || f.Lines[0].LineItemID != fmt.Sprint(samples.LineID(orderID, 1)) {
			t.Errorf("fulfillment = %+v", f)
		}
		var sh models.Shipment
		apptest.Must(t, h.App.DB.Gorm.Take(&sh).Error)
		if sh.RemoteID != f.ID {
			t.Errorf("stored remote id %q, want %q", sh.RemoteID, f.ID)
		}
	})
}

// A push whose answer is lost (the process died after Shopify created the
// fulfillment) is retried without fulfilling twice.
func TestLostFulfillmentAnswerIsNotDoubled(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		addSampleSuppliers(h)
		const orderID = 9300
		h.Fake.AddOrder(apptest.Shop, fmt.Sprintf("gid://shopify/Order/%d", orderID), []fakeshopify.Line{
			{ID: fmt.Sprint(samples.LineID(orderID, 0)), Quantity: 1},
			{ID: fmt.Sprint(samples.LineID(orderID, 1)), Quantity: 2},
			{ID: fmt.Sprint(samples.LineID(orderID, 2)), Quantity: 1},
		})
		h.Webhook("orders/create", "l-1", sampleOrder(orderID, "paid", false, time.Time{}))
		h.Eventually("three sent POs", func() bool { return h.Count("purchase_orders", "state = ?", models.POSent) == 3 })
		var po models.PurchaseOrder
		apptest.Must(t, h.App.DB.Gorm.Order("supplier_id").First(&po).Error)
		apptest.Must(t, h.App.DB.Gorm.Where("purchase_order_id = ?", po.ID).Find(&po.Lines).Error)
		ctx := context.Background()
		_, err := h.App.Purchasing.Accept(ctx, po.SupplierID, po.ID, "test")
		apptest.Must(t, err)
		h.Fake.Script(fakeshopify.LostResponse())
		_, err = h.App.Purchasing.AddShipment(ctx, po.SupplierID, po.ID, shipmentFor(po, "1Z-LOST"))
		apptest.Must(t, err)
		h.Eventually("the shipment pushed", func() bool { return h.Count("shipments", "state = ?", models.ShipmentPushed) == 1 })
		if fs := h.Fake.Fulfillments(apptest.Shop); len(fs) != 1 {
			t.Fatalf("fake Shopify got %d fulfillments, want 1", len(fs))
		}
	})
}
