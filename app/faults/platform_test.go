package faults_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/platforms/shopify/fakeshopify"
	"github.com/consign/consign/app/purchasing"
	"github.com/consign/consign/app/samples"
	"github.com/consign/consign/models"
)

// Shopify answering fulfillment pushes with 429s, THROTTLED, 500s, slow
// answers and lost answers, under its real cost-bucket limit: every
// shipment still ends as exactly one fulfillment with its tracking, and
// Consign obeys every wait Shopify asks for.
func TestPlatformFaults(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		const shipments = 40
		rng := newRand(t)
		// A bucket that holds two order queries and refills in a second:
		// pushes must pace themselves or be throttled.
		const restoreRate = 1600
		fake := fakeshopify.New(fakeshopify.Options{EnforceRateLimit: true, MaximumAvailable: 1600, RestoreRate: restoreRate})
		fake.SetToken(apptest.Shop, apptest.Token)
		h := apptest.Start(t, d, apptest.Options{Fake: fake, RetryPolicy: quickRetry(200 * time.Millisecond)})
		addSampleSuppliers(h)

		// One single-line order per shipment, so every request to Shopify
		// concerns one shipment's order.
		for i := range shipments {
			id := int64(6_000_000 + i)
			p := samples.Products[rng.IntN(len(samples.Products))]
			o := samples.Order{ID: id, Number: 5000 + i, Lines: []samples.OrderLine{{Product: p, Quantity: 1 + rng.IntN(3)}}}
			fake.AddOrder(apptest.Shop, gid(id), []fakeshopify.Line{{ID: fmt.Sprint(samples.LineID(id, 0)), Quantity: o.Lines[0].Quantity}})
			if res := h.Webhook("orders/create", fmt.Sprint("pf-", id), samples.ShopifyOrder(o)); res.StatusCode != http.StatusOK {
				t.Fatalf("order %d answered %d", id, res.StatusCode)
			}
		}
		settled(t, h, 60*time.Second, shipments, shipments)

		faults := randomFaults(rng, 6*shipments)
		fake.Script(faults...)
		var pos []models.PurchaseOrder
		apptest.Must(t, h.App.DB.Gorm.Preload("Lines").Preload("Order").Order("id").Find(&pos).Error)
		ctx := context.Background()
		want := make(map[string]string) // order GID -> the fulfillment it must get
		for _, po := range pos {
			_, err := h.App.Purchasing.Accept(ctx, po.SupplierID, po.ID, "test")
			apptest.Must(t, err)
			in := purchasing.ShipmentInput{Carrier: "UPS", TrackingNumber: "1Z-" + po.Number, TrackingURL: "https://track.example/" + po.Number}
			in.Lines = []purchasing.ShipmentLineInput{{LineID: po.Lines[0].ID, Quantity: po.Lines[0].Quantity}}
			_, err = h.App.Purchasing.AddShipment(ctx, po.SupplierID, po.ID, in)
			apptest.Must(t, err)
			want[po.Order.GID] = fmt.Sprintf("UPS %s %s line %s x%d", in.TrackingNumber, in.TrackingURL, po.Order.ExternalID+"01", po.Lines[0].Quantity)
		}
		start := time.Now()
		waitFor(t, 100*time.Second, fmt.Sprintf("%d pushed shipments", shipments), func() (bool, string) {
			pushed := h.Count("shipments", "state = ?", models.ShipmentPushed)
			failed := h.Count("shipments", "state = ?", models.ShipmentFailed)
			if failed > 0 {
				var errs []string
				h.App.DB.Gorm.Table("shipments").Where("state = ?", models.ShipmentFailed).Pluck("error", &errs)
				t.Fatalf("%d shipments failed: %v", failed, errs)
			}
			return pushed == shipments, fmt.Sprintf("%d pushed, jobs %v", pushed, unfinishedJobs(t, h))
		})
		t.Logf("pushed %d shipments in %s through %d scripted faults", shipments, time.Since(start).Round(time.Millisecond), len(faults))

		// Exactly one fulfillment per shipment, with its tracking.
		got := make(map[string]string)
		foOrder := make(map[string]string) // fulfillment order -> order GID
		for _, f := range fake.Fulfillments(apptest.Shop) {
			if _, dup := got[f.OrderGID]; dup {
				t.Errorf("order %s fulfilled twice", f.OrderGID)
			}
			var lines []string
			for _, l := range f.Lines {
				lines = append(lines, fmt.Sprintf("line %s x%d", l.LineItemID, l.Quantity))
				foOrder[l.FulfillmentOrderID] = f.OrderGID
			}
			got[f.OrderGID] = fmt.Sprintf("%s %s %s %s", f.Tracking.Company, f.Tracking.Number, f.Tracking.URL, strings.Join(lines, ", "))
		}
		for g, w := range want {
			if got[g] != w {
				t.Errorf("order %s: fulfillment %q, want %q", g, got[g], w)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%d fulfillments, want %d", len(got), len(want))
		}
		var stored []models.Shipment
		apptest.Must(t, h.App.DB.Gorm.Find(&stored).Error)
		for _, s := range stored {
			if !strings.HasPrefix(s.RemoteID, "gid://shopify/Fulfillment/") {
				t.Errorf("shipment %d recorded remote id %q", s.ID, s.RemoteID)
			}
		}

		checkWaitsObeyed(t, fake.Requests(), foOrder, restoreRate)
	})
}

