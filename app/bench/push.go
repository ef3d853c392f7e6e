package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/platforms/shopify/fakeshopify"
	"github.com/consign/consign/app/purchasing"
	"github.com/consign/consign/models"
)

// CostMeter sits in front of a fake Shopify and sums what it charges, as
// its answers report it (extensions.cost), so the push scenario can compare
// the points spent with the restore rate.
type CostMeter struct {
	next http.Handler

	mu              sync.Mutex
	charged         float64
	throttled, r429 int
	first, last     time.Time
	level, maximum  float64
	restore         float64
}

// NewCostMeter wraps the fake's handler.
func NewCostMeter(next http.Handler) *CostMeter { return &CostMeter{next: next} }

type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(s int) { r.status = s; r.ResponseWriter.WriteHeader(s) }
func (r *recorder) Write(p []byte) (int, error) {
	r.body.Write(p)
	return r.ResponseWriter.Write(p)
}

func (m *CostMeter) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	m.next.ServeHTTP(rec, req)
	var answer struct {
		Errors []struct {
			Extensions struct{ Code string } `json:"extensions"`
		} `json:"errors"`
		Extensions struct {
			Cost *struct {
				ActualQueryCost *float64 `json:"actualQueryCost"`
				ThrottleStatus  struct {
					MaximumAvailable, CurrentlyAvailable, RestoreRate float64
				} `json:"throttleStatus"`
			} `json:"cost"`
		} `json:"extensions"`
	}
	_ = json.Unmarshal(rec.body.Bytes(), &answer)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.first.IsZero() {
		m.first = start
	}
	m.last = time.Now()
	if rec.status == http.StatusTooManyRequests {
		m.r429++
	}
	for _, e := range answer.Errors {
		if e.Extensions.Code == "THROTTLED" {
			m.throttled++
		}
	}
	if c := answer.Extensions.Cost; c != nil {
		if c.ActualQueryCost != nil {
			m.charged += *c.ActualQueryCost
		}
		m.level, m.maximum, m.restore = c.ThrottleStatus.CurrentlyAvailable, c.ThrottleStatus.MaximumAvailable, c.ThrottleStatus.RestoreRate
	}
}

// PushOptions configure the push scenario. The caller runs Consign's job
// workers on DB, with its Shopify client pointed at Meter, in front of Fake.
type PushOptions struct {
	DB         *database.DB
	Purchasing *purchasing.Service // adds the shipments, which queues their push jobs
	Fake       *fakeshopify.Server
	Meter      *CostMeter
	Shop       string // a connected shop, known to Fake with the connection's token
	Shipments  int
	Timeout    time.Duration
}

// PushReport compares the cost points the pushes spent per second with the
// restore rate the fake advertises.
type PushReport struct {
	Dialect           database.Dialect
	Shipments, Pushed int
	Failed            int
	Charged           float64 // points Shopify took
	Elapsed           time.Duration
	Gross, Net        float64 // points a second; Net leaves out the bucket's starting headroom
	Restore, Maximum  float64
	Throttled, R429   int // answers refused, each retried by the client
	Unhandled         int // shipments not pushed at the end
	PeakRSS           int64
}

func (r PushReport) String() string {
	return fmt.Sprintf("push %s %d shipments: %d pushed, %d failed, %.0f points in %s: %.1f points/s (%.1f gross) vs restore %.0f/s (bucket %.0f), ratio %.2fx | %d THROTTLED + %d 429 answers retried, %d unhandled | peak RSS %d MB",
		r.Dialect, r.Shipments, r.Pushed, r.Failed, r.Charged, r.Elapsed.Round(time.Millisecond), r.Net, r.Gross, r.Restore, r.Maximum,
		r.Net/r.Restore, r.Throttled, r.R429, r.Unhandled, r.PeakRSS>>20)
}

