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
	"github.com/consign/consign/app/secrets"
)

// Concurrent deliveries share transactions; each is still answered for
// itself: a delivery sent twice at once is stored once and answered
// duplicate once, and every stored event has exactly one job.
func TestConcurrentDeliveriesShareTransactions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		now := func() time.Time { return time.Now().UTC() }
		acc := &accounts.Service{DB: db, Now: now, ValidateShop: map[string]func(string) error{"shopify": func(string) error { return nil }}}
		acc.Tokens, _ = secrets.NewKeyring(secrets.NewKey())
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

// An uninstalled shop's deliveries are ignored, except the topics that must
// still be acted on (lifecycle and privacy), alone or in a shared batch.
func TestUninstalledShopTakesOnlyEvenUninstalledTopics(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		now := func() time.Time { return time.Now().UTC() }
		acc := &accounts.Service{DB: db, Now: now, ValidateShop: map[string]func(string) error{"shopify": func(string) error { return nil }}}
		acc.Tokens, _ = secrets.NewKeyring(secrets.NewKey())
		conn, err := acc.Connect(ctx, "shopify", "gone.myshopify.com", "token")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Gorm.Table("connections").Where("id = ?", conn.ID).Update("uninstalled_at", now()).Error; err != nil {
			t.Fatal(err)
		}
		jobs, err := queue.NewClient(db, nil, queue.DefaultConfig(db.Dialect), nil)
		if err != nil {
			t.Fatal(err)
		}
		in := &ingest.Ingester{DB: db, Queue: jobs, Now: now}
		delivery := func(i int) ingest.Delivery {
			d := ingest.Delivery{Platform: "shopify", Topic: "orders/create", Shop: "gone.myshopify.com",
				DeliveryID: fmt.Sprintf("u-%d", i), Body: []byte(`{}`), Handled: true}
			if i%2 == 0 {
				d.Topic, d.EvenUninstalled = "shop/redact", true
			}
			return d
		}
		// One alone (its own transaction), then many at once (shared ones).
		if out, _, err := in.Ingest(ctx, delivery(0)); err != nil || out != ingest.Stored {
			t.Fatalf("shop/redact alone: %s %v", out, err)
		}
		const n = 40
		outcomes := make([]ingest.Outcome, n)
		var wg sync.WaitGroup
		for i := 1; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				if outcomes[i], _, err = in.Ingest(ctx, delivery(i)); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		for i := 1; i < n; i++ {
			want := ingest.Ignored
			if i%2 == 0 {
				want = ingest.Stored
			}
			if outcomes[i] != want {
				t.Errorf("delivery %d (%s): %s, want %s", i, delivery(i).Topic, outcomes[i], want)
			}
		}
		var queued int64
		db.Gorm.Table("river_job").Where("kind = ?", "process_event").Count(&queued)
		if queued != n/2 {
			t.Errorf("%d jobs, want %d", queued, n/2)
		}
	})
}
