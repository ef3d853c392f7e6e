// Package apptest starts a real Consign for tests: the echo server on a
// loopback port, real River workers, a fresh database of the dialect, and a
// fake Shopify Admin API that records what it receives.
package apptest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/consign/consign/app"
	"github.com/consign/consign/app/accounts"
	"github.com/consign/consign/app/catalog"
	"github.com/consign/consign/app/config"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/database/dbtest"
	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/app/platforms/shopify/fakeshopify"
	"github.com/consign/consign/app/queue"
)

// Shop is the retailer store every harness connects.
const (
	Shop   = "test-retailer.myshopify.com"
	Token  = "shpat_test_token"
	Secret = "test-app-secret"
	// EncryptionKey seals tokens at rest; fixed, so a restarted harness reads them.
	EncryptionKey = "Y29uc2lnbi10ZXN0LWVuY3J5cHRpb24ta2V5LTMyYiE="
	// APIKey is the app's client id.
	APIKey = "test-api-key"
)

// Harness is one running Consign with its fake Shopify.
type Harness struct {
	T          testing.TB
	App        *app.App
	URL        string
	Fake       *fakeshopify.Server
	RetailerID int64
	DBURL      string
	Dialect    database.Dialect

	stop context.CancelFunc
	done chan struct{}
}

// Options tune a harness.
type Options struct {
	// NoWorkers starts the server without job workers.
	NoWorkers bool
	// DBURL reuses an existing database (a restart); empty makes a fresh one.
	DBURL string
	// Fake reuses a fake Shopify; nil makes a fresh one.
	Fake *fakeshopify.Server
	// Queue overrides the worker pool sizing.
	Queue *queue.Config
	// Logger replaces the default: warnings and up, into the test's log.
	Logger *slog.Logger
	// RetryPolicy replaces River's retry backoff (attempt^4 seconds, too
	// slow for tests that make jobs fail on purpose). It applies on top of
	// Queue, or of the dialect's default queue config.
	RetryPolicy river.ClientRetryPolicy
	// Env adds to the environment the App is configured from (other
	// platforms' fakes and credentials).
	Env map[string]string
}