// Push adds one shipment to each of n accepted POs of fresh orders and
// waits until the job workers have pushed them all (or the timeout).
func Push(ctx context.Context, o PushOptions) (PushReport, error) {
	rep := PushReport{Dialect: o.DB.Dialect, Shipments: o.Shipments}
	g := o.DB.Gorm.WithContext(ctx)
	var conn models.Connection
	if err := g.Where("platform = ? AND shop = ?", models.PlatformShopify, o.Shop).Take(&conn).Error; err != nil {
		return rep, fmt.Errorf("load connection of %s: %w", o.Shop, err)
	}
	now := time.Now().UTC()
	run := now.UnixNano() % 1_000_000_000
	sup := models.Account{Name: "Bench push supplier", IsSupplier: true, Currency: "USD", RoutingTrigger: "paid", CreatedAt: now, UpdatedAt: now}
	if err := g.Create(&sup).Error; err != nil {
		return rep, fmt.Errorf("create bench supplier: %w", err)
	}
	type ready struct {
		po    int64
		lines []int64
	}
	var pos []ready
	for i := range o.Shipments {
		ext := fmt.Sprint(run*10_000 + int64(i))
		gid := "gid://shopify/Order/" + ext
		order := models.Order{ConnectionID: conn.ID, RetailerID: conn.AccountID, Platform: models.PlatformShopify, ExternalID: ext, GID: gid,
			Name: "#B" + ext, Currency: "USD", FinancialStatus: "paid", ShipTo: "{}", State: models.OrderRouted,
			PlatformUpdatedAt: now, CreatedAt: now, UpdatedAt: now,
			Lines: []models.OrderLine{
				{ExternalID: ext + "1", SKU: "A", Quantity: 1, FulfillableQuantity: 1, UnitPrice: 1000, RequiresShipping: true},
				{ExternalID: ext + "2", SKU: "B", Quantity: 2, FulfillableQuantity: 2, UnitPrice: 1000, RequiresShipping: true},
			}}
		if err := g.Create(&order).Error; err != nil {
			return rep, fmt.Errorf("store bench order: %w", err)
		}
		o.Fake.AddOrder(o.Shop, gid, []fakeshopify.Line{{ID: ext + "1", Quantity: 1}, {ID: ext + "2", Quantity: 2}})
		po := models.PurchaseOrder{Number: "PO-B" + ext, OrderID: order.ID, RetailerID: conn.AccountID, SupplierID: sup.ID,
			State: models.POAccepted, Currency: "USD", TotalCost: 3000, ShipTo: "{}", CreatedAt: now, UpdatedAt: now}
		for _, l := range order.Lines {
			po.Lines = append(po.Lines, models.POLine{OrderLineID: l.ID, SKU: l.SKU, Quantity: l.Quantity, Cost: 1000, State: models.LineAccepted})
		}
		if err := g.Create(&po).Error; err != nil {
			return rep, fmt.Errorf("store bench purchase order: %w", err)
		}
		pos = append(pos, ready{po.ID, []int64{po.Lines[0].ID, po.Lines[1].ID}})
	}

	ids := make([]int64, 0, len(pos))
	for i, p := range pos {
		sh, err := o.Purchasing.AddShipment(ctx, sup.ID, p.po, purchasing.ShipmentInput{
			Carrier: "UPS", TrackingNumber: fmt.Sprintf("1ZB%d%05d", run, i),
			Lines: []purchasing.ShipmentLineInput{{LineID: p.lines[0], Quantity: 1}, {LineID: p.lines[1], Quantity: 2}},
		})
		if err != nil {
			return rep, fmt.Errorf("add bench shipment: %w", err)
		}
		ids = append(ids, sh.ID)
	}

	deadline := time.Now().Add(o.Timeout)
	for {
		var states []struct {
			State string
			N     int
		}
		if err := g.Model(&models.Shipment{}).Select("state, COUNT(*) AS n").Where("id IN ?", ids).Group("state").Scan(&states).Error; err != nil {
			return rep, fmt.Errorf("count pushed shipments: %w", err)
		}
		rep.Pushed, rep.Failed = 0, 0
		for _, s := range states {
			switch s.State {
			case models.ShipmentPushed:
				rep.Pushed = s.N
			case models.ShipmentFailed:
				rep.Failed = s.N
			}
		}
		if rep.Pushed+rep.Failed == len(ids) || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return rep, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	rep.Unhandled = len(ids) - rep.Pushed

	m := o.Meter
	m.mu.Lock()
	defer m.mu.Unlock()
	rep.Charged, rep.Throttled, rep.R429 = m.charged, m.throttled, m.r429
	rep.Restore, rep.Maximum = m.restore, m.maximum
	rep.Elapsed = m.last.Sub(m.first)
	if s := rep.Elapsed.Seconds(); s > 0 {
		rep.Gross = rep.Charged / s
		// The bucket starts full; what it held above its closing level was
		// spent without waiting for the restore.
		rep.Net = (rep.Charged - (m.maximum - m.level)) / s
	}
	rep.PeakRSS = PeakRSS()
	return rep, nil
}
