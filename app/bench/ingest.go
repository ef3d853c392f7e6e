// Package bench measures Consign against baselines taken in the same run on
// the same database, so figures are ratios that survive a noisy machine.
package bench

import (
	"bytes"
	"context"
	"errors"
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

	// RestartAfter, with Restart, restarts the database this far into the
	// run, to measure how ingest answers during the outage and how fast it
	// recovers. The run should then last at least a minute past it.
	RestartAfter time.Duration
	Restart      func(context.Context) error
	// SkipBaseline leaves the baseline out (benchmarks that only need ingest).
	SkipBaseline bool
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
	PeakRSS     int64 // bytes, this process: the in-process server and the load generator together
	// Unavailable counts 503 answers (the database was unreachable); they
	// are not errors when the database was restarted on purpose.
	Unavailable int
	// Lost counts deliveries answered 200 whose row is not in the database:
	// it must be 0, whatever happened to the database.
	Lost int
	// PerSecond is the number of 200 answers in each second of the run.
	PerSecond []int
	Restart   *Recovery
}

// Recovery describes ingest around a database restart.
type Recovery struct {
	At          time.Duration // into the run
	RateBefore  float64       // deliveries/s before the restart
	Recovered   bool
	TimeToRate  time.Duration // from the restart until a 3 s window runs at >= 95% of RateBefore
	RateAfter   float64       // over that window
	Unavailable int           // 503 answers
}

// Ratio is ingest's rate as a fraction of the baseline's.
func (r IngestReport) Ratio() float64 {
	if r.Baseline.Rate == 0 {
		return 0
	}
	return r.Ingest.Rate / r.Baseline.Rate
}

func (r IngestReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ingest %s C=%d body=%dB: %s, %d answered 503, %d lost", r.Dialect, r.Concurrency, r.BodySize, r.Ingest, r.Unavailable, r.Lost)
	if r.Baseline.Count > 0 {
		fmt.Fprintf(&b, " | baseline insert loop: %s | ratio %.2fx", r.Baseline, r.Ratio())
	}
	fmt.Fprintf(&b, " | peak RSS %d MB (server and load generator share this process)", r.PeakRSS>>20)
	if rc := r.Restart; rc != nil {
		fmt.Fprintf(&b, "\nrestart at %s: %.0f/s before; ", rc.At, rc.RateBefore)
		if rc.Recovered {
			fmt.Fprintf(&b, "back to %.0f/s (>= 95%%) %s after the restart", rc.RateAfter, rc.TimeToRate.Round(time.Second))
		} else {
			b.WriteString("did NOT get back to 95% before the run ended")
		}
		fmt.Fprintf(&b, "; %d answers were 503", rc.Unavailable)
		fmt.Fprintf(&b, "\nper second: %v", r.PerSecond)
	}
	return b.String()
}

// bodyOrderID is the order id of sample body i: 12 digits, like every
// fresh id the scenario puts in its place.
func bodyOrderID(i int) int64 { return 900_000_000_000 + int64(i) }

