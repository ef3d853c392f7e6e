package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/platforms/shopify/fakeshopify"
	"github.com/consign/consign/app/samples"
	"github.com/consign/consign/models"
)

// scrape reads GET /metrics through the real server.
func scrape(t *testing.T, h *apptest.Harness) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := http.Get(h.URL + "/metrics")
	apptest.Must(t, err)
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics answered %d", res.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(res.Body)
	apptest.Must(t, err)
	return fams
}

// sample is the value of the one series of name with exactly these labels:
// a counter's or gauge's value, a histogram's sample count. ok is false when
// the series is absent.
func sample(fams map[string]*dto.MetricFamily, name string, labels ...string) (v float64, ok bool) {
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
	fam := fams[name]
	if fam == nil {
		return 0, false
	}
series:
	for _, m := range fam.Metric {
		got := map[string]string{}
		for _, l := range m.Label {
			got[l.GetName()] = l.GetValue()
		}
		for k, w := range want {
			if got[k] != w {
				continue series
			}
		}
		if len(got) != len(want) {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

// expect checks series values; want maps "name{k=v,...}" to a value.
func expect(t *testing.T, fams map[string]*dto.MetricFamily, want map[string]float64) {
	t.Helper()
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		name, rest, _ := strings.Cut(strings.TrimSuffix(key, "}"), "{")
		var labels []string
		for _, kv := range strings.Split(rest, ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				labels = append(labels, k, v)
			}
		}
		got, ok := sample(fams, name, labels...)
		switch {
		case !ok:
			t.Errorf("%s: absent", key)
		case got != want[key]:
			t.Errorf("%s = %v, want %v", key, got, want[key])
		}
	}
}

// logBuffer collects JSON log lines from every goroutine of a running App.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the logged records for which keep is true.
func (b *logBuffer) lines(t *testing.T, keep func(map[string]any) bool) []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line is not JSON: %v: %s", err, sc.Text())
		}
		if keep(rec) {
			out = append(out, rec)
		}
	}
	return out
}

func TestMetricsAndLogsShowWhatHappened(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		var logs logBuffer
		h := apptest.Start(t, d, apptest.Options{
			Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		})
		addSampleSuppliers(h)
		body := sampleOrder(9400, "paid", false, time.Time{})
		for _, want := range []struct {
			delivery, signature string
			status              int
		}{
			{"m-1", "", http.StatusOK},                 // stored
			{"m-1", "", http.StatusOK},                 // duplicate
			{"m-2", "forged", http.StatusUnauthorized}, // refused
			{"m-3", "", http.StatusOK},                 // ignored: see the topic below
		} {
			topic, sig := "orders/create", want.signature
			if want.delivery == "m-3" {
				topic = "products/update"
			}
			var res *http.Response
			if sig == "" {
				res = h.Webhook(topic, want.delivery, body)
			} else {
				res = h.WebhookSigned(topic, want.delivery, body, sig)
			}
			if res.StatusCode != want.status {
				t.Fatalf("delivery %s answered %d, want %d", want.delivery, res.StatusCode, want.status)
			}
		}
		tooLarge := bytes.Repeat([]byte(" "), int(h.App.Config.WebhookMaxBytes)+1)
		if res := h.Webhook("orders/create", "m-4", tooLarge); res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("oversized delivery answered %d", res.StatusCode)
		}
		h.Eventually("three sent POs", func() bool { return h.Count("purchase_orders", "state = ?", models.POSent) == 3 })
		h.Idle()

		fams := scrape(t, h)
		expect(t, fams, map[string]float64{
			"consign_webhook_deliveries_total{platform=shopify,topic=orders/create,outcome=stored}":    1,
			"consign_webhook_deliveries_total{platform=shopify,topic=orders/create,outcome=duplicate}": 1,
			"consign_webhook_deliveries_total{platform=shopify,topic=,outcome=refused}":                1,
			"consign_webhook_deliveries_total{platform=shopify,topic=other,outcome=ignored}":           1,
			"consign_webhook_deliveries_total{platform=shopify,topic=,outcome=too_large}":              1,
			"consign_webhook_duration_seconds{platform=shopify}":                                       5,
			"consign_http_request_duration_seconds{method=POST,route=/webhooks/shopify,status=200}":    3,
			"consign_http_request_duration_seconds{method=POST,route=/webhooks/shopify,status=401}":    1,
			"consign_jobs_total{kind=process_event,outcome=completed}":                                 1,
			"consign_job_duration_seconds{kind=process_event}":                                         1,
			"consign_job_queue_wait_seconds{kind=process_event}":                                       1,
			"consign_purchase_orders{state=sent}":                                                      3,
			"consign_purchase_orders{state=shipped}":                                                   0,
			"consign_job_queue_jobs{state=available}":                                                  0,
			"consign_job_queue_jobs{state=running}":                                                    0,
		})
		// Every job that ran is counted once in the queue (River keeps
		// completed jobs for a while). Processing the event routed the order
		// and sent its portal POs in the same job.
		if n, ok := sample(fams, "consign_job_queue_jobs", "state", "completed"); !ok || n != 1 {
			t.Errorf("completed jobs in the queue = %v (present %v), want 1", n, ok)
		}
		for _, name := range []string{"go_goroutines", "process_cpu_seconds_total"} {
			if fams[name] == nil {
				t.Errorf("%s is absent: Go and process collectors not registered", name)
			}
		}

		// One debug line per request, carrying what the webhook handler learnt.
		stored := logs.lines(t, func(r map[string]any) bool {
			return r["msg"] == "request" && r["delivery_id"] == "m-1" && r["outcome"] == "stored"
		})
		if len(stored) != 1 {
			t.Fatalf("request lines for the stored delivery = %d, want 1", len(stored))
		}
		line := stored[0]
		for k, want := range map[string]any{
			"platform": "shopify", "shop": apptest.Shop, "topic": "orders/create", "route": "/webhooks/shopify",
			"status": float64(200), "level": "DEBUG",
		} {
			if line[k] != want {
				t.Errorf("request line %s = %v, want %v (line %v)", k, line[k], want, line)
			}
		}
		if id, _ := line["request_id"].(string); id == "" {
			t.Errorf("request line has no request_id: %v", line)
		}
		// The refusal is logged once, at warn, with the request's context.
		refused := logs.lines(t, func(r map[string]any) bool { return r["msg"] == "request failed" && r["status"] == float64(401) })
		if len(refused) != 1 {
			t.Fatalf("request failed lines = %d, want 1", len(refused))
		}
		if r := refused[0]; r["level"] != "WARN" || r["platform"] != "shopify" || r["shop"] != apptest.Shop ||
			r["status"] != float64(401) || r["request_id"] == nil || r["request_id"] == "" {
			t.Errorf("refusal line = %v", r)
		}
	})
}

