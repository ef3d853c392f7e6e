package bench

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/samples"
)

// PipelineOptions configure the pipeline scenario: orders arrive on a fixed
// schedule (open loop), and each must become its purchase orders.
type PipelineOptions struct {
	URL      string
	Secret   string
	Shop     string
	Rate     int           // orders per second
	Duration time.Duration // how long orders arrive
	Drain    time.Duration // how long to wait afterwards for the last POs
	DB       *database.DB  // the server's database, to read POs and the queue
	RunID    string
}

// PipelineReport is what became of orders sent at a steady rate.
type PipelineReport struct {
	Dialect  database.Dialect
	Rate     int
	Duration time.Duration
	Sent     int
	Answered Result // webhook answers
	Late     int    // sends that started over 10 ms behind schedule (the sender could not keep up)
	Complete int    // orders whose every PO exists
	// Latency from the webhook's answer to the order's last PO existing.
	P50, P99, Max time.Duration
	// Backlog is River's available and running jobs when the last order was
	// answered; MaxBacklog the most seen while orders arrived.
	Backlog, MaxBacklog int
	DrainedIn           time.Duration // from the last answer until the queue was empty
	PeakRSS             int64
}

// KeptUp says whether the pipeline held the rate: every order got its POs
// and the queue held less than a second of work at the end.
func (r PipelineReport) KeptUp() bool {
	return r.Sent > 0 && r.Complete == r.Sent && r.Backlog < 4*r.Rate
}

func (r PipelineReport) String() string {
	drained := "not drained"
	if r.DrainedIn >= 0 {
		drained = "drained in " + r.DrainedIn.Round(10*time.Millisecond).String()
	}
	return fmt.Sprintf("pipeline %s R=%d/s for %s: %d sent (%d late), answers %s | %d/%d orders got all POs: latency p50 %s p99 %s max %s | backlog at end %d jobs (max %d), %s | kept up: %t | peak RSS %d MB (server and load generator share this process)",
		r.Dialect, r.Rate, r.Duration, r.Sent, r.Late, r.Answered, r.Complete, r.Sent,
		r.P50.Round(time.Millisecond), r.P99.Round(time.Millisecond), r.Max.Round(time.Millisecond),
		r.Backlog, r.MaxBacklog, drained, r.KeptUp(), r.PeakRSS>>20)
}

// pipelineOrder is order i of a run: three lines across two or three of
// the sample suppliers, so it needs two or three POs.
func pipelineOrder(base int64, i int) (samples.Order, int) {
	p := samples.Products // three products per supplier, in supplier order
	product := func(supplier, k int) samples.Product { return p[(supplier%3)*3+k%3] }
	lines := []samples.OrderLine{
		{Product: product(i, i/3), Quantity: 1},
		{Product: product(i+1, i/3+1), Quantity: 2},
	}
	suppliers := 2
	if i%2 == 0 {
		lines = append(lines, samples.OrderLine{Product: product(i+2, i/3+2), Quantity: 1})
		suppliers = 3
	} else {
		lines = append(lines, samples.OrderLine{Product: product(i, i/3+1), Quantity: 1})
	}
	return samples.Order{ID: base + int64(i), Number: 10000 + i, Lines: lines, Notes: 2000}, suppliers
}

