package faults_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/database/dbtest"
	"github.com/consign/consign/app/money"
	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/app/samples"
	"github.com/consign/consign/models"
)

// eachDialect runs fn once per dialect under test.
func eachDialect(t *testing.T, fn func(t *testing.T, d database.Dialect)) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) { fn(t, d) })
	}
}

// newRand returns a random source seeded from FAULTS_SEED when set (to
// replay a failure), otherwise from the clock; the seed is logged.
func newRand(t *testing.T) *rand.Rand {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("FAULTS_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("FAULTS_SEED=%q: %v", s, err)
		}
		seed = v
	}
	t.Logf("random seed %d (replay with FAULTS_SEED=%d)", seed, seed)
	return rand.New(rand.NewPCG(seed, seed^0x5eed))
}

// delivery is one webhook delivery as Shopify would send it.
type delivery struct {
	ID    string // X-Shopify-Webhook-Id
	Topic string
	Order int // index of the order it carries
	Body  []byte
}

// webhookClient posts signed deliveries; its errors are returned, never
// fatal, so it can run on any goroutine.
var webhookClient = &http.Client{Timeout: 20 * time.Second}

// post sends d to baseURL's Shopify webhook endpoint, signed with the app
// secret, and returns the status answered.
func post(ctx context.Context, baseURL string, d delivery) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/webhooks/shopify", bytes.NewReader(d.Body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Shopify-Topic", d.Topic)
	req.Header.Set("X-Shopify-Shop-Domain", apptest.Shop)
	req.Header.Set("X-Shopify-Webhook-Id", d.ID)
	req.Header.Set("X-Shopify-Hmac-Sha256", shopify.Sign([]byte(apptest.Secret), d.Body))
	res, err := webhookClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(res.Body)
	return res.StatusCode, nil
}

// sampleOrders makes n paid sample orders with ids from firstID: three lines,
// one product of each sample supplier, one or two of each (one when there
// are so many orders that two could exhaust the catalog's stock of 500).
func sampleOrders(rng *rand.Rand, n int, firstID int64) []samples.Order {
	maxQty := 2
	if n > 500 {
		maxQty = 1
	}
	bySupplier := make([][]samples.Product, len(samples.Suppliers))
	for _, p := range samples.Products {
		bySupplier[p.Supplier] = append(bySupplier[p.Supplier], p)
	}
	out := make([]samples.Order, n)
	for i := range out {
		o := samples.Order{ID: firstID + int64(i), Number: 1001 + i}
		for _, ps := range bySupplier {
			o.Lines = append(o.Lines, samples.OrderLine{Product: ps[rng.IntN(len(ps))], Quantity: 1 + rng.IntN(maxQty)})
		}
		out[i] = o
	}
	return out
}

// addSampleSuppliers adds the sample suppliers with their catalogs.
func addSampleSuppliers(h *apptest.Harness) {
	for i, s := range samples.Suppliers {
		h.AddSupplier(s.Name, 10*(i+1), samples.CatalogCSV(i))
	}
}

// poLines is what a purchase-order table says about orders: for each
// "order external id / supplier name", the PO count and its sorted lines.
type poLines map[string][]string

// expectedPOs is what routing must make of orders, from the sample data:
// one PO per supplier an order has lines of, each line at the catalog cost.
func expectedPOs(t *testing.T, orders []samples.Order) poLines {
	t.Helper()
	want := make(poLines)
	stock := make(map[string]int)
	for _, o := range orders {
		for _, l := range o.Lines {
			cost, err := money.Parse(l.Product.Cost, "USD")
			if err != nil {
				t.Fatal(err)
			}
			key := fmt.Sprintf("%d / %s", o.ID, samples.Suppliers[l.Product.Supplier].Name)
			want[key] = append(want[key], fmt.Sprintf("%s x%d @%d", l.Product.SKU, l.Quantity, cost))
			stock[l.Product.SKU] += l.Quantity
		}
	}
	for sku, n := range stock {
		// The sample catalogs hold 500 of each item; more would leave lines
		// unrouted and the expectation above wrong.
		if n > 500 {
			t.Fatalf("the orders need %d of %s, the catalog holds 500", n, sku)
		}
	}
	for k := range want {
		want[k] = append([]string{"1 PO"}, sorted(want[k])...)
	}
	return want
}