// bodies returns n signed-ready sample orders of 5-10 KB with fresh ids.
func bodies(n int) [][]byte {
	out := make([][]byte, n)
	p := samples.Products
	for i := range out {
		o := samples.Order{
			ID: bodyOrderID(i), Number: 2000 + i,
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

// errUnavailable marks a 503: the server could not store the delivery.
var errUnavailable = errors.New("503 service unavailable")

// webhookSender posts signed Shopify webhooks to one server.
type webhookSender struct {
	url, shop string
	secret    []byte
	client    *http.Client
}

func newWebhookSender(url, shop, secret string, conns int) *webhookSender {
	return &webhookSender{url: url + "/webhooks/shopify", shop: shop, secret: []byte(secret),
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns}, Timeout: 30 * time.Second}}
}

// send posts one orders/create delivery; nil means a 200.
func (s *webhookSender) send(ctx context.Context, deliveryID string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Shopify-Topic", "orders/create")
	req.Header.Set("X-Shopify-Shop-Domain", s.shop)
	req.Header.Set("X-Shopify-Webhook-Id", deliveryID)
	req.Header.Set("X-Shopify-Hmac-Sha256", shopify.Sign(s.secret, body))
	res, err := s.client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	switch res.StatusCode {
	case http.StatusOK:
		return nil
	case http.StatusServiceUnavailable:
		return errUnavailable
	}
	return fmt.Errorf("status %d", res.StatusCode)
}

// Ingest posts signed orders/create deliveries from C clients for the
// duration, then runs the baseline for the same duration.
func Ingest(ctx context.Context, o IngestOptions) (IngestReport, error) {
	const pool = 256
	bs := bodies(pool)
	rep := IngestReport{Dialect: o.DB.Dialect, Concurrency: o.Concurrency, BodySize: len(bs[0])}
	sender := newWebhookSender(o.URL, o.Shop, o.Secret, o.Concurrency*2)
	prefix := "bench-" + o.RunID + "-"
	var seq atomic.Int64
	var mu sync.Mutex
	var acked []int64 // delivery numbers answered 200
	var unavailable atomic.Int64
	start := time.Now()
	tl := newTimeline(start, o.Duration)
	restartDone := make(chan error, 1)
	if o.Restart != nil && o.RestartAfter > 0 {
		go func() {
			select {
			case <-time.After(o.RestartAfter):
				restartDone <- o.Restart(ctx)
			case <-ctx.Done():
				restartDone <- ctx.Err()
			}
		}()
	} else {
		restartDone <- nil
	}
	orderIDs := make([][]byte, pool)
	for i := range orderIDs {
		orderIDs[i] = []byte(strconv.FormatInt(bodyOrderID(i), 10))
	}
	firstID := time.Now().UnixNano() / 1000 % 1_000_000_000 * 1000
	rep.Ingest = run(ctx, o.Concurrency, o.Duration, func(ctx context.Context) error {
		n := seq.Add(1)
		// A fresh order id for every delivery: the sample's id is rewritten
		// wherever it appears (its line ids start with it too).
		fresh := strconv.AppendInt(nil, firstID+n, 10)
		body := bytes.ReplaceAll(bs[n%pool], orderIDs[n%pool], fresh)
		err := sender.send(ctx, prefix+strconv.FormatInt(n, 10), body)
		switch {
		case err == nil:
			tl.mark(time.Now())
			mu.Lock()
			acked = append(acked, n)
			mu.Unlock()
		case errors.Is(err, errUnavailable):
			unavailable.Add(1)
			time.Sleep(10 * time.Millisecond) // as a platform would, do not spin on an outage
		}
		return err
	})
	if err := <-restartDone; err != nil {
		return rep, fmt.Errorf("restart the database: %w", err)
	}
	rep.Unavailable = int(unavailable.Load())
	rep.Ingest.Errors -= rep.Unavailable
	rep.PerSecond = tl.counts()
	lost, err := lostDeliveries(ctx, o.DB, prefix, acked)
	if err != nil {
		return rep, err
	}
	rep.Lost = lost
	if o.Restart != nil && o.RestartAfter > 0 {
		rc := recovery(rep.PerSecond, o.RestartAfter)
		rc.Unavailable = rep.Unavailable
		rep.Restart = &rc
	}
	if !o.SkipBaseline {
		base, err := baseline(ctx, o, bs)
		if err != nil {
			return rep, err
		}
		rep.Baseline = base
	}
	rep.PeakRSS = PeakRSS()
	return rep, nil
}

// lostDeliveries counts deliveries answered 200 that are not stored.
func lostDeliveries(ctx context.Context, db *database.DB, prefix string, acked []int64) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var ids []string
	// The database may still be coming back from a restart.
	var err error
	for range 30 {
		ids = ids[:0]
		err = db.Gorm.WithContext(ctx).Table("webhook_events").Where("platform = ? AND delivery_id LIKE ?", "shopify", prefix+"%").
			Pluck("delivery_id", &ids).Error
		if err == nil {
			break
		}
		time.Sleep(time.Second)
	}
	if err != nil {
		return 0, fmt.Errorf("read stored deliveries: %w", err)
	}
	stored := make(map[string]bool, len(ids))
	for _, id := range ids {
		stored[id] = true
	}
	lost := 0
	for _, n := range acked {
		if !stored[prefix+strconv.FormatInt(n, 10)] {
			lost++
		}
	}
	return lost, nil
}

// recovery finds when ingest ran again at 95% of its rate before the
// restart: the start of the first 3-second window that does. The first
// second is warm-up and is left out of the rate before.
func recovery(perSecond []int, at time.Duration) Recovery {
	rc := Recovery{At: at}
	cut := int(at / time.Second)
	if cut < 2 || cut > len(perSecond) {
		return rc
	}
	sum := 0
	for _, n := range perSecond[1:cut] {
		sum += n
	}
	rc.RateBefore = float64(sum) / float64(cut-1)
	const window = 3
	for s := cut; s+window <= len(perSecond); s++ {
		w := 0
		for _, n := range perSecond[s : s+window] {
			w += n
		}
		rate := float64(w) / window
		if rate >= 0.95*rc.RateBefore {
			rc.Recovered, rc.RateAfter = true, rate
			rc.TimeToRate = time.Duration(s)*time.Second - at
			if rc.TimeToRate < 0 {
				rc.TimeToRate = 0
			}
			break
		}
	}
	return rc
}

// timeline counts events in one-second buckets from start.
type timeline struct {
	start   time.Time
	buckets []atomic.Int64
}

func newTimeline(start time.Time, d time.Duration) *timeline {
	return &timeline{start: start, buckets: make([]atomic.Int64, int(d/time.Second)+2)}
}

func (t *timeline) mark(at time.Time) {
	i := int(at.Sub(t.start) / time.Second)
	if i >= 0 && i < len(t.buckets) {
		t.buckets[i].Add(1)
	}
}

func (t *timeline) counts() []int {
	out := make([]int, 0, len(t.buckets))
	for i := range t.buckets {
		out = append(out, int(t.buckets[i].Load()))
	}
	for len(out) > 0 && out[len(out)-1] == 0 {
		out = out[:len(out)-1]
	}
	return out
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
