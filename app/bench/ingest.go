// Package bench measures Consign against baselines taken in the same run on
// the same database, so figures are ratios that survive a noisy machine.
package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/app/samples"
)

// IngestOptions configure the ingest scenario.
type IngestOptions struct {
	URL         string // the server's base URL
	Secret      string // SHOPIFY_API_SECRET of that server
	Shop        string // a connected shop
	Concurrency int
	Duration    time.Duration
	DB          *database.DB // the same database the server uses, for the baseline
	RunID       string       // keeps delivery and order ids fresh across runs
}

// Result is one scenario's figures.
type Result struct {
	Count    int
	Errors   int
	Rate     float64 // per second
	P50, P99 time.Duration
	Max      time.Duration
}

func (r Result) String() string {
	return fmt.Sprintf("%.0f/s (%d ok, %d errors) p50 %s p99 %s max %s",
		r.Rate, r.Count, r.Errors, r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), r.Max.Round(10*time.Microsecond))
}

// IngestReport compares webhook ingest with a plain single-row insert loop.
type IngestReport struct {
	Dialect     database.Dialect
	Concurrency int
	Ingest      Result
	Baseline    Result
	BodySize    int
	PeakRSS     int64 // bytes, this process (the server, when run in-process)
}

func (r IngestReport) String() string {
	return fmt.Sprintf("ingest %s C=%d body=%dB: %s | baseline insert loop: %s | ratio %.2fx | peak RSS %d MB",
		r.Dialect, r.Concurrency, r.BodySize, r.Ingest, r.Baseline, r.Ingest.Rate/r.Baseline.Rate, r.PeakRSS>>20)
}

// bodies returns n signed-ready sample orders of 5-10 KB with fresh ids.
func bodies(n int) [][]byte {
	out := make([][]byte, n)
	p := samples.Products
	base := time.Now().UnixNano() % 1_000_000_000
	for i := range out {
		o := samples.Order{
			ID: base*1000 + int64(i), Number: 2000 + i,
			Lines: []samples.OrderLine{
				{Product: p[i%len(p)], Quantity: 1},
				{Product: p[(i+3)%len(p)], Quantity: 2},
				{Product: p[(i+5)%len(p)], Quantity: 1},
			},
			Notes: 4000,
		}
		out[i] = samples.ShopifyOrder(o)
	}
	return out
}

// Ingest posts signed orders/create deliveries from C clients for the
// duration, then runs the baseline for the same duration.
func Ingest(ctx context.Context, o IngestOptions) (IngestReport, error) {
	const pool = 256
	bs := bodies(pool)
	rep := IngestReport{Dialect: o.DB.Dialect, Concurrency: o.Concurrency, BodySize: len(bs[0])}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.Concurrency * 2}, Timeout: 30 * time.Second}
	var seq atomic.Int64
	rep.Ingest = run(ctx, o.Concurrency, o.Duration, func(ctx context.Context) error {
		n := seq.Add(1)
		body := bs[n%pool]
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.URL+"/webhooks/shopify", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Shopify-Topic", "orders/create")
		req.Header.Set("X-Shopify-Shop-Domain", o.Shop)
		req.Header.Set("X-Shopify-Webhook-Id", fmt.Sprintf("bench-%s-%d", o.RunID, n))
		req.Header.Set("X-Shopify-Hmac-Sha256", shopify.Sign([]byte(o.Secret), body))
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", res.StatusCode)
		}
		return nil
	})
	base, err := baseline(ctx, o, bs)
	if err != nil {
		return rep, err
	}
	rep.Baseline = base
	rep.PeakRSS = PeakRSS()
	return rep, nil
}

// baseline inserts the same bodies as single-row transactions from C
// connections into a plain table: what pgbench would do.
func baseline(ctx context.Context, o IngestOptions, bs [][]byte) (Result, error) {
	db := o.DB.SQL
	ddl := `CREATE TABLE IF NOT EXISTS bench_baseline (id BIGSERIAL PRIMARY KEY, delivery_id TEXT NOT NULL UNIQUE, body BYTEA NOT NULL)`
	if o.DB.Dialect == database.SQLite {
		ddl = `CREATE TABLE IF NOT EXISTS bench_baseline (id INTEGER PRIMARY KEY AUTOINCREMENT, delivery_id TEXT NOT NULL UNIQUE, body BLOB NOT NULL)`
	}
	if _, err := db.ExecContext(ctx, ddl); err != nil {
		return Result{}, fmt.Errorf("create baseline table: %w", err)
	}
	defer db.ExecContext(context.Background(), `DROP TABLE bench_baseline`)
	insert := `INSERT INTO bench_baseline (delivery_id, body) VALUES ($1, $2)`
	if o.DB.Dialect == database.SQLite {
		insert = `INSERT INTO bench_baseline (delivery_id, body) VALUES (?, ?)`
	}
	var seq atomic.Int64
	return run(ctx, o.Concurrency, o.Duration, func(ctx context.Context) error {
		n := seq.Add(1)
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, insert, "base-"+o.RunID+"-"+strconv.FormatInt(n, 10), bs[n%int64(len(bs))]); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	}), nil
}

// run calls op from c goroutines for d and summarises the latencies.
func run(ctx context.Context, c int, d time.Duration, op func(context.Context) error) Result {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var lat []time.Duration
	var errs int
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			bad := 0
			for ctx.Err() == nil {
				t := time.Now()
				err := op(context.WithoutCancel(ctx))
				if err != nil {
					bad++
					continue
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, mine...)
			errs += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	return summarise(lat, errs, elapsed)
}

func summarise(lat []time.Duration, errs int, elapsed time.Duration) Result {
	r := Result{Count: len(lat), Errors: errs, Rate: float64(len(lat)) / elapsed.Seconds()}
	if len(lat) == 0 {
		return r
	}
	slices.Sort(lat)
	r.P50 = lat[len(lat)/2]
	r.P99 = lat[min(len(lat)-1, len(lat)*99/100)]
	r.Max = lat[len(lat)-1]
	return r
}

// PeakRSS is this process's peak resident set size (VmHWM), in bytes, or 0
// where /proc is not available.
func PeakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
