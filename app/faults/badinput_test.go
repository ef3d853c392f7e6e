package faults_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/app/samples"
	"github.com/consign/consign/models"
)

// Hostile and broken deliveries each get a clear answer: forged ones 401
// and nothing stored, oversized ones 413 and nothing stored, authentic but
// unusable ones 200 and stored (failed or ignored, with the reason), so
// nothing authentic is ever dropped.
func TestBadInput(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		addSampleSuppliers(h)
		order := samples.ShopifyOrder(samples.Order{ID: 5_100_000, Number: 7001, Lines: []samples.OrderLine{{Product: samples.Products[0], Quantity: 1}}})
		sign := func(body []byte) string { return shopify.Sign([]byte(apptest.Secret), body) }
		otherSecret := hmac.New(sha256.New, []byte("not-the-app-secret"))
		otherSecret.Write(order)
		huge := append([]byte(`{"id":1,"note":"`), bytes.Repeat([]byte("x"), 2<<20)...)
		huge = append(huge, `"}`...)
		deep := []byte(strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000))
		truncated := order[:len(order)/2]
		// Invalid UTF-8 inside a string of a good order: JSON decoding reads
		// it as U+FFFD, so the order goes through; the raw bytes are kept.
		other := samples.ShopifyOrder(samples.Order{ID: 5_100_001, Number: 7002, Lines: []samples.OrderLine{{Product: samples.Products[4], Quantity: 2}}})
		invalidUTF8 := bytes.Replace(other, []byte(`"note":""`), []byte("\"note\":\"\xff\xfe\xfd\""), 1)
		if bytes.Equal(invalidUTF8, other) {
			t.Fatal("the sample order has no empty note to spoil")
		}
		// Invalid UTF-8 where JSON syntax should be.
		invalidSyntax := []byte("{\"id\":\xff\xfe}")

		type want struct {
			status int
			state  string // the stored event's state; "" when nothing may be stored
			reason string // part of the stored error
		}
		cases := []struct {
			name    string
			body    []byte
			sig     string
			headers map[string]string
			chunked bool // no Content-Length: the limit must hold while reading
			want    want
		}{
			{name: "forged signature", body: order, sig: "c2lnbmF0dXJlLWJ5LXNvbWVib2R5LWVsc2UtMzItYnl0ZXM=", want: want{status: 401}},
			{name: "signed with another secret", body: order, sig: base64.StdEncoding.EncodeToString(otherSecret.Sum(nil)), want: want{status: 401}},
			{name: "missing signature", body: order, want: want{status: 401}},
			{name: "wrong-length signature", body: order, sig: "AAAA", want: want{status: 401}},
			{name: "signature not base64", body: order, sig: "!!!not base64!!!", want: want{status: 401}},
			{name: "signature of the whole body, body truncated", body: truncated, sig: sign(order), want: want{status: 401}},
			{name: "huge forged", body: huge, sig: "AAAA", want: want{status: 413}},
			{name: "huge", body: huge, sig: sign(huge), want: want{status: 413}},
			{name: "huge without length", body: huge, sig: sign(huge), chunked: true, want: want{status: 413}},
			{name: "truncated then signed", body: truncated, sig: sign(truncated), want: want{200, models.EventFailed, "not valid JSON"}},
			{name: "invalid UTF-8 in a string", body: invalidUTF8, sig: sign(invalidUTF8), want: want{200, models.EventProcessed, ""}},
			{name: "invalid UTF-8 as syntax", body: invalidSyntax, sig: sign(invalidSyntax), want: want{200, models.EventFailed, "not valid JSON"}},
			{name: "deep nesting", body: deep, sig: sign(deep), want: want{200, models.EventFailed, "not valid JSON"}},
			{name: "empty body", body: []byte{}, sig: sign([]byte{}), want: want{200, models.EventFailed, "empty"}},
			{name: "JSON array", body: []byte(`[1,2]`), sig: sign([]byte(`[1,2]`)), want: want{200, models.EventFailed, "not an object"}},
			{name: "wrong content type", body: order, sig: sign(order), headers: map[string]string{"Content-Type": "text/plain"},
				want: want{200, models.EventProcessed, ""}},
			{name: "missing topic", body: order, sig: sign(order), headers: map[string]string{"X-Shopify-Topic": ""},
				want: want{200, models.EventIgnored, "not handled"}},
			{name: "missing shop", body: order, sig: sign(order), headers: map[string]string{"X-Shopify-Shop-Domain": ""},
				want: want{200, models.EventIgnored, "no connection"}},
		}
		for i, c := range cases {
			id := fmt.Sprintf("bad-%02d", i)
			req, err := http.NewRequest(http.MethodPost, h.URL+"/webhooks/shopify", bytes.NewReader(c.body))
			apptest.Must(t, err)
			if c.chunked {
				req.Body = io.NopCloser(bytes.NewReader(c.body)) // hides the length
				req.ContentLength = -1
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Shopify-Topic", "orders/create")
			req.Header.Set("X-Shopify-Shop-Domain", apptest.Shop)
			req.Header.Set("X-Shopify-Webhook-Id", id)
			if c.sig != "" {
				req.Header.Set("X-Shopify-Hmac-Sha256", c.sig)
			}
			for k, v := range c.headers {
				req.Header.Del(k)
				if v != "" {
					req.Header.Set(k, v)
				}
			}
			res, err := webhookClient.Do(req)
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			answer, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != c.want.status {
				t.Errorf("%s: answered %d %s, want %d", c.name, res.StatusCode, answer, c.want.status)
			}
			if c.want.status != http.StatusOK && !bytes.Contains(answer, []byte(`"error"`)) {
				t.Errorf("%s: answer %s has no error object", c.name, answer)
			}
		}

		h.Idle()
		var events []models.WebhookEvent
		apptest.Must(t, h.App.DB.Gorm.Order("id").Find(&events).Error)
		byID := make(map[string]models.WebhookEvent)
		for _, ev := range events {
			byID[ev.DeliveryID] = ev
		}
		for i, c := range cases {
			id := fmt.Sprintf("bad-%02d", i)
			ev, stored := byID[id]
			switch {
			case c.want.state == "" && stored:
				t.Errorf("%s: stored as event %d (%s)", c.name, ev.ID, ev.State)
			case c.want.state == "":
			case !stored:
				t.Errorf("%s: authentic delivery not stored", c.name)
			case ev.State != c.want.state || !strings.Contains(ev.Error, c.want.reason):
				t.Errorf("%s: stored %s with %q, want %s with a reason containing %q", c.name, ev.State, ev.Error, c.want.state, c.want.reason)
			case !bytes.Equal(ev.Body, c.body):
				t.Errorf("%s: body not stored byte for byte (%d bytes stored of %d)", c.name, len(ev.Body), len(c.body))
			}
		}
		if len(events) != 9 {
			t.Errorf("%d events stored, want the 9 authentic deliveries", len(events))
		}
		// The two usable orders became their orders and POs; nothing else did.
		if n := h.Count("orders", ""); n != 2 {
			t.Errorf("orders = %d, want 2", n)
		}
		if n := h.Count("purchase_orders", ""); n != 2 {
			t.Errorf("purchase orders = %d, want 2", n)
		}
		// The service still answers normally afterwards.
		status, err := post(t.Context(), h.URL, delivery{ID: "after", Topic: "orders/create", Body: order})
		if err != nil || status != http.StatusOK {
			t.Errorf("a good delivery after the bad ones: %d %v", status, err)
		}
	})
}
