package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/models"
)

func TestIngestAnswers(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		addSampleSuppliers(h)

		// Over the size limit: 413, nothing stored.
		huge := []byte(`{"id":1,"note":"` + strings.Repeat("x", 3<<20) + `"}`)
		if res := h.Webhook("orders/create", "huge", huge); res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("huge body answered %d, want 413", res.StatusCode)
		}
		if n := h.Count("webhook_events", ""); n != 0 {
			t.Fatalf("huge body stored %d events", n)
		}

		// Authentic but malformed: stored, answered 200, marked failed with the reason.
		if res := h.Webhook("orders/create", "malformed", []byte(`{"id": "not-a-number", "line_items": 7`)); res.StatusCode != http.StatusOK {
			t.Errorf("malformed body answered %d, want 200", res.StatusCode)
		}
		h.Idle()
		var ev models.WebhookEvent
		apptest.Must(t, h.App.DB.Gorm.Where("delivery_id = ?", "malformed").Take(&ev).Error)
		if ev.State != models.EventFailed || ev.Error == "" {
			t.Errorf("malformed event state %q error %q, want failed with a reason", ev.State, ev.Error)
		}

		// Invalid UTF-8 is kept byte for byte.
		bad := []byte{'{', '"', 'i', 'd', '"', ':', 0xff, 0xfe, '}'}
		h.Webhook("orders/create", "invalid-utf8", bad)
		h.Idle()
		var raw models.WebhookEvent
		apptest.Must(t, h.App.DB.Gorm.Where("delivery_id = ?", "invalid-utf8").Take(&raw).Error)
		if string(raw.Body) != string(bad) || raw.State != models.EventFailed {
			t.Errorf("invalid UTF-8 body stored as %q, state %q", raw.Body, raw.State)
		}

		// Replaying the malformed event fails again the same way, and a good
		// event replayed changes nothing.
		apptest.Must(t, h.App.Ingester.Replay(context.Background(), ev.ID))
		h.Idle()
		apptest.Must(t, h.App.DB.Gorm.Take(&ev, ev.ID).Error)
		if ev.State != models.EventFailed {
			t.Errorf("replayed malformed event is %q", ev.State)
		}
		h.Webhook("orders/create", "good", sampleOrder(9400, "paid", false, time.Time{}))
		h.Eventually("three POs", func() bool { return h.Count("purchase_orders", "") == 3 })
		h.Idle()
		var good models.WebhookEvent
		apptest.Must(t, h.App.DB.Gorm.Where("delivery_id = ?", "good").Take(&good).Error)
		apptest.Must(t, h.App.Ingester.Replay(context.Background(), good.ID))
		h.Idle()
		if n := h.Count("purchase_orders", ""); n != 3 {
			t.Errorf("replay made %d POs, want 3", n)
		}

		// A shop with no connection: stored as ignored, answered 200, no job.
		body := sampleOrder(9401, "paid", false, time.Time{})
		req, _ := http.NewRequest(http.MethodPost, h.URL+"/webhooks/shopify", strings.NewReader(string(body)))
		req.Header.Set("X-Shopify-Topic", "orders/create")
		req.Header.Set("X-Shopify-Shop-Domain", "stranger.myshopify.com")
		req.Header.Set("X-Shopify-Webhook-Id", "stranger")
		req.Header.Set("X-Shopify-Hmac-Sha256", shopify.Sign([]byte(apptest.Secret), body))
		res, err := http.DefaultClient.Do(req)
		apptest.Must(t, err)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("unknown shop answered %d", res.StatusCode)
		}
		if n := h.Count("webhook_events", "delivery_id = ? AND state = ?", "stranger", models.EventIgnored); n != 1 {
			t.Errorf("unknown shop's delivery not stored as ignored")
		}

		// An unhandled topic is stored as ignored.
		h.Webhook("products/update", "product", []byte(`{"id": 1}`))
		if n := h.Count("webhook_events", "delivery_id = ? AND state = ?", "product", models.EventIgnored); n != 1 {
			t.Errorf("unhandled topic not stored as ignored")
		}
	})
}

// With the database gone the endpoint answers 503, so Shopify retries.
func TestIngestAnswers503WithoutDatabase(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{NoWorkers: true})
		h.App.DB.SQL.Close()
		res := h.Webhook("orders/create", "down", sampleOrder(9500, "paid", false, time.Time{}))
		if res.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("answered %d with the database closed, want 503", res.StatusCode)
		}
		r, err := http.Get(h.URL + "/readyz")
		apptest.Must(t, err)
		r.Body.Close()
		if r.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("/readyz answered %d with the database closed", r.StatusCode)
		}
		r, err = http.Get(h.URL + "/healthz")
		apptest.Must(t, err)
		r.Body.Close()
		if r.StatusCode != http.StatusOK {
			t.Errorf("/healthz answered %d", r.StatusCode)
		}
	})
}