func TestMetricsRecordFulfillmentPush(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		addSampleSuppliers(h)
		const orderID = 9500
		h.Fake.AddOrder(apptest.Shop, fmt.Sprintf("gid://shopify/Order/%d", orderID), []fakeshopify.Line{
			{ID: fmt.Sprint(samples.LineID(orderID, 0)), Quantity: 1},
			{ID: fmt.Sprint(samples.LineID(orderID, 1)), Quantity: 2},
			{ID: fmt.Sprint(samples.LineID(orderID, 2)), Quantity: 1},
		})
		h.Webhook("orders/create", "mf-1", sampleOrder(orderID, "paid", false, time.Time{}))
		h.Eventually("three sent POs", func() bool { return h.Count("purchase_orders", "state = ?", models.POSent) == 3 })
		var po models.PurchaseOrder
		apptest.Must(t, h.App.DB.Gorm.Order("supplier_id").First(&po).Error)
		apptest.Must(t, h.App.DB.Gorm.Where("purchase_order_id = ?", po.ID).Find(&po.Lines).Error)
		ctx := context.Background()
		_, err := h.App.Purchasing.Accept(ctx, po.SupplierID, po.ID, "test")
		apptest.Must(t, err)

		// Shopify refuses the first request for lack of budget: the client
		// waits the second Shopify asks for, then goes on.
		h.Fake.Script(fakeshopify.Throttled())
		_, err = h.App.Purchasing.AddShipment(ctx, po.SupplierID, po.ID, shipmentFor(po, "1Z-METRICS"))
		apptest.Must(t, err)
		h.Eventually("the shipment pushed", func() bool { return h.Count("shipments", "state = ?", models.ShipmentPushed) == 1 })
		h.Idle()

		// Every request the fake answered is counted, by operation and status.
		want := map[string]float64{}
		for _, r := range h.Fake.Requests() {
			want[fmt.Sprintf("consign_platform_requests_total{platform=shopify,operation=%s,status=%d}", r.Operation, r.Status)]++
		}
		if len(want) == 0 {
			t.Fatal("the fake received no request")
		}
		want["consign_platform_request_duration_seconds{platform=shopify,operation=fulfillmentCreate}"] = 1
		want["consign_platform_waits_total{platform=shopify,reason=throttled}"] = 1
		want["consign_jobs_total{kind=push_shipment,outcome=completed}"] = 1
		want["consign_purchase_orders{state=shipped}"] = 1
		fams := scrape(t, h)
		expect(t, fams, want)
		if n, _ := sample(fams, "consign_platform_requests_total", "platform", "shopify", "operation", "order", "status", "200"); n != 2 {
			t.Errorf("order queries counted = %v, want 2 (the throttled one and its retry)", n)
		}
		// The fake reports the bucket one second of refill short.
		if s, _ := sample(fams, "consign_platform_wait_seconds_total", "platform", "shopify", "reason", "throttled"); s < 0.5 || s > 2 {
			t.Errorf("throttle wait seconds = %v, want about 1", s)
		}
	})
}
