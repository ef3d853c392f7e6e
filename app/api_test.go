package app_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/models"
)

type apiClient struct {
	t   *testing.T
	url string
	key string
}

func (c apiClient) do(method, path, body string) (int, map[string]any) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.url+path, strings.NewReader(body))
	apptest.Must(c.t, err)
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	apptest.Must(c.t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		c.t.Fatalf("%s %s answered non-JSON %q", method, path, raw)
	}
	return res.StatusCode, out
}

func errorCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func TestSupplierAPI(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		ids := addSampleSuppliers(h)
		_, otherKey, err := h.App.Accounts.AddSupplier(t.Context(), h.RetailerID, supplierInput("Stranger Co"))
		apptest.Must(t, err)
		var key string
		// A fresh key for the first sample supplier.
		key, err = h.App.Accounts.CreateAPIKey(t.Context(), ids[0])
		apptest.Must(t, err)
		for i := range 5 {
			h.Webhook("orders/create", fmt.Sprint("api-", i), sampleOrder(int64(9600+i), "paid", false, time.Time{}))
		}
		h.Eventually("15 sent POs", func() bool { return h.Count("purchase_orders", "state = ?", models.POSent) == 15 })
		api := apiClient{t, h.URL + "/api/v1", key}

		// Without a key, or with an unknown one: 401 in the error shape.
		if code, body := (apiClient{t, api.url, ""}).do("GET", "/purchase-orders", ""); code != 401 || errorCode(body) != "unauthorized" {
			t.Errorf("no key: %d %v", code, body)
		}
		if code, _ := (apiClient{t, api.url, "csk_nope"}).do("GET", "/purchase-orders", ""); code != 401 {
			t.Errorf("unknown key: %d", code)
		}

		// Pages of 2, newest first, until next_cursor is empty.
		var seen []float64
		cursor := ""
		for pages := 0; ; pages++ {
			code, body := api.do("GET", "/purchase-orders?limit=2&cursor="+cursor, "")
			if code != 200 {
				t.Fatalf("list: %d %v", code, body)
			}
			for _, p := range body["purchase_orders"].([]any) {
				seen = append(seen, p.(map[string]any)["id"].(float64))
			}
			cursor = body["next_cursor"].(string)
			if cursor == "" || pages > 5 {
				break
			}
		}
		if len(seen) != 5 {
			t.Fatalf("paged through %d POs, want 5: %v", len(seen), seen)
		}
		for i := 1; i < len(seen); i++ {
			if seen[i] >= seen[i-1] {
				t.Fatalf("not newest first: %v", seen)
			}
		}
		if code, _ := api.do("GET", "/purchase-orders?limit=501", ""); code != 422 {
			t.Errorf("limit 501 answered %d, want 422", code)
		}
		if code, _ := api.do("GET", "/purchase-orders?state=accepted", ""); code != 200 {
			t.Errorf("state filter answered %d", code)
		}

		// Detail has the contract's fields.
		id := int64(seen[0])
		code, po := api.do("GET", fmt.Sprintf("/purchase-orders/%d", id), "")
		if code != 200 {
			t.Fatalf("get: %d %v", code, po)
		}
		for _, f := range []string{"id", "number", "state", "order", "ship_to", "lines", "history"} {
			if _, ok := po[f]; !ok {
				t.Errorf("PO JSON lacks %q: %v", f, po)
			}
		}
		order := po["order"].(map[string]any)
		if order["platform"] != "shopify" || order["name"] != "#1001" || order["external_id"] == "" {
			t.Errorf("order ref = %v", order)
		}
		line := po["lines"].([]any)[0].(map[string]any)
		for _, f := range []string{"id", "sku", "title", "quantity", "cost"} {
			if _, ok := line[f]; !ok {
				t.Errorf("line JSON lacks %q: %v", f, line)
			}
		}

		// Another supplier's PO does not exist for this key, on every route.
		stranger := apiClient{t, api.url, otherKey}
		lineID := int64(line["id"].(float64))
		ship := fmt.Sprintf(`{"carrier":"UPS","tracking_number":"1Z1","lines":[{"line_id":%d,"quantity":1}]}`, lineID)
		for _, r := range [][3]string{{"GET", "", ""}, {"POST", "/accept", ""}, {"POST", "/reject", `{"reason":"x"}`}, {"POST", "/shipments", ship}} {
			if code, _ := stranger.do(r[0], fmt.Sprintf("/purchase-orders/%d%s", id, r[1]), r[2]); code != 404 {
				t.Errorf("%s %s by another supplier: %d, want 404", r[0], r[1], code)
			}
		}
		if code, _ := api.do("GET", "/purchase-orders/abc", ""); code != 404 {
			t.Errorf("malformed id: %d, want 404", code)
		}

		// Shipping before accepting is an illegal state change.
		if code, body := api.do("POST", fmt.Sprintf("/purchase-orders/%d/shipments", id), ship); code != 409 || errorCode(body) != "illegal_state" {
			t.Errorf("ship before accept: %d %v", code, body)
		}
		if code, _ := api.do("POST", fmt.Sprintf("/purchase-orders/%d/accept", id), ""); code != 200 {
			t.Fatalf("accept: %d", code)
		}
		if code, _ := api.do("POST", fmt.Sprintf("/purchase-orders/%d/accept", id), ""); code != 409 {
			t.Errorf("second accept: %d, want 409", code)
		}
		if code, _ := api.do("POST", fmt.Sprintf("/purchase-orders/%d/shipments", id), `{"tracking_number":`); code != 400 {
			t.Errorf("broken JSON: %d, want 400", code)
		}
		over := fmt.Sprintf(`{"tracking_number":"1Z2","lines":[{"line_id":%d,"quantity":99}]}`, lineID)
		if code, body := api.do("POST", fmt.Sprintf("/purchase-orders/%d/shipments", id), over); code != 422 || errorCode(body) != "invalid" {
			t.Errorf("over-shipment: %d %v", code, body)
		}
		if n := h.Count("shipments", ""); n != 0 {
			t.Errorf("refused shipments left %d rows", n)
		}
		if code, body := api.do("POST", fmt.Sprintf("/purchase-orders/%d/shipments", id), ship); code != 201 {
			t.Errorf("ship: %d %v", code, body)
		}

		// Reject needs a reason.
		other := int64(seen[1])
		if code, _ := api.do("POST", fmt.Sprintf("/purchase-orders/%d/reject", other), `{}`); code != 422 {
			t.Errorf("reject without reason: %d, want 422", code)
		}
		code, rejected := api.do("POST", fmt.Sprintf("/purchase-orders/%d/reject", other), `{"reason":"out of stock"}`)
		if code != 200 || rejected["state"] != models.PORejected {
			t.Errorf("reject: %d %v", code, rejected)
		}
		if n := h.Count("orders", "state = ? AND attention LIKE ?", models.OrderNeedsAttention, "%out of stock%"); n != 1 {
			t.Errorf("rejected PO did not flag its order")
		}
	})
}
