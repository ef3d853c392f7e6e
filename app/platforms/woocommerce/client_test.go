package woocommerce_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/consign/consign/app/platforms/woocommerce"
)

func TestClientOrder(t *testing.T) {
	t.Parallel()
	store, c := newStore(t)
	ctx := context.Background()
	modified := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	store.AddOrder(sampleOrder(77, modified))

	body, err := c.Order(ctx, 77)
	if err != nil {
		t.Fatalf("Order: %v", err)
	}
	o, err := woocommerce.TranslateOrder(body)
	if err != nil {
		t.Fatalf("TranslateOrder: %v", err)
	}
	if o.ExternalID != "77" || o.Name != "#A-77" || o.Currency != "EUR" || !o.UpdatedAt.Equal(modified) || o.Hold != "" || !o.Paid() {
		t.Errorf("order = %+v", o)
	}
	if o.ShipTo.Name != "Ana Müller" || o.ShipTo.Address1 != "Hauptstraße 1" || o.CustomerEmail != "ana@example.com" {
		t.Errorf("ShipTo %+v, email %q", o.ShipTo, o.CustomerEmail)
	}
	if len(o.Lines) != 2 || o.Lines[0].UnitPrice != 1250 || o.Lines[0].Title != "Mug & Saucer" || o.Lines[0].SKU != "MUG-1" ||
		o.Lines[1].SKU != "" || o.Lines[1].VariantID != "13" || o.Lines[1].UnitPrice != 300 {
		t.Errorf("lines = %+v", o.Lines)
	}

	if _, err := c.Order(ctx, 404); !errors.Is(err, woocommerce.ErrNotFound) {
		t.Errorf("missing order: %v, want ErrNotFound", err)
	}
	bad, _ := woocommerce.NewClient(woocommerce.ClientOptions{}, store.URL, testKey, "cs_wrong")
	var apiErr *woocommerce.APIError
	if _, err := bad.Order(ctx, 77); !errors.Is(err, woocommerce.ErrUnauthorized) || !errors.As(err, &apiErr) || apiErr.Code != "woocommerce_rest_authentication_error" {
		t.Errorf("wrong secret: %v", err)
	}
}

func TestClientRetryable(t *testing.T) {
	t.Parallel()
	store, c := newStore(t)
	ctx := context.Background()
	store.AddOrder(sampleOrder(1, time.Time{}))
	for _, tc := range []struct {
		status int
		after  time.Duration
	}{{http.StatusInternalServerError, 30 * time.Second}, {http.StatusServiceUnavailable, 2 * time.Second}, {http.StatusTooManyRequests, 2 * time.Second}} {
		store.FailNext(1, tc.status)
		_, err := c.Order(ctx, 1)
		var re *woocommerce.RetryableError
		if !errors.As(err, &re) || re.After != tc.after {
			t.Errorf("HTTP %d: err = %v, want RetryableError after %s", tc.status, err, tc.after)
		}
	}
	if _, err := c.Order(ctx, 1); err != nil {
		t.Errorf("after the outage: %v", err)
	}
	// A store that cannot be reached at all is temporary too.
	store.Close()
	var re *woocommerce.RetryableError
	if _, err := c.Order(ctx, 1); !errors.As(err, &re) {
		t.Errorf("closed store: %v, want RetryableError", err)
	}
}

func TestModifiedOrdersPaging(t *testing.T) {
	t.Parallel()
	store, c := newStore(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := int64(1); i <= 150; i++ {
		store.AddOrder(sampleOrder(i, start.Add(time.Duration(151-i)*time.Minute))) // newest id, oldest change
	}
	after := start.Add(10*time.Minute + 30*time.Second) // excludes the orders changed at +1..+10 min
	var ids []int64
	var last time.Time
	for page := 1; ; page++ {
		orders, more, err := c.ModifiedOrders(ctx, after, page)
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		for _, raw := range orders {
			id, modified, err := woocommerce.OrderVersion(raw)
			if err != nil {
				t.Fatal(err)
			}
			if modified.Before(last) || !modified.After(after) {
				t.Fatalf("order %d modified %v: out of order or not after %v", id, modified, after)
			}
			last = modified
			ids = append(ids, id)
		}
		if !more {
			break
		}
	}
	if len(ids) != 140 || ids[0] != 140 || ids[139] != 1 {
		t.Errorf("got %d orders, first %d last %d; want 140 from 140 down to 1", len(ids), ids[0], ids[len(ids)-1])
	}
	reqs := store.Requests()
	q := reqs[len(reqs)-1].Query
	if q.Get("modified_after") != "2026-03-01T00:10:30" || q.Get("dates_are_gmt") != "true" || q.Get("orderby") != "modified" ||
		q.Get("order") != "asc" || q.Get("per_page") != "100" || q.Get("page") != "2" {
		t.Errorf("last query = %v", q)
	}
	if _, _, err := c.ModifiedOrders(ctx, after, 0); err == nil {
		t.Error("page 0 accepted")
	}
}

func TestEnsureWebhooks(t *testing.T) {
	t.Parallel()
	store, c := newStore(t)
	ctx := context.Background()
	const url, secret = "https://consign.example/webhooks/woocommerce", "abc123"
	other := store.AddWebhook(fakeHook("order.updated", "https://someone-else.example/hook"))

	n, err := c.EnsureWebhooks(ctx, url, secret, woocommerce.OrderTopics)
	if err != nil || n != 0 {
		t.Fatalf("first run = %d, %v", n, err)
	}
	hooks := store.Webhooks()
	if len(hooks) != 3 {
		t.Fatalf("hooks = %+v", hooks)
	}
	for _, h := range hooks[1:] {
		if h.DeliveryURL != url || h.Secret != secret || h.Status != "active" {
			t.Errorf("hook %+v", h)
		}
	}
	before := len(store.Requests())
	if n, err := c.EnsureWebhooks(ctx, url, secret, woocommerce.OrderTopics); err != nil || n != 0 || len(store.Webhooks()) != 3 {
		t.Errorf("second run = %d, %v, %d hooks", n, err, len(store.Webhooks()))
	}
	for _, r := range store.Requests()[before:] {
		if r.Method != "GET" {
			t.Errorf("second run sent %s %s", r.Method, r.Path)
		}
	}

	store.DisableWebhook(hooks[2].ID)
	store.DisableWebhook(other)
	if n, err := c.EnsureWebhooks(ctx, url, secret, woocommerce.OrderTopics); err != nil || n != 1 {
		t.Errorf("re-enable run = %d, %v", n, err)
	}
	for _, h := range store.Webhooks() {
		if want := map[bool]string{true: "disabled", false: "active"}[h.ID == other]; h.Status != want {
			t.Errorf("hook %d (%s) is %s, want %s", h.ID, h.DeliveryURL, h.Status, want)
		}
	}
}

func TestEnsureWebhooksPages(t *testing.T) {
	t.Parallel()
	store, c := newStore(t)
	for range 130 {
		store.AddWebhook(fakeHook("order.deleted", "https://someone-else.example/hook"))
	}
	const url = "https://consign.example/hook"
	id := store.AddWebhook(fakeHook("order.created", url)) // on page 2
	store.DisableWebhook(id)
	if n, err := c.EnsureWebhooks(context.Background(), url, "abc", []string{"order.created"}); err != nil || n != 1 {
		t.Errorf("EnsureWebhooks = %d, %v", n, err)
	}
	if len(store.Webhooks()) != 131 {
		t.Errorf("a hook was added although one existed on page 2")
	}
}
