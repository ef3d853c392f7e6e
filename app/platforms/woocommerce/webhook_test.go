package woocommerce_test

import (
	"context"
	"testing"
	"time"

	"github.com/consign/consign/app/platforms/woocommerce"
)

func TestVerifyWebhookWithFakeDeliveries(t *testing.T) {
	t.Parallel()
	store, c := newStore(t)
	store.AddOrder(sampleOrder(5, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)))
	secret := "s3cretLettersAndDigits"
	if _, err := c.EnsureWebhooks(context.Background(), "https://consign.example/webhooks/woocommerce", secret, woocommerce.OrderTopics); err != nil {
		t.Fatalf("EnsureWebhooks: %v", err)
	}
	body, h := store.Delivery("order.updated", 5)
	if body == nil {
		t.Fatal("no delivery for order.updated")
	}
	sig := h.Get(woocommerce.HeaderSignature)
	if !woocommerce.VerifyWebhook([]byte(secret), body, sig) {
		t.Fatalf("a genuine delivery did not verify (signature %q)", sig)
	}
	if woocommerce.VerifyWebhook([]byte("another secret"), body, sig) {
		t.Error("verified under the wrong secret")
	}
	forged := append([]byte(nil), body...)
	forged[len(forged)-2] ^= 1
	if woocommerce.VerifyWebhook([]byte(secret), forged, sig) {
		t.Error("a changed body verified")
	}
	for _, bad := range []string{"", "not base64!", woocommerce.Sign([]byte(secret), []byte("other body"))} {
		if woocommerce.VerifyWebhook([]byte(secret), body, bad) {
			t.Errorf("signature %q verified", bad)
		}
	}
	if woocommerce.VerifyWebhook(nil, body, sig) {
		t.Error("an empty secret verified")
	}

	// The delivery carries the headers WooCommerce sends, and a body the
	// translator reads.
	if got := h.Get(woocommerce.HeaderSource); got != store.URL+"/" {
		t.Errorf("source %q", got)
	}
	if h.Get(woocommerce.HeaderTopic) != "order.updated" || h.Get(woocommerce.HeaderResource) != "order" || h.Get(woocommerce.HeaderEvent) != "updated" {
		t.Errorf("topic headers %v", h)
	}
	if _, h2 := store.Delivery("order.updated", 5); h2.Get(woocommerce.HeaderDeliveryID) == h.Get(woocommerce.HeaderDeliveryID) {
		t.Error("two sends share a delivery id")
	}
	src, err := woocommerce.NormalizeStoreURL(h.Get(woocommerce.HeaderSource))
	if err != nil || src != c.StoreURL() {
		t.Errorf("normalised source %q (%v), want %q", src, err, c.StoreURL())
	}
	if o, err := woocommerce.TranslateOrder(body); err != nil || o.ExternalID != "5" {
		t.Errorf("TranslateOrder(delivery) = %+v, %v", o, err)
	}
	if id, _, err := woocommerce.OrderVersion(body); err != nil || id != 5 {
		t.Errorf("OrderVersion(delivery) = %d, %v", id, err)
	}
}

func TestParsePing(t *testing.T) {
	t.Parallel()
	store, c := newStore(t)
	if _, err := c.EnsureWebhooks(context.Background(), "https://consign.example/hook", "secret1", []string{"order.created"}); err != nil {
		t.Fatal(err)
	}
	hook := store.Webhooks()[0]
	body, h := store.Ping(hook.ID)
	if id, ok := woocommerce.ParsePing(h.Get("Content-Type"), body); !ok || id != hook.ID {
		t.Errorf("ParsePing(fake ping) = %d, %v; want %d", id, ok, hook.ID)
	}
	for _, tc := range []struct{ ct, body string }{
		{"application/json", `webhook_id=3`},
		{"application/x-www-form-urlencoded", `{"id":3}`},
		{"application/x-www-form-urlencoded", `webhook_id=0`},
		{"application/x-www-form-urlencoded", `webhook_id=abc`},
		{"application/x-www-form-urlencoded", `webhook_id=3&x=1`},
		{"", ``},
	} {
		if id, ok := woocommerce.ParsePing(tc.ct, []byte(tc.body)); ok {
			t.Errorf("ParsePing(%q, %q) = %d, true", tc.ct, tc.body, id)
		}
	}
	if id, ok := woocommerce.ParsePing("", []byte("webhook_id=12")); !ok || id != 12 {
		t.Errorf("ParsePing without a content type = %d, %v", id, ok)
	}
}