// Start runs Consign on a fresh database of the dialect, migrated, with the
// retailer store connected. It stops when the test ends.
func Start(t testing.TB, d database.Dialect, opts Options) *Harness {
	t.Helper()
	h := &Harness{T: t, Dialect: d, Fake: opts.Fake, DBURL: opts.DBURL}
	if h.Fake == nil {
		h.Fake = fakeshopify.New(fakeshopify.Options{})
		h.Fake.SetToken(Shop, Token)
		h.Fake.SetApp(APIKey, Secret, 0, 0)
	}
	fakeSrv := httptest.NewServer(h.Fake)
	t.Cleanup(fakeSrv.Close)
	fresh := h.DBURL == ""
	if fresh {
		h.DBURL = dbtest.URL(t, d)
	}
	ctx := context.Background()
	if fresh {
		db, err := database.Open(ctx, h.DBURL, database.Options{})
		if err != nil {
			t.Fatal(err)
		}
		err = db.Migrate(ctx)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Listen first, so the App knows its own URL (hooks it creates in
	// stores point there).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.URL = "http://" + ln.Addr().String()
	env := map[string]string{
		"DATABASE_URL": h.DBURL, "SHOPIFY_API_KEY": APIKey, "SHOPIFY_API_SECRET": Secret,
		"SHOPIFY_API_BASE_URL": fakeSrv.URL, "CONSIGN_ENCRYPTION_KEY": EncryptionKey, "APP_URL": h.URL,
		// The fake stores listen on loopback.
		"CONSIGN_ALLOW_PRIVATE_URLS": "1",
	}
	for k, v := range opts.Env {
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	qcfg := opts.Queue
	if opts.RetryPolicy != nil {
		c := queue.DefaultConfig(d)
		if opts.Queue != nil {
			c = *opts.Queue
		}
		c.RetryPolicy = opts.RetryPolicy
		qcfg = &c
	}
	a, err := app.New(ctx, cfg, log, app.Options{Workers: !opts.NoWorkers, Queue: qcfg})
	if err != nil {
		t.Fatal(err)
	}
	h.App = a
	conn, err := a.Accounts.Connect(ctx, "shopify", Shop, Token)
	if err != nil {
		t.Fatal(err)
	}
	h.RetailerID = conn.AccountID
	if err := a.StartWorkers(ctx); err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	h.stop, h.done = stop, make(chan struct{})
	go func() {
		defer close(h.done)
		a.Serve(sctx, ln)
	}()
	t.Cleanup(h.Stop)
	return h
}

// Stop shuts the server and workers down; safe to call twice.
func (h *Harness) Stop() {
	if h.stop == nil {
		return
	}
	h.stop()
	<-h.done
	h.App.Close()
	h.stop = nil
}

// testWriter sends logs to the test's log, so they show only on failure.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Webhook posts a body to /webhooks/shopify signed with the app secret.
func (h *Harness) Webhook(topic, deliveryID string, body []byte) *http.Response {
	h.T.Helper()
	return h.WebhookSigned(topic, deliveryID, body, shopify.Sign([]byte(Secret), body))
}

// WebhookSigned posts a body with the given signature header.
func (h *Harness) WebhookSigned(topic, deliveryID string, body []byte, signature string) *http.Response {
	h.T.Helper()
	req, err := http.NewRequest(http.MethodPost, h.URL+"/webhooks/shopify", strings.NewReader(string(body)))
	if err != nil {
		h.T.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Shopify-Topic", topic)
	req.Header.Set("X-Shopify-Shop-Domain", Shop)
	if deliveryID != "" {
		req.Header.Set("X-Shopify-Webhook-Id", deliveryID)
	}
	if signature != "" {
		req.Header.Set("X-Shopify-Hmac-Sha256", signature)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.T.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// AddSupplier adds a partner supplier with a catalog from CSV text.
func (h *Harness) AddSupplier(name string, priority int, csv string) (int64, string) {
	h.T.Helper()
	ctx := context.Background()
	sup, key, err := h.App.Accounts.AddSupplier(ctx, h.RetailerID, accounts.SupplierInput{Name: name, Priority: priority})
	if err != nil {
		h.T.Fatal(err)
	}
	if csv != "" {
		rep, err := catalog.Import(ctx, h.App.DB, sup.ID, "USD", strings.NewReader(csv), time.Now().UTC())
		if err != nil || rep.Bad > 0 {
			h.T.Fatalf("import catalog of %s: %v %+v", name, err, rep.Errors)
		}
	}
	return sup.ID, key
}

// Eventually polls cond until it holds or the deadline passes.
func (h *Harness) Eventually(what string, cond func() bool) {
	h.T.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.T.Fatalf("timed out waiting for %s", what)
}

// Count counts rows of a table matching a condition.
func (h *Harness) Count(table, where string, args ...any) int64 {
	h.T.Helper()
	var n int64
	q := h.App.DB.Gorm.Table(table)
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Count(&n).Error; err != nil {
		h.T.Fatalf("count %s: %v", table, err)
	}
	return n
}

// Idle waits until no job is waiting or running. Jobs scheduled for later
// than the next few seconds (an EDI acknowledgment deadline a day away)
// are not waiting.
func (h *Harness) Idle() {
	h.T.Helper()
	h.Eventually("the job queue to drain", func() bool {
		return h.Count("river_job", "state IN ? AND scheduled_at < ?", []string{"available", "running", "retryable", "scheduled", "pending"},
			time.Now().Add(10*time.Second)) == 0
	})
}

// Fixture reads a file from ../shared/fixtures. Without it the test is
// skipped, except under CI=true, where it fails.
func Fixture(t testing.TB, rel string) []byte {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "fixtures")
	data, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("fixture %s is required under CI: %v", rel, err)
		}
		t.Skipf("fixture %s not available (../shared/fixtures is absent in this checkout): %v", rel, err)
	}
	return data
}

// Must fails the test on err.
func Must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(fmt.Sprint(err))
	}
}
