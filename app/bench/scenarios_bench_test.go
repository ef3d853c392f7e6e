package bench_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/consign/consign/app"
	"github.com/consign/consign/app/bench"
	"github.com/consign/consign/app/config"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/database/dbtest"
	"github.com/consign/consign/app/platforms/shopify/fakeshopify"
)

// The scenarios of `consign bench route|import|push` at sizes that run in
// seconds; each iteration is one whole scenario with its own baseline.

func BenchmarkRoute(b *testing.B) {
	for _, d := range dbtest.Dialects(b) {
		b.Run(string(d), func(b *testing.B) {
			db := dbtest.Open(b, d)
			var rep bench.RouteReport
			for b.Loop() {
				var err error
				if rep, err = bench.Route(context.Background(), bench.RouteOptions{DB: db, Sizes: []int{10_000}, Iterations: 50}); err != nil {
					b.Fatal(err)
				}
			}
			s := rep.Sizes[0]
			b.ReportMetric(float64(s.Route.P50.Microseconds())/1000, "route-p50-ms")
			b.ReportMetric(float64(s.Route.P99.Microseconds())/1000, "route-p99-ms")
			b.ReportMetric(float64(s.Route.P50)/float64(s.Baseline.P50), "x-selects")
			b.ReportMetric(float64(rep.PeakRSS>>20), "peak-RSS-MB")
			if s.Route.Errors > 0 { // at 10k items Postgres rightly scans the few hundred mappings
				b.Errorf("%s", rep)
			}
		})
	}
}

func BenchmarkImport(b *testing.B) {
	for _, d := range dbtest.Dialects(b) {
		b.Run(string(d), func(b *testing.B) {
			db := dbtest.Open(b, d)
			var rep bench.ImportReport
			for b.Loop() {
				var err error
				if rep, err = bench.Import(context.Background(), bench.ImportOptions{DB: db, Rows: 100_000, Dir: b.TempDir()}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(rep.ImportRate(), "rows/s")
			b.ReportMetric(rep.ImportRate()/rep.BaselineRate(), "x-baseline")
			b.ReportMetric(float64(rep.ImportRSS>>20), "peak-RSS-MB")
			if rep.Imported != rep.Rows {
				b.Errorf("%s", rep)
			}
		})
	}
}

func BenchmarkPush(b *testing.B) {
	for _, d := range dbtest.Dialects(b) {
		b.Run(string(d), func(b *testing.B) {
			var rep bench.PushReport
			for b.Loop() {
				rep = push(b, d, 40)
			}
			b.ReportMetric(rep.Net, "points/s")
			b.ReportMetric(rep.Net/rep.Restore, "x-restore")
			b.ReportMetric(float64(rep.Throttled), "throttled")
			b.ReportMetric(float64(rep.PeakRSS>>20), "peak-RSS-MB")
			if rep.Unhandled > 0 {
				b.Errorf("%s", rep)
			}
		})
	}
}

// push runs the push scenario against a real App with workers, on a fresh
// database, and a fake Shopify with a fast-refilling enforced bucket.
func push(b *testing.B, d database.Dialect, n int) bench.PushReport {
	ctx := context.Background()
	const shop, token = "bench-push.myshopify.com", "shpat_bench"
	fake := fakeshopify.New(fakeshopify.Options{MaximumAvailable: 1000, RestoreRate: 500, EnforceRateLimit: true})
	fake.SetToken(shop, token)
	meter := bench.NewCostMeter(fake)
	srv := httptest.NewServer(meter)
	defer srv.Close()
	url := dbtest.URL(b, d)
	db, err := database.Open(ctx, url, database.Options{})
	if err != nil {
		b.Fatal(err)
	}
	err = db.Migrate(ctx)
	db.Close()
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"DATABASE_URL": url, "SHOPIFY_API_KEY": "bench-key", "SHOPIFY_API_SECRET": "bench-secret",
			"SHOPIFY_API_BASE_URL": srv.URL}[k]
	})
	if err != nil {
		b.Fatal(err)
	}
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler), app.Options{Workers: true})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	if _, err := a.Accounts.Connect(ctx, "shopify", shop, token); err != nil {
		b.Fatal(err)
	}
	if err := a.StartWorkers(ctx); err != nil {
		b.Fatal(err)
	}
	rep, err := bench.Push(ctx, bench.PushOptions{DB: a.DB, Purchasing: a.Purchasing, Fake: fake, Meter: meter,
		Shop: shop, Shipments: n, Timeout: 2 * time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	return rep
}
