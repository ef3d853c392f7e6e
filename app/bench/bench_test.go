package bench_test

import (
	"context"
	"testing"
	"time"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/bench"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/database/dbtest"
	"github.com/consign/consign/app/samples"
)

func ingestOptions(h *apptest.Harness, c int, d time.Duration) bench.IngestOptions {
	return bench.IngestOptions{URL: h.URL, Secret: apptest.Secret, Shop: apptest.Shop, Concurrency: c,
		Duration: d, DB: h.App.DB, RunID: "t" + time.Now().Format("150405.000000")}
}

// startPipeline runs Consign with workers and the three sample suppliers.
func startPipeline(t testing.TB, d database.Dialect) *apptest.Harness {
	h := apptest.Start(t, d, apptest.Options{})
	for i, s := range samples.Suppliers {
		h.AddSupplier(s.Name, 10*(i+1), samples.CatalogCSV(i))
	}
	return h
}

func pipelineOptions(h *apptest.Harness, rate int, d time.Duration) bench.PipelineOptions {
	return bench.PipelineOptions{URL: h.URL, Secret: apptest.Secret, Shop: apptest.Shop, Rate: rate,
		Duration: d, Drain: 30 * time.Second, DB: h.App.DB, RunID: "t" + time.Now().Format("150405.000000")}
}

// The scenario itself must count right: every 200 is a stored row, and a
// healthy server answers nothing else.
func TestIngestScenario(t *testing.T) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			h := apptest.Start(t, d, apptest.Options{NoWorkers: true})
			rep, err := bench.Ingest(context.Background(), ingestOptions(h, 4, time.Second))
			if err != nil {
				t.Fatal(err)
			}
			t.Log(rep)
			if rep.Ingest.Count == 0 || rep.Baseline.Count == 0 {
				t.Errorf("nothing measured: %s", rep)
			}
			if rep.Ingest.Errors != 0 || rep.Unavailable != 0 || rep.Lost != 0 {
				t.Errorf("errors %d, 503s %d, lost %d; want none", rep.Ingest.Errors, rep.Unavailable, rep.Lost)
			}
			if n := h.Count("webhook_events", ""); n != int64(rep.Ingest.Count) {
				t.Errorf("%d events stored for %d answers of 200", n, rep.Ingest.Count)
			}
			if n := h.Count("river_job", "kind = ?", "process_event"); n != int64(rep.Ingest.Count) {
				t.Errorf("%d jobs queued for %d stored events", n, rep.Ingest.Count)
			}
		})
	}
}

func TestPipelineScenario(t *testing.T) {
	for _, d := range dbtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			h := startPipeline(t, d)
			rep, err := bench.Pipeline(context.Background(), pipelineOptions(h, 20, time.Second))
			if err != nil {
				t.Fatal(err)
			}
			t.Log(rep)
			if rep.Sent != 20 || rep.Complete != rep.Sent || rep.Answered.Errors != 0 {
				t.Errorf("sent %d, complete %d, errors %d: want every order to get its POs", rep.Sent, rep.Complete, rep.Answered.Errors)
			}
			// Half the orders span three suppliers, half two.
			if n := h.Count("purchase_orders", ""); n != 50 {
				t.Errorf("%d purchase orders, want 50", n)
			}
			if rep.P50 <= 0 || rep.P99 < rep.P50 {
				t.Errorf("latencies p50 %s p99 %s", rep.P50, rep.P99)
			}
		})
	}
}

// go test -run '^$' -bench . ./app/bench/ runs both scenarios briefly;
// `consign bench ingest|pipeline` runs them at full length.
func BenchmarkIngest(b *testing.B) {
	for _, d := range dbtest.Dialects(b) {
		b.Run(string(d), func(b *testing.B) {
			h := apptest.Start(b, d, apptest.Options{NoWorkers: true})
			var rep bench.IngestReport
			for b.Loop() {
				var err error
				if rep, err = bench.Ingest(context.Background(), ingestOptions(h, 16, 3*time.Second)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(rep.Ingest.Rate, "deliveries/s")
			b.ReportMetric(rep.Ratio(), "ratio")
			b.ReportMetric(float64(rep.Ingest.P99.Microseconds())/1000, "p99_ms")
			b.ReportMetric(float64(rep.Ingest.Errors+rep.Lost), "errors")
			b.ReportMetric(float64(rep.PeakRSS>>20), "peak_rss_MB")
		})
	}
}

func BenchmarkPipeline(b *testing.B) {
	for _, d := range dbtest.Dialects(b) {
		b.Run(string(d), func(b *testing.B) {
			h := startPipeline(b, d)
			var rep bench.PipelineReport
			for b.Loop() {
				var err error
				if rep, err = bench.Pipeline(context.Background(), pipelineOptions(h, 100, 3*time.Second)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rep.Rate), "orders/s")
			b.ReportMetric(float64(rep.P50.Microseconds())/1000, "p50_ms")
			b.ReportMetric(float64(rep.P99.Microseconds())/1000, "p99_ms")
			b.ReportMetric(float64(rep.Complete)/float64(rep.Sent), "complete")
			b.ReportMetric(float64(rep.Backlog), "backlog_jobs")
		})
	}
}
