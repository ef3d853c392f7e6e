package ingest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/consign/consign/app/accounts"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/database/dbtest"
	"github.com/consign/consign/app/ingest"
	"github.com/consign/consign/app/queue"
)

// Concurrent deliveries share transactions; each is still answered for
// itself: a delivery sent twice at once is stored once and answered
// duplicate once, and every stored event has exactly one job.
func TestConcurrentDeliveriesShareTransactions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		now := func() time.Time { return time.Now().UTC() }
		acc := &accounts.Service{DB: db, Now: now, ValidateShop: map[string]func(string) error{"shopify": func(string) error { return nil }}}
		if _, err := acc.Connect(ctx, "shopify", "shop.myshopify.com", "token"); err != nil {
			t.Fatal(err)
		}
		jobs, err := queue.NewClient(db, nil, queue.DefaultConfig(db.Dialect), nil)
		if err != nil {
			t.Fatal(err)
		}
		in := &ingest.Ingester{DB: db, Queue: jobs, Now: now}
		const unique = 40
		outcomes := make(chan ingest.Outcome, 3*unique)
		var wg sync.WaitGroup
		for i := range 3 * unique {
			wg.Add(1)
			go func() {
				defer wg.Done()
				d := ingest.Delivery{Platform: "shopify", Topic: "orders/create", Shop: "shop.myshopify.com",
					DeliveryID: fmt.Sprintf("d-%d", i%unique), Body: []byte(`{"id":1}`), Handled: i%unique != 0}
				if i%unique == 1 {
					d.Shop = "stranger.myshopify.com"
				}
				out, _, err := in.Ingest(ctx, d)
				if err != nil {
					t.Error(err)
				}
				outcomes <- out
			}()
		}
		wg.Wait()
		close(outcomes)
		count := map[ingest.Outcome]int{}
		for o := range outcomes {
			count[o]++
		}
		want := map[ingest.Outcome]int{ingest.Stored: unique - 2, ingest.Ignored: 2, ingest.Duplicate: 2 * unique}
		if fmt.Sprint(count) != fmt.Sprint(want) {
			t.Errorf("outcomes %v, want %v", count, want)
		}
		var events, queued int64
		db.Gorm.Table("webhook_events").Count(&events)
		db.Gorm.Table("river_job").Where("kind = ?", "process_event").Count(&queued)
		if events != unique || queued != unique-2 {
			t.Errorf("%d events and %d jobs, want %d and %d", events, queued, unique, unique-2)
		}
	})
}

// A failing batch falls back to one transaction per delivery, so the good
// deliveries in it are stored.
func TestBadDeliveryFailsOnlyItself(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		now := func() time.Time { return time.Now().UTC() }
		jobs, err := queue.NewClient(db, nil, queue.DefaultConfig(db.Dialect), nil)
		if err != nil {
			t.Fatal(err)
		}
		in := &ingest.Ingester{DB: db, Queue: jobs, Now: now}
		var wg sync.WaitGroup
		errs := make([]error, 30)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				d := ingest.Delivery{Platform: "shopify", Topic: "orders/create", Shop: "s.myshopify.com",
					DeliveryID: fmt.Sprintf("d-%d", i), Body: []byte(`{}`)}
				if i%10 == 3 {
					d.Body = nil // NULL: the database refuses the row
				}
				_, _, errs[i] = in.Ingest(ctx, d)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if bad := i%10 == 3; bad != (err != nil) {
				t.Errorf("delivery %d (bad: %t): error %v", i, bad, err)
			}
		}
		var events int64
		db.Gorm.Table("webhook_events").Where("delivery_id LIKE 'd-%'").Count(&events)
		if events != 27 {
			t.Errorf("%d good events stored, want 27", events)
		}
	})
}