// Pipeline sends orders at the rate for the duration, then reads when each
// order's POs were created.
func Pipeline(ctx context.Context, o PipelineOptions) (PipelineReport, error) {
	rep := PipelineReport{Dialect: o.DB.Dialect, Rate: o.Rate, Duration: o.Duration}
	if o.Rate <= 0 || o.Duration <= 0 {
		return rep, fmt.Errorf("rate and duration must be positive")
	}
	if b, err := backlog(ctx, o.DB); err != nil || b > 0 {
		return rep, fmt.Errorf("the queue already holds %d jobs (%v): start on an empty database", b, err)
	}
	n := int(o.Duration.Seconds() * float64(o.Rate))
	base := time.Now().UnixNano() / 1000 % 1_000_000_000_000 * 10
	orders := make([][]byte, n)
	want := make(map[string]int, n) // external id -> POs expected
	for i := range orders {
		ord, suppliers := pipelineOrder(base, i)
		orders[i] = samples.ShopifyOrder(ord)
		want[strconv.FormatInt(ord.ID, 10)] = suppliers
	}
	sender := newWebhookSender(o.URL, o.Shop, o.Secret, 256)
	answered := make([]time.Time, n)
	took := make([]time.Duration, n)
	failed := make([]bool, n)

	var maxBacklog atomic.Int64
	sampling, stopSampling := context.WithCancel(ctx)
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-sampling.Done():
				return
			case <-t.C:
			}
			if b, err := backlog(sampling, o.DB); err == nil && int64(b) > maxBacklog.Load() {
				maxBacklog.Store(int64(b))
			}
		}
	}()

	interval := time.Second / time.Duration(o.Rate)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		} else if d < -10*time.Millisecond {
			rep.Late++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.Now()
			err := sender.send(ctx, "pipe-"+o.RunID+"-"+strconv.Itoa(i), orders[i])
			answered[i], took[i], failed[i] = time.Now(), time.Since(t), err != nil
		}()
	}
	wg.Wait()
	lastAnswer := time.Now()
	stopSampling()
	<-sampled
	rep.Sent = n
	var lat []time.Duration
	errs := 0
	for i := range n {
		if failed[i] {
			errs++
			continue
		}
		lat = append(lat, took[i])
	}
	rep.Answered = summarise(lat, errs, lastAnswer.Sub(start))
	b, err := backlog(ctx, o.DB)
	if err != nil {
		return rep, err
	}
	rep.Backlog, rep.MaxBacklog = b, max(b, int(maxBacklog.Load()))

	// Let the queue drain, then read every order's POs.
	drain := cmp.Or(o.Drain, 30*time.Second)
	for deadline := time.Now().Add(drain); ; {
		if b, err := backlog(ctx, o.DB); err == nil && b == 0 {
			rep.DrainedIn = time.Since(lastAnswer)
			break
		}
		if time.Now().After(deadline) {
			rep.DrainedIn = -1
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	created, err := poTimes(ctx, o.DB, want)
	if err != nil {
		return rep, err
	}
	var e2e []time.Duration
	for i := range n {
		ord, _ := pipelineOrder(base, i)
		at, ok := created[strconv.FormatInt(ord.ID, 10)]
		if failed[i] || !ok {
			continue
		}
		rep.Complete++
		e2e = append(e2e, max(0, at.Sub(answered[i])))
	}
	if len(e2e) > 0 {
		slices.Sort(e2e)
		rep.P50, rep.P99, rep.Max = e2e[len(e2e)/2], e2e[min(len(e2e)-1, len(e2e)*99/100)], e2e[len(e2e)-1]
	}
	rep.PeakRSS = PeakRSS()
	return rep, nil
}

// backlog counts River jobs waiting or running.
func backlog(ctx context.Context, db *database.DB) (int, error) {
	var n int64
	err := db.Gorm.WithContext(ctx).Table("river_job").
		Where("state IN ?", []string{"available", "running", "retryable"}).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count queued jobs: %w", err)
	}
	return int(n), nil
}

// poTimes returns, for each order of want that has all its expected POs,
// when its last PO was created.
func poTimes(ctx context.Context, db *database.DB, want map[string]int) (map[string]time.Time, error) {
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	out := make(map[string]time.Time, len(want))
	for chunk := range slices.Chunk(ids, 1000) {
		var rows []struct {
			ExternalID string
			N          int
			Last       string
		}
		// The latest created_at is read as text: SQLite keeps it as text and
		// Postgres's MAX of a timestamp converts to text without surprises.
		last := "MAX(purchase_orders.created_at)"
		if db.Dialect == database.Postgres {
			last = "to_char(MAX(purchase_orders.created_at), 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
		}
		err := db.Gorm.WithContext(ctx).Table("orders").
			Select("orders.external_id, COUNT(purchase_orders.id) AS n, "+last+" AS last").
			Joins("JOIN purchase_orders ON purchase_orders.order_id = orders.id").
			Where("orders.external_id IN ?", chunk).Group("orders.external_id").Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("read purchase orders: %w", err)
		}
		for _, r := range rows {
			if r.N < want[r.ExternalID] {
				continue
			}
			t, err := parseDBTime(r.Last)
			if err != nil {
				return nil, fmt.Errorf("order %s: %w", r.ExternalID, err)
			}
			out[r.ExternalID] = t
		}
	}
	return out, nil
}

// parseDBTime reads a UTC timestamp as either dialect writes it as text.
func parseDBTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", time.RFC3339Nano} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read time %q", s)
}
