// Package channelstest gives a channel edge's tests what the edge runs
// against in production, without the rest of the app: a fresh migrated
// database of each dialect, a River client that inserts real jobs, the
// purchasing and channels services, and a retailer, a supplier on a
// channel and a sent PO to answer.
package channelstest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/consign/consign/app/canonical"
	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/database/dbtest"
	"github.com/consign/consign/app/ingest"
	"github.com/consign/consign/app/money"
	"github.com/consign/consign/app/pipeline"
	"github.com/consign/consign/app/purchasing"
	"github.com/consign/consign/app/queue"
	"github.com/consign/consign/app/secrets"
	"github.com/consign/consign/models"
)

// World is one database with the services over it.
type World struct {
	T          testing.TB
	DB         *database.DB
	Jobs       *river.Client[*sql.Tx]
	Purchasing *purchasing.Service
	Channels   *channels.Service
	Now        time.Time
}

// Each runs fn once per dialect (SQLite always, Postgres when reachable)
// with a fresh World whose Channels run edge for channel.
func Each(t *testing.T, channel string, edge channels.Edge, fn func(t *testing.T, w *World)) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) { fn(t, New(t, d, channel, edge)) })
	}
}

// New builds a World on a fresh database of the dialect.
func New(t testing.TB, d database.Dialect, channel string, edge channels.Edge) *World {
	t.Helper()
	db := dbtest.Open(t, d)
	w := &World{T: t, DB: db, Now: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	now := func() time.Time { return w.Now }
	jobs, err := queue.NewClient(db, nil, queue.DefaultConfig(d), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ring, err := secrets.NewKeyring(secrets.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	w.Jobs = jobs
	w.Purchasing = &purchasing.Service{DB: db, Queue: jobs, Now: now}
	w.Channels = &channels.Service{DB: db, Queue: jobs, Ingester: &ingest.Ingester{DB: db, Queue: jobs, Now: now},
		Purchasing: w.Purchasing, Sealer: ring, Edges: map[string]channels.Edge{channel: edge}, Now: now,
		Log: slog.New(slog.DiscardHandler)}
	w.Purchasing.Channels = w.Channels
	return w
}

// Line is a PO line to create.
type Line struct {
	SKU, GTIN, Title string
	Quantity         int
	Cost             string // decimal, in USD
}

// Trade is a retailer, a supplier on a channel, and a PO between them.
type Trade struct {
	Retailer, Supplier models.Account
	Partnership        models.Partnership
	Order              models.Order
	PO                 models.PurchaseOrder
}

// Trade creates a retailer, a supplier on channel with settings (and
// secrets, sealed), an order and a pending PO of lines, then delivers the
// PO through the channels service, as the deliver job does.
func (w *World) Trade(channel string, settings channels.Settings, secret *channels.Secrets, number string, lines ...Line) Trade {
	t := w.T
	t.Helper()
	var tr Trade
	db := w.DB.Gorm
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	tr.Retailer = models.Account{Name: "Northwind Outfitters", Email: "shop@northwind.example", IsRetailer: true, Currency: "USD",
		RoutingTrigger: "paid", LateAcceptHours: 24, LateShipDays: 3, CreatedAt: w.Now, UpdatedAt: w.Now}
	must(db.Create(&tr.Retailer).Error)
	tr.Supplier = models.Account{Name: "Blue Harbor Goods", Email: "orders@blueharbor.example", IsSupplier: true, Currency: "USD",
		RoutingTrigger: "paid", LateAcceptHours: 24, LateShipDays: 3, CreatedAt: w.Now, UpdatedAt: w.Now}
	must(db.Create(&tr.Supplier).Error)
	raw, err := json.Marshal(settings)
	must(err)
	tr.Partnership = models.Partnership{RetailerID: tr.Retailer.ID, SupplierID: tr.Supplier.ID, Strategy: "priority", Priority: 10,
		Channel: channel, Active: true, ChannelSettings: string(raw), CreatedAt: w.Now, UpdatedAt: w.Now}
	if secret != nil {
		plain, err := json.Marshal(secret)
		must(err)
		tr.Partnership.ChannelSecret, err = w.Channels.Sealer.Seal(string(plain))
		must(err)
	}
	must(db.Create(&tr.Partnership).Error)
	// One store per trade, so a world holds several.
	conn := models.Connection{AccountID: tr.Retailer.ID, Platform: models.PlatformShopify,
		Shop:        "northwind-" + strings.ToLower(fileSafe(number)) + ".myshopify.com",
		InstalledAt: w.Now, CreatedAt: w.Now, UpdatedAt: w.Now}
	must(db.Create(&conn).Error)
	shipTo, err := json.Marshal(canonical.Address{Name: "Grace Hopper", Address1: "1 Compiler Rd", City: "Arlington",
		Province: "VA", ProvinceCode: "VA", Zip: "22201", CountryCode: "US", Phone: "+1 555 0100"})
	must(err)
	tr.Order = models.Order{ConnectionID: conn.ID, RetailerID: tr.Retailer.ID, Platform: models.PlatformShopify,
		ExternalID: "1003" + number, Name: "#1003", Number: 1003, Currency: "USD", FinancialStatus: "paid",
		ShipTo: string(shipTo), State: models.OrderRouted, PlatformUpdatedAt: w.Now, CreatedAt: w.Now, UpdatedAt: w.Now}
	must(db.Create(&tr.Order).Error)
	tr.PO = models.PurchaseOrder{Number: number, OrderID: tr.Order.ID, RetailerID: tr.Retailer.ID, SupplierID: tr.Supplier.ID,
		State: models.POPending, Currency: "USD", ShipTo: string(shipTo), CreatedAt: w.Now, UpdatedAt: w.Now}
	must(db.Create(&tr.PO).Error)
	for i, l := range lines {
		cost, err := money.Parse(l.Cost, "USD")
		must(err)
		item := models.CatalogItem{SupplierID: tr.Supplier.ID, SKU: l.SKU, GTIN: l.GTIN, Title: l.Title, Cost: cost,
			Currency: "USD", Active: true, CreatedAt: w.Now, UpdatedAt: w.Now}
		stock := 100
		item.Inventory = &stock
		must(db.Create(&item).Error)
		ol := models.OrderLine{OrderID: tr.Order.ID, ExternalID: fmt.Sprint(9000 + i), VariantID: fmt.Sprint(4000 + i), SKU: l.SKU,
			GTIN: l.GTIN, Title: l.Title, Quantity: l.Quantity, FulfillableQuantity: l.Quantity, RequiresShipping: true}
		must(db.Create(&ol).Error)
		pl := models.POLine{PurchaseOrderID: tr.PO.ID, OrderLineID: ol.ID, CatalogItemID: &item.ID, SKU: l.SKU, Title: l.Title,
			Quantity: l.Quantity, Cost: cost, State: models.LineOpen}
		must(db.Create(&pl).Error)
		tr.PO.TotalCost += cost * money.Amount(l.Quantity)
	}
	must(db.Model(&tr.PO).Update("total_cost", tr.PO.TotalCost).Error)
	must(w.Purchasing.Deliver(context.Background(), tr.PO.ID))
	must(db.Preload("Lines", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).Take(&tr.PO, tr.PO.ID).Error)
	return tr
}

func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, s)
}

// Outbound lists the partnership's stored outbound messages, oldest first.
func (w *World) Outbound(partnershipID int64) []models.OutboundMessage {
	w.T.Helper()
	var out []models.OutboundMessage
	if err := w.DB.Gorm.Where("partnership_id = ?", partnershipID).Order("id").Find(&out).Error; err != nil {
		w.T.Fatal(err)
	}
	return out
}

// Send runs the send job of every queued message of the partnership, as
// the worker would, and returns each one's error.
func (w *World) Send(partnershipID int64) []error {
	w.T.Helper()
	var errs []error
	for _, m := range w.Outbound(partnershipID) {
		if m.State == models.MessageQueued {
			errs = append(errs, w.Channels.SendMessage(context.Background(), m.ID, 1, 25))
		}
	}
	return errs
}

// Receive stores a message from the partner as the channel's inbound path
// does, and returns its event.
func (w *World) Receive(tr Trade, topic, dedupKey string, headers map[string]string, body []byte) models.WebhookEvent {
	w.T.Helper()
	var id int64
	err := w.DB.Gorm.Transaction(func(tx *gorm.DB) error {
		var err error
		_, id, err = w.Channels.Receive(context.Background(), tx, ingest.Message{PartnershipID: tr.Partnership.ID,
			Channel: tr.Partnership.Channel, Topic: topic, DedupKey: dedupKey, Headers: headers, Body: body})
		return err
	})
	if err != nil {
		w.T.Fatal(err)
	}
	var ev models.WebhookEvent
	if id != 0 {
		if err := w.DB.Gorm.Take(&ev, id).Error; err != nil {
			w.T.Fatal(err)
		}
	}
	return ev
}

// Process runs handler on an event in a transaction, as the pipeline does,
// and returns the event as it ends: processed with the handler's note, or
// failed with its reason when the handler refused it as malformed.
func (w *World) Process(handler pipeline.TopicHandler, ev models.WebhookEvent) models.WebhookEvent {
	w.T.Helper()
	p := &pipeline.Pipeline{DB: w.DB, Queue: w.Jobs, Now: func() time.Time { return w.Now }, Log: slog.New(slog.DiscardHandler),
		Topics: map[string]pipeline.TopicHandler{ev.Platform + " " + ev.Topic: handler}}
	if err := w.DB.Gorm.Model(&models.WebhookEvent{}).Where("id = ?", ev.ID).
		Updates(map[string]any{"state": models.EventReceived, "error": ""}).Error; err != nil {
		w.T.Fatal(err)
	}
	if err := p.ProcessEvent(context.Background(), ev.ID); err != nil {
		w.T.Fatalf("process event %d: %v", ev.ID, err)
	}
	var out models.WebhookEvent
	if err := w.DB.Gorm.Take(&out, ev.ID).Error; err != nil {
		w.T.Fatal(err)
	}
	return out
}

// PO reads a PO with its lines.
func (w *World) PO(id int64) models.PurchaseOrder {
	w.T.Helper()
	var po models.PurchaseOrder
	if err := w.DB.Gorm.Preload("Lines", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).Take(&po, id).Error; err != nil {
		w.T.Fatal(err)
	}
	return po
}

// Shipments lists a PO's shipments with their lines.
func (w *World) Shipments(poID int64) []models.Shipment {
	w.T.Helper()
	var out []models.Shipment
	if err := w.DB.Gorm.Preload("Lines").Where("purchase_order_id = ?", poID).Order("id").Find(&out).Error; err != nil {
		w.T.Fatal(err)
	}
	return out
}

// History is a PO's history reasons, oldest first.
func (w *World) History(poID int64) []string {
	w.T.Helper()
	var evs []models.POEvent
	if err := w.DB.Gorm.Where("purchase_order_id = ?", poID).Order("id").Find(&evs).Error; err != nil {
		w.T.Fatal(err)
	}
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ToState + ": " + e.Reason
	}
	return out
}
