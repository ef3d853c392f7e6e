package faults_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/samples"
	"github.com/consign/consign/models"
)

// Shopify delivers at least once: the same order comes again under the same
// delivery id (a retry) or a new one (orders/create then orders/paid),
// concurrently and out of order. Whatever the mix, each order is stored
// once and gets exactly its purchase orders.
func TestDuplicateDeliveries(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		const deliveries, clients = 2000, 32
		orders := 500
		if d == database.SQLite {
			// One writer: 2,000 deliveries of 500 orders take SQLite about
			// as long as the whole package may; 200 orders in 800
			// deliveries make the same mix of repeats.
			orders = 200
		}
		total := deliveries * orders / 500
		rng := newRand(t)
		h := apptest.Start(t, d, apptest.Options{})
		addSampleSuppliers(h)
		sample := sampleOrders(rng, orders, 7_000_000)
		want := expectedPOs(t, sample)

		// Each order is sent 1 to 5 times, total times in all: start every
		// order at total/orders, then move sends between random orders.
		times := make([]int, orders)
		for i := range times {
			times[i] = total / orders
		}
		for range orders * 4 {
			from, to := rng.IntN(orders), rng.IntN(orders)
			if times[from] > 1 && times[to] < 5 {
				times[from]--
				times[to]++
			}
		}
		// Each send reuses one of the order's k delivery ids (a retry of
		// that delivery) or is a distinct delivery, k in 1..times.
		var list []delivery
		ids := make(map[string]bool)
		for i, o := range sample {
			body := samples.ShopifyOrder(o)
			k := 1 + rng.IntN(times[i])
			for range times[i] {
				n := rng.IntN(k)
				topic := "orders/create"
				if n%2 == 1 {
					topic = "orders/paid"
				}
				id := fmt.Sprintf("dup-%d-%d", o.ID, n)
				ids[id] = true
				list = append(list, delivery{ID: id, Topic: topic, Order: i, Body: body})
			}
		}
		if len(list) != total {
			t.Fatalf("built %d deliveries, want %d", len(list), total)
		}
		rng.Shuffle(len(list), func(i, j int) { list[i], list[j] = list[j], list[i] })
		t.Logf("%d deliveries of %d orders under %d delivery ids", len(list), orders, len(ids))

		start := time.Now()
		work := make(chan delivery)
		var mu sync.Mutex
		bad := map[string]int{}
		var wg sync.WaitGroup
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for dl := range work {
					status, err := post(context.Background(), h.URL, dl)
					if err != nil || status != http.StatusOK {
						mu.Lock()
						bad[fmt.Sprintf("%d %v", status, err)]++
						mu.Unlock()
					}
				}
			}()
		}
		for _, dl := range list {
			work <- dl
		}
		close(work)
		wg.Wait()
		t.Logf("sent in %s", time.Since(start).Round(time.Millisecond))
		if len(bad) > 0 {
			t.Fatalf("deliveries not answered 200: %v", bad)
		}

		settled(t, h, 90*time.Second, int64(orders), int64(3*orders))
		t.Logf("settled %s after the first delivery", time.Since(start).Round(time.Millisecond))
		if n := h.Count("webhook_events", ""); n != int64(len(ids)) {
			t.Errorf("webhook events = %d, want one per delivery id: %d", n, len(ids))
		}
		if n := h.Count("webhook_events", "state <> ?", models.EventProcessed); n != 0 {
			t.Errorf("%d webhook events not processed", n)
		}
		if n := h.Count("po_lines", ""); n != int64(3*orders) {
			t.Errorf("po lines = %d, want %d", n, 3*orders)
		}
		if n := h.Count("orders", "state <> ?", models.OrderRouted); n != 0 {
			t.Errorf("%d orders not routed", n)
		}
		comparePOs(t, storedPOs(t, h), want)
	})
}