// storedPOs reads the same view from the database.
func storedPOs(t *testing.T, h *apptest.Harness) poLines {
	t.Helper()
	type row struct {
		ExternalID string
		Supplier   string
		POID       int64
		SKU        string
		Quantity   int
		Cost       int64
	}
	var rows []row
	err := h.App.DB.Gorm.Raw(`SELECT o.external_id, a.name AS supplier, p.id AS po_id, l.sku, l.quantity, l.cost
		FROM purchase_orders p
		JOIN orders o ON o.id = p.order_id
		JOIN accounts a ON a.id = p.supplier_id
		LEFT JOIN po_lines l ON l.purchase_order_id = p.id`).Scan(&rows).Error
	if err != nil {
		t.Fatalf("read purchase orders: %v", err)
	}
	got := make(poLines)
	pos := make(map[string]map[int64]bool)
	for _, r := range rows {
		key := r.ExternalID + " / " + r.Supplier
		if pos[key] == nil {
			pos[key] = make(map[int64]bool)
		}
		pos[key][r.POID] = true
		got[key] = append(got[key], fmt.Sprintf("%s x%d @%d", r.SKU, r.Quantity, r.Cost))
	}
	for k := range got {
		got[k] = append([]string{fmt.Sprintf("%d PO", len(pos[k]))}, sorted(got[k])...)
	}
	return got
}

// comparePOs reports every difference between two views, a few at most.
func comparePOs(t *testing.T, got, want poLines) {
	t.Helper()
	var diffs []string
	for k, w := range want {
		if g, ok := got[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: missing, want %v", k, w))
		} else if !slices.Equal(g, w) {
			diffs = append(diffs, fmt.Sprintf("%s: got %v, want %v", k, g, w))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: unexpected %v", k, g))
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		t.Errorf("%d purchase-order differences, first ones:\n%s", len(diffs), strings.Join(diffs[:min(len(diffs), 10)], "\n"))
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// waitFor polls cond until it holds or timeout passes; cond's text says
// where things stand, for the failure message.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var state string
	for {
		var ok bool
		if ok, state = cond(); ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s still waiting for %s: %s", timeout, what, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// unfinishedJobs counts jobs not yet completed, by state.
func unfinishedJobs(t *testing.T, h *apptest.Harness) map[string]int64 {
	t.Helper()
	var rows []struct {
		State string
		N     int64
	}
	if err := h.App.DB.Gorm.Raw(`SELECT state, COUNT(*) AS n FROM river_job WHERE state <> 'completed' GROUP BY state`).Scan(&rows).Error; err != nil {
		t.Fatalf("count jobs: %v", err)
	}
	out := make(map[string]int64)
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out
}

// settled waits until orders have all their POs delivered and no job is
// left to run, then checks no job was given up on.
func settled(t *testing.T, h *apptest.Harness, timeout time.Duration, orders, pos int64) {
	t.Helper()
	waitFor(t, timeout, fmt.Sprintf("%d orders with %d sent POs and an idle queue", orders, pos), func() (bool, string) {
		o := h.Count("orders", "")
		sent := h.Count("purchase_orders", "state = ?", models.POSent)
		jobs := unfinishedJobs(t, h)
		busy := jobs["available"] + jobs["running"] + jobs["retryable"] + jobs["scheduled"] + jobs["pending"]
		return o == orders && sent == pos && busy == 0, fmt.Sprintf("orders %d, sent POs %d, unfinished jobs %v", o, sent, jobs)
	})
	if jobs := unfinishedJobs(t, h); jobs["discarded"]+jobs["cancelled"] > 0 {
		t.Errorf("jobs given up on: %v", jobs)
	}
}

// quickRetry retries a failed job after a fixed short delay instead of
// River's attempt^4 seconds.
type quickRetry time.Duration

func (q quickRetry) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(time.Duration(q)) }