// checkWaitsObeyed checks, for each order, that no request followed a 429
// before its Retry-After, nor a THROTTLED answer before the bucket it
// reported had refilled to the request's cost (unless a newer answer
// reported a fuller bucket in between).
func checkWaitsObeyed(t *testing.T, requests []fakeshopify.Request, foOrder map[string]string, restoreRate float64) {
	t.Helper()
	byOrder := make(map[string][]fakeshopify.Request)
	counts := make(map[string]int)
	var fresh []time.Time // arrivals of requests answered with a real bucket reading
	for _, r := range requests {
		key := requestOrder(t, r, foOrder)
		byOrder[key] = append(byOrder[key], r)
		switch {
		case r.Status == http.StatusTooManyRequests:
			counts["429"]++
		case r.Throttled && r.Fault != "":
			counts["THROTTLED (scripted)"]++
		case r.Throttled:
			counts["THROTTLED (bucket)"]++
		case r.Status >= 500:
			counts["5xx"]++
		case r.Status == http.StatusOK:
			fresh = append(fresh, r.At)
		}
	}
	t.Logf("%d requests to Shopify: %v", len(requests), counts)
	if counts["429"] == 0 || counts["THROTTLED (scripted)"] == 0 {
		t.Errorf("the scripted faults were not all met: %v", counts)
	}
	sort.Slice(fresh, func(i, j int) bool { return fresh[i].Before(fresh[j]) })
	freshBetween := func(a, b time.Time) bool {
		i := sort.Search(len(fresh), func(i int) bool { return fresh[i].After(a) })
		return i < len(fresh) && fresh[i].Before(b)
	}
	cost := map[string]float64{"order": 755, "fulfillmentCreate": 10} // as the fake prices them
	const slack = 20 * time.Millisecond                               // the fake's clock is read a moment after the client's
	for key, rs := range byOrder {
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].At.Before(rs[j].At) })
		for i := 0; i+1 < len(rs); i++ {
			r, next := rs[i], rs[i+1]
			gap := next.At.Sub(r.At)
			var need time.Duration
			switch {
			case r.Status == http.StatusTooManyRequests:
				need = retryAfterOf(t, r.Fault)
			case r.Throttled && r.Fault != "" && !freshBetween(r.At, next.At):
				// The scripted THROTTLED reports a bucket one second of
				// refill (or the whole cost, if less) short.
				need = time.Duration(min(cost[r.Operation], restoreRate) / restoreRate * float64(time.Second))
			case r.Throttled && !freshBetween(r.At, next.At):
				need = time.Millisecond // at least not at once
			default:
				continue
			}
			if gap < need-slack {
				t.Errorf("order %s: %s answered %d (%s) at %s, next request %s later, want at least %s",
					key, r.Operation, r.Status, r.Fault, r.At.Format("15:04:05.000"), gap, need)
			}
		}
	}
}

// requestOrder names the order a request to the fake concerns.
func requestOrder(t *testing.T, r fakeshopify.Request, foOrder map[string]string) string {
	var v struct {
		ID          string `json:"id"`
		Fulfillment struct {
			ByFO []struct {
				FulfillmentOrderID string `json:"fulfillmentOrderId"`
			} `json:"lineItemsByFulfillmentOrder"`
		} `json:"fulfillment"`
	}
	if err := json.Unmarshal(r.Variables, &v); err != nil {
		t.Fatalf("request variables %s: %v", r.Variables, err)
	}
	if v.ID != "" {
		return v.ID
	}
	if len(v.Fulfillment.ByFO) > 0 {
		if o, ok := foOrder[v.Fulfillment.ByFO[0].FulfillmentOrderID]; ok {
			return o
		}
		return v.Fulfillment.ByFO[0].FulfillmentOrderID
	}
	return "?"
}

// retryAfterOf reads the wait of a "TooManyRequests(1.5s)" fault.
func retryAfterOf(t *testing.T, fault string) time.Duration {
	s := strings.TrimSuffix(strings.TrimPrefix(fault, "TooManyRequests("), ")")
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("cannot read the Retry-After of fault %q", fault)
	}
	return d
}

// randomFaults scripts n answers, about half of them plain (a zero delay).
// Retry-After values are whole tenths of a second, as the fake sends them.
func randomFaults(rng *rand.Rand, n int) []fakeshopify.Fault {
	out := make([]fakeshopify.Fault, n)
	for i := range out {
		switch rng.IntN(12) {
		case 0, 1:
			out[i] = fakeshopify.TooManyRequests(time.Duration(3+rng.IntN(10)) * 100 * time.Millisecond)
		case 2:
			out[i] = fakeshopify.Throttled()
		case 3:
			out[i] = fakeshopify.ServerError()
		case 4:
			out[i] = fakeshopify.Delay(time.Duration(50+rng.IntN(400)) * time.Millisecond)
		case 5:
			out[i] = fakeshopify.LostResponse()
		default:
			out[i] = fakeshopify.Delay(0)
		}
	}
	return out
}

func gid(orderID int64) string { return fmt.Sprintf("gid://shopify/Order/%d", orderID) }
