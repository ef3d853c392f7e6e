package faults_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/database/dbtest"
	"github.com/consign/consign/app/faults"
	"github.com/consign/consign/app/queue"
	"github.com/consign/consign/app/samples"
)

// With Postgres unreachable for a few seconds, the webhook endpoint answers
// 503 (so Shopify retries) and never 200 for a delivery it did not store;
// when Postgres is back, Consign recovers by itself: deliveries are
// acknowledged again and every acknowledged order gets its purchase orders.
// Postgres only: SQLite is a file in the process, with no link to cut.
func TestDatabaseOutage(t *testing.T) {
	if !hasPostgres(t) {
		t.Skip("Postgres unreachable; the outage test needs it")
	}
	const orders, clients = 300, 8
	const outage = 4 * time.Second
	rng := newRand(t)
	direct := dbtest.URL(t, database.Postgres)
	db, err := database.Open(context.Background(), direct, database.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	u, err := url.Parse(direct)
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := faults.NewProxy(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	u.Host = proxy.Addr()

	qcfg := queue.DefaultConfig(database.Postgres)
	// Jobs whose completion could not be recorded during the outage stay
	// running until rescued: rescue them after 10 s, not 2 minutes.
	qcfg.JobTimeout, qcfg.RescueAfter = 5*time.Second, 10*time.Second
	h := apptest.Start(t, database.Postgres, apptest.Options{DBURL: u.String(), Queue: &qcfg, RetryPolicy: quickRetry(250 * time.Millisecond)})
	addSampleSuppliers(h)
	sample := sampleOrders(rng, orders, 9_000_000)
	list := make([]delivery, orders)
	for i, o := range sample {
		list[i] = delivery{ID: fmt.Sprintf("outage-%d", o.ID), Topic: "orders/create", Order: i, Body: samples.ShopifyOrder(o)}
	}

	type answer struct {
		sent, got time.Time
		status    int
		err       error
	}
	var mu sync.Mutex
	var answers []answer
	var acked [orders]atomic.Bool
	var nAcked atomic.Int64
	todo := make(chan int, orders)
	for i := range list {
		todo <- i
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				var i int
				select {
				case <-ctx.Done():
					return
				case i = <-todo:
				}
				sent := time.Now()
				status, err := post(ctx, h.URL, list[i])
				mu.Lock()
				answers = append(answers, answer{sent, time.Now(), status, err})
				mu.Unlock()
				if err == nil && status == http.StatusOK {
					acked[i].Store(true)
					if nAcked.Add(1) == orders {
						stop()
					}
					time.Sleep(40 * time.Millisecond) // pace: the run spans the outage
					continue
				}
				time.Sleep(50 * time.Millisecond)
				todo <- i // Shopify retries what was not acknowledged
			}
		}()
	}

	time.Sleep(2 * time.Second)
	before := nAcked.Load()
	cutAt := time.Now()
	proxy.Cut()
	time.Sleep(outage)
	during := nAcked.Load()
	restoredAt := time.Now()
	proxy.Restore()
	t.Logf("acknowledged %d before the outage, %d by its end", before, during)
	select {
	case <-ctx.Done():
	case <-time.After(90 * time.Second):
		t.Fatalf("only %d of %d deliveries acknowledged 90 s after the outage", nAcked.Load(), orders)
	}
	wg.Wait()

	// What the endpoint answered while the link was cut, and how soon it
	// acknowledged again once it was back.
	var unavailable, other int
	var firstOK time.Time
	for _, a := range answers {
		switch {
		case a.err != nil || (a.status != http.StatusOK && a.status != http.StatusServiceUnavailable):
			other++
			t.Errorf("answer %d %v at %s", a.status, a.err, a.got.Sub(cutAt))
		case a.status == http.StatusServiceUnavailable:
			unavailable++
		case a.sent.After(restoredAt) && (firstOK.IsZero() || a.got.Before(firstOK)):
			firstOK = a.got
		}
		if a.status == http.StatusOK && a.sent.After(cutAt.Add(100*time.Millisecond)) && a.got.Before(restoredAt) {
			t.Errorf("a delivery sent %s into the outage was answered 200", a.sent.Sub(cutAt))
		}
	}
	t.Logf("%d answers: %d were 503; first 200 %s after the link came back", len(answers), unavailable, firstOK.Sub(restoredAt))
	if unavailable == 0 {
		t.Error("no delivery was answered 503 during the outage")
	}
	if firstOK.IsZero() || firstOK.Sub(restoredAt) > 15*time.Second {
		t.Errorf("no 200 within 15 s of the database coming back (first: %s)", firstOK.Sub(restoredAt))
	}

	// Every acknowledged delivery was stored, and became its order's POs.
	var stored []string
	if err := h.App.DB.Gorm.Raw(`SELECT delivery_id FROM webhook_events`).Scan(&stored).Error; err != nil {
		t.Fatal(err)
	}
	have := make(map[string]bool, len(stored))
	for _, id := range stored {
		have[id] = true
	}
	for i := range list {
		if acked[i].Load() && !have[list[i].ID] {
			t.Errorf("delivery %s was acknowledged but is not stored", list[i].ID)
		}
	}
	settled(t, h, 60*time.Second, orders, 3*orders)
	if n := h.Count("webhook_events", ""); n != orders {
		t.Errorf("webhook events = %d, want %d", n, orders)
	}
	comparePOs(t, storedPOs(t, h), expectedPOs(t, sample))
}

// hasPostgres tells whether the Postgres dialect is under test (and fails
// under CONSIGN_REQUIRE_POSTGRES=1 when it is unreachable).
func hasPostgres(t *testing.T) bool {
	for _, d := range dbtest.Dialects(t) {
		if d == database.Postgres {
			return true
		}
	}
	return false
}
