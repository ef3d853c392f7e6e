package fakewoocommerce_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/platforms/woocommerce/fakewoocommerce"
)

const key, secret = "ck_test", "cs_test"

func start(t *testing.T) *fakewoocommerce.Server {
	t.Helper()
	s := fakewoocommerce.New(key, secret)
	t.Cleanup(s.Close)
	return s
}

// do sends a request with the store's key and decodes the JSON answer.
func do(t *testing.T, s *fakewoocommerce.Server, method, path, body string, auth bool) (int, http.Header, map[string]any, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth {
		req.SetBasicAuth(key, secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var obj map[string]any
	_ = json.Unmarshal(raw, &obj)
	return resp.StatusCode, resp.Header, obj, raw
}

func TestAuthAndRoutes(t *testing.T) {
	t.Parallel()
	s := start(t)
	status, _, obj, _ := do(t, s, "GET", "/wp-json/wc/v3/orders", "", false)
	if status != 401 || obj["code"] != "woocommerce_rest_cannot_view" {
		t.Errorf("no auth: %d %v", status, obj)
	}
	status, _, obj, _ = do(t, s, "GET", "/wp-json/wc/v3/nothing", "", true)
	if status != 404 || obj["code"] != "rest_no_route" || obj["data"].(map[string]any)["status"] != 404.0 {
		t.Errorf("unknown route: %d %v", status, obj)
	}
	s.SetTrackingExtension(false)
	status, _, obj, _ = do(t, s, "GET", "/wp-json/wc-shipment-tracking/v3/orders/1/shipment-trackings", "", true)
	if status != 404 || obj["code"] != "rest_no_route" {
		t.Errorf("tracking off: %d %v", status, obj)
	}
	status, _, obj, _ = do(t, s, "GET", "/wp-json/wc/v3/orders?per_page=101", "", true)
	if status != 400 || obj["code"] != "rest_invalid_param" {
		t.Errorf("per_page 101: %d %v", status, obj)
	}
	reqs := s.Requests()
	if len(reqs) != 4 || reqs[3].Query.Get("per_page") != "101" || reqs[0].Status != 401 {
		t.Errorf("requests = %+v", reqs)
	}
}

// TestOrderShape checks the rendered order against the fixture from a real
// WooCommerce 8 webhook: every field there is here too, and JSON is encoded
// as PHP encodes it.
func TestOrderShape(t *testing.T) {
	t.Parallel()
	s := start(t)
	s.AddOrder(fakewoocommerce.Order{
		ID: 15, Email: "zoë@example.com", DateModified: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Shipping: fakewoocommerce.Address{FirstName: "Zoë", Country: "FR"},
		Lines:    []fakewoocommerce.Line{{ProductID: 14, Name: "Thing", Quantity: 3, Price: "2.50"}},
	})
	raw := s.OrderJSON(15)
	var got, want map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(apptest.Fixture(t, "woocommerce/webhook_order_created_body_pipedream_test_event.json"), &want); err != nil {
		t.Fatal(err)
	}
	for k := range want {
		if _, ok := got[k]; !ok {
			t.Errorf("order lacks %q", k)
		}
	}
	gotLine := got["line_items"].([]any)[0].(map[string]any)
	for k := range want["line_items"].([]any)[0].(map[string]any) {
		if _, ok := gotLine[k]; !ok {
			t.Errorf("line item lacks %q", k)
		}
	}
	if gotLine["sku"] != nil || gotLine["subtotal"] != "7.50" || gotLine["price"] != 2.5 || got["date_modified_gmt"] != "2026-01-02T03:04:05" {
		t.Errorf("line %v, modified %v", gotLine, got["date_modified_gmt"])
	}
	if !bytes.Contains(raw, []byte(`"Zo\u00eb"`)) || !bytes.Contains(raw, []byte(`http:\/\/127.0.0.1`)) {
		t.Errorf("not encoded as PHP does: %s", raw)
	}
	// A status change moves date_modified on and leaves a system note.
	if !s.SetStatus(15, "completed") {
		t.Fatal("SetStatus: no order")
	}
	st, _ := s.Order(15)
	if st.Status != "completed" || !st.DateModified.After(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) ||
		len(st.Notes) != 1 || st.Notes[0].CustomerNote {
		t.Errorf("after SetStatus: %+v", st)
	}
}

func TestWebhookCRUD(t *testing.T) {
	t.Parallel()
	s := start(t)
	status, _, obj, _ := do(t, s, "POST", "/wp-json/wc/v3/webhooks", `{"topic":"order.nope","delivery_url":"https://x.example"}`, true)
	if status != 400 || obj["code"] != "woocommerce_rest_webhook_invalid_topic" {
		t.Errorf("bad topic: %d %v", status, obj)
	}
	status, _, obj, _ = do(t, s, "POST", "/wp-json/wc/v3/webhooks", `{"topic":"order.updated","delivery_url":"https://x.example","secret":"k"}`, true)
	if status != 201 || obj["status"] != "active" || obj["resource"] != "order" || obj["event"] != "updated" || obj["secret"] != nil {
		t.Errorf("create: %d %v", status, obj)
	}
	id := int64(obj["id"].(float64))
	if body, _ := s.Delivery("order.updated", 1); body != nil {
		t.Error("a delivery for an order that does not exist")
	}
	s.AddOrder(fakewoocommerce.Order{ID: 1})
	s.DisableWebhook(id)
	if body, _ := s.Delivery("order.updated", 1); body != nil {
		t.Error("a disabled hook delivered")
	}
	status, _, obj, _ = do(t, s, "PUT", "/wp-json/wc/v3/webhooks/1", `{"status":"active","secret":"k2"}`, true)
	if status != 200 || obj["status"] != "active" {
		t.Errorf("update: %d %v", status, obj)
	}
	if hooks := s.Webhooks(); len(hooks) != 1 || hooks[0].Secret != "k2" {
		t.Errorf("hooks = %+v", hooks)
	}
	if status, _, _, _ := do(t, s, "DELETE", "/wp-json/wc/v3/webhooks/1", "", true); status != 501 {
		t.Errorf("delete without force: %d", status)
	}
	if status, _, _, _ := do(t, s, "DELETE", "/wp-json/wc/v3/webhooks/1?force=true", "", true); status != 200 || len(s.Webhooks()) != 0 {
		t.Errorf("delete: %d, %d hooks left", status, len(s.Webhooks()))
	}
	status, h, _, raw := do(t, s, "GET", "/wp-json/wc/v3/webhooks", "", true)
	if status != 200 || h.Get("X-WP-TotalPages") != "0" || string(raw) != "[]" {
		t.Errorf("empty list: %d %v %s", status, h, raw)
	}
	if s.CallbackStatus() != 0 {
		t.Errorf("CallbackStatus = %d before any authorization", s.CallbackStatus())
	}
}
