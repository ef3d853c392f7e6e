package fakeshopify_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consign/consign/app/platforms/shopify/fakeshopify"
)

// shape describes decoded JSON by its keys and value types, not values, so a
// fake answer can be compared with a real one.
func shape(v any) string {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ":" + shape(x[k])
		}
		return "{" + strings.Join(parts, ",") + "}"
	case []any:
		if len(x) == 0 {
			return "[]"
		}
		return "[" + shape(x[0]) + "]"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

func TestAnswersHaveShopifysShapes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeshopify.Options{})
	e.fake.AddOrder(shopA, order1, []fakeshopify.Line{{ID: "11", Quantity: 1}})
	foID, lines := e.foLines(t, order1)

	t.Run("userErrors", func(t *testing.T) {
		real := fixtureJSON(t, "graphql-fulfillmentCreate-userErrors.json")
		got := e.create(t, "gid://shopify/FulfillmentOrder/999999", lines["11"], 1)
		if shape(got.body) != shape(real) {
			t.Errorf("shape\n%s\nwant (Shopify)\n%s", shape(got.body), shape(real))
		}
		if msg := path(t, got.body, "data", "fulfillmentCreate", "userErrors", 0, "message"); msg != path(t, real, "data", "fulfillmentCreate", "userErrors", 0, "message") {
			t.Errorf("message %q", msg)
		}
	})
	t.Run("over-quantity", func(t *testing.T) {
		real := fixtureJSON(t, "graphql-fulfillmentCreateV2-userErrors-invalid-quantity.json")
		got := e.create(t, foID, lines["11"], 2)
		want := path(t, real, "data", "fulfillmentCreateV2", "userErrors", 0)
		if ue := path(t, got.body, "data", "fulfillmentCreate", "userErrors", 0); fmt.Sprint(ue) != fmt.Sprint(want) {
			t.Errorf("userError %v, want (Shopify) %v", ue, want)
		}
		if n := len(e.fake.Fulfillments(shopA)); n != 0 {
			t.Errorf("%d fulfillments after a refused one", n)
		}
	})
	t.Run("success", func(t *testing.T) {
		real := fixtureJSON(t, "graphql-fulfillmentCreateV2-success.json")
		data := real["data"].(map[string]any)
		data["fulfillmentCreate"] = data["fulfillmentCreateV2"] // same payload, current mutation name
		delete(data, "fulfillmentCreateV2")
		got := e.create(t, foID, lines["11"], 1)
		if shape(got.body) != shape(real) {
			t.Errorf("shape\n%s\nwant (Shopify)\n%s", shape(got.body), shape(real))
		}
		if s := path(t, got.body, "data", "fulfillmentCreate", "fulfillment", "status"); s != "SUCCESS" {
			t.Errorf("status %v", s)
		}
	})
}

func TestOrderQuery(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeshopify.Options{})
	e.fake.AddOrder(shopA, order1, []fakeshopify.Line{{ID: "11", Quantity: 2}, {ID: "22", Quantity: 1}})

	r := e.queryOrder(t, order1)
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	want := "{data:{order:{fulfillmentOrders:{nodes:[{id:string,lineItems:{nodes:[{id:string,lineItem:{id:string},remainingQuantity:number}],pageInfo:{hasNextPage:bool}},status:string,supportedActions:[{action:string}]}],pageInfo:{hasNextPage:bool}},fulfillments:[],id:string}}," +
		"extensions:{cost:{actualQueryCost:number,requestedQueryCost:number,throttleStatus:{currentlyAvailable:number,maximumAvailable:number,restoreRate:number}}}}"
	if got := shape(r.body); got != want {
		t.Errorf("shape\n%s\nwant\n%s", got, want)
	}
	fo := path(t, r.body, "data", "order", "fulfillmentOrders", "nodes", 0)
	if path(t, fo, "status") != "OPEN" || path(t, fo, "supportedActions", 0, "action") != "CREATE_FULFILLMENT" {
		t.Errorf("fulfillment order %v", fo)
	}
	if path(t, fo, "lineItems", "nodes", 0, "lineItem", "id") != "gid://shopify/LineItem/11" ||
		path(t, fo, "lineItems", "nodes", 0, "remainingQuantity") != 2.0 {
		t.Errorf("line items %v", path(t, fo, "lineItems"))
	}

	// After a partial fulfillment: IN_PROGRESS, the fulfillment and its tracking listed.
	foID, lines := e.foLines(t, order1)
	e.create(t, foID, lines["11"], 1)
	r = e.queryOrder(t, order1)
	fo = path(t, r.body, "data", "order", "fulfillmentOrders", "nodes", 0)
	if path(t, fo, "status") != "IN_PROGRESS" || path(t, fo, "lineItems", "nodes", 0, "remainingQuantity") != 1.0 {
		t.Errorf("after a partial fulfillment: %v", fo)
	}
	f := path(t, r.body, "data", "order", "fulfillments", 0)
	if path(t, f, "status") != "SUCCESS" || path(t, f, "trackingInfo", 0, "number") != "JD0000001" || path(t, f, "trackingInfo", 0, "company") != "DHL" {
		t.Errorf("fulfillment %v", f)
	}

	// The rest: CLOSED, and nothing more can be done to it.
	e.create(t, foID, lines["11"], 1, lines["22"], 1)
	fo = path(t, e.queryOrder(t, order1).body, "data", "order", "fulfillmentOrders", "nodes", 0)
	if path(t, fo, "status") != "CLOSED" || len(path(t, fo, "supportedActions").([]any)) != 0 {
		t.Errorf("after the last fulfillment: %v", fo)
	}

	if o := path(t, e.queryOrder(t, "gid://shopify/Order/404").body, "data", "order"); o != nil {
		t.Errorf("unknown order = %v, want null", o)
	}
	r = e.post(t, shopA, tokenA, orderQuery, map[string]any{})
	if path(t, r.body, "errors", 0, "extensions", "code") != "INVALID_VARIABLE" {
		t.Errorf("missing $id: %s", r.raw)
	}
}

func TestFulfillmentCreateValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeshopify.Options{})
	e.fake.AddOrder(shopA, order1, []fakeshopify.Line{{ID: "11", Quantity: 2}})
	e.fake.AddFulfillmentOrder(shopA, order1, "ON_HOLD", []fakeshopify.Line{{ID: "33", Quantity: 1}})
	e.fake.AddOrder(shopA, "gid://shopify/Order/2002", []fakeshopify.Line{{ID: "44", Quantity: 1}})
	foID, lines := e.foLines(t, order1)
	heldFO := path(t, e.queryOrder(t, order1).body, "data", "order", "fulfillmentOrders", "nodes", 1, "id").(string)
	otherFO, otherLines := e.foLines(t, "gid://shopify/Order/2002")

	group := func(fo string, items ...any) map[string]any {
		var li []map[string]any
		for i := 0; i+1 < len(items); i += 2 {
			li = append(li, map[string]any{"id": items[i], "quantity": items[i+1]})
		}
		return map[string]any{"fulfillmentOrderId": fo, "fulfillmentOrderLineItems": li}
	}
	tests := []struct {
		name   string
		groups []any
		want   string
	}{
		{"no groups", []any{}, "can't be blank"},
		{"zero quantity", []any{group(foID, lines["11"], 0)}, "Invalid fulfillment order line item quantity requested."},
		{"over quantity across two items", []any{group(foID, lines["11"], 1, lines["11"], 2)}, "Invalid fulfillment order line item quantity requested."},
		{"unknown line item", []any{group(foID, "gid://shopify/FulfillmentOrderLineItem/1", 1)}, "line item does not exist"},
		{"line item of another fulfillment order", []any{group(foID, otherLines["44"], 1)}, "line item does not exist"},
		{"on hold", []any{group(heldFO)}, "unfulfillable status= on_hold"},
		{"two orders", []any{group(foID, lines["11"], 1), group(otherFO, otherLines["44"], 1)}, "same order"},
	}
	for _, tt := range tests {
		r := e.post(t, shopA, tokenA, createMutation, map[string]any{"fulfillment": map[string]any{"lineItemsByFulfillmentOrder": tt.groups}})
		msg, _ := path(t, r.body, "data", "fulfillmentCreate", "userErrors", 0, "message").(string)
		if !strings.Contains(msg, tt.want) {
			t.Errorf("%s: userErrors %s, want %q", tt.name, r.raw, tt.want)
		}
		if f := path(t, r.body, "data", "fulfillmentCreate", "fulfillment"); f != nil {
			t.Errorf("%s: fulfillment %v alongside userErrors", tt.name, f)
		}
	}
	if n := len(e.fake.Fulfillments(shopA)); n != 0 {
		t.Errorf("%d fulfillments after refusals", n)
	}
	if n := e.fake.Remaining(shopA, order1, "11"); n != 2 {
		t.Errorf("remaining %d after refusals, want 2", n)
	}

	// No line items named: the whole fulfillment order.
	r := e.post(t, shopA, tokenA, createMutation, map[string]any{"fulfillment": map[string]any{"lineItemsByFulfillmentOrder": []any{group(foID)}}})
	if ue := path(t, r.body, "data", "fulfillmentCreate", "userErrors").([]any); len(ue) != 0 {
		t.Fatalf("userErrors %v", ue)
	}
	f := e.fake.Fulfillments(shopA)
	if len(f) != 1 || f[0].Lines[0].Quantity != 2 || f[0].OrderGID != order1 || f[0].NotifyCustomer || f[0].Tracking != (fakeshopify.Tracking{}) {
		t.Errorf("fulfillments %+v", f)
	}
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeshopify.Options{})
	e.fake.SetToken("other.myshopify.com", "shpat_other")
	e.fake.AddOrder(shopA, order1, []fakeshopify.Line{{ID: "11", Quantity: 1}})
	e.fake.Script(fakeshopify.ServerError())

	for _, tc := range []struct{ shop, token string }{
		{shopA, ""},
		{shopA, "shpat_wrong"},
		{shopA, "shpat_other"},                // another shop's token
		{"other.myshopify.com", tokenA},       // and the reverse
		{"unknown.myshopify.com", tokenA},     // no such shop
		{"RETAILER.myshopify.com", "shpat_A"}, // tokens are case-sensitive
	} {
		r := e.post(t, tc.shop, tc.token, orderQuery, map[string]any{"id": order1})
		if r.status != http.StatusUnauthorized || !strings.Contains(r.body["errors"].(string), "Invalid API key or access token") {
			t.Errorf("shop %q token %q: %d %s", tc.shop, tc.token, r.status, r.raw)
		}
	}
	// Refused requests did not take the scripted fault; the shop domain is
	// case-insensitive.
	if r := e.post(t, "Retailer.MyShopify.com", tokenA, orderQuery, map[string]any{"id": order1}); r.status != 500 {
		t.Errorf("status %d, want the scripted 500", r.status)
	}
	reqs := e.fake.Requests()
	if len(reqs) != 7 || reqs[0].Status != 401 || reqs[6].Fault != "ServerError" || reqs[6].Shop != shopA {
		t.Errorf("requests %+v", reqs)
	}
}

func TestShopFromHostHeader(t *testing.T) {
	t.Parallel()
	fake := fakeshopify.New(fakeshopify.Options{})
	fake.SetToken(shopA, tokenA)
	req := httptest.NewRequest(http.MethodPost, "https://"+shopA+"/admin/api/2026-01/graphql.json",
		strings.NewReader(`{"query":"query { order(id: $id) { id } }","variables":{"id":"gid://shopify/Order/1"}}`))
	req.Host = shopA + ":443"
	req.Header.Set("X-Shopify-Access-Token", tokenA)
	w := httptest.NewRecorder()
	fake.ServeHTTP(w, req)
	if w.Code != 200 || fake.Requests()[0].Shop != shopA {
		t.Errorf("status %d, requests %+v", w.Code, fake.Requests())
	}
}

func TestRouting(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeshopify.Options{})
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/admin/api/2026-01/graphql.json", 405},
		{http.MethodPost, "/admin/api/graphql.json", 404}, // unversioned
		{http.MethodPost, "/admin/api/2026-01/orders.json", 404},
		{http.MethodPost, "/", 404},
	} {
		req, _ := http.NewRequest(tc.method, e.url+tc.path, strings.NewReader("{}"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.want)
		}
	}
	r := e.post(t, shopA, tokenA, `query { shop { name } }`, nil)
	if r.status != 200 || path(t, r.body, "errors", 0, "extensions", "code") != "UNSUPPORTED" {
		t.Errorf("unsupported operation: %d %s", r.status, r.raw)
	}
	if _, ok := r.body["extensions"]; !ok {
		t.Error("no extensions.cost on an error answer")
	}
	if v := e.fake.Requests()[0]; v.APIVersion != "2026-01" || v.Operation != "" {
		t.Errorf("request %+v", v)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeshopify.Options{})
	e.fake.AddOrder(shopA, order1, []fakeshopify.Line{{ID: "11", Quantity: 3}})
	foID, lines := e.foLines(t, order1)
	e.fake.Script(
		fakeshopify.Throttled(),
		fakeshopify.TooManyRequests(2*time.Second),
		fakeshopify.ServerError(),
		fakeshopify.UserErrors("Nope.", "Still no."),
		fakeshopify.LostResponse(),
		fakeshopify.Delay(30*time.Millisecond),
	)

	// Throttled: HTTP 200, no data, THROTTLED, actualQueryCost null, a bucket
	// one second (100 points) short of the order query's cost.
	r := e.queryOrder(t, order1)
	want := "{errors:[{extensions:{code:string,documentation:string},message:string}],extensions:{cost:{actualQueryCost:null,requestedQueryCost:number,throttleStatus:{currentlyAvailable:number,maximumAvailable:number,restoreRate:number}}}}"
	if r.status != 200 || shape(r.body) != want || path(t, r.body, "errors", 0, "extensions", "code") != "THROTTLED" {
		t.Errorf("throttled: %d %s", r.status, r.raw)
	}
	cost := path(t, r.body, "extensions", "cost").(map[string]any)
	if cost["requestedQueryCost"].(float64)-path(t, cost, "throttleStatus", "currentlyAvailable").(float64) != 100 {
		t.Errorf("cost %v", cost)
	}

	if r := e.queryOrder(t, order1); r.status != 429 || r.header.Get("Retry-After") != "2.0" {
		t.Errorf("429: %d Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	if r := e.queryOrder(t, order1); r.status != 500 {
		t.Errorf("500: %d", r.status)
	}
	// UserErrors waits for a mutation; this query passes it by.
	if r := e.queryOrder(t, order1); r.status != 200 || path(t, r.body, "data", "order", "id") != order1 {
		t.Errorf("query before UserErrors: %d %s", r.status, r.raw)
	}
	r = e.create(t, foID, lines["11"], 1)
	if ue := path(t, r.body, "data", "fulfillmentCreate", "userErrors").([]any); len(ue) != 2 || path(t, ue, 1, "message") != "Still no." {
		t.Errorf("userErrors %s", r.raw)
	}
	if n := len(e.fake.Fulfillments(shopA)); n != 0 {
		t.Errorf("UserErrors fault created a fulfillment")
	}
	// LostResponse: 500, yet the fulfillment exists.
	if r := e.create(t, foID, lines["11"], 1); r.status != 500 || len(e.fake.Fulfillments(shopA)) != 1 {
		t.Errorf("lost response: %d, %d fulfillments", r.status, len(e.fake.Fulfillments(shopA)))
	}
	start := time.Now()
	if r := e.queryOrder(t, order1); r.status != 200 || time.Since(start) < 30*time.Millisecond {
		t.Errorf("delay: %d after %v", r.status, time.Since(start))
	}
	if r := e.queryOrder(t, order1); r.status != 200 {
		t.Errorf("script exhausted: %d", r.status)
	}

	var faults []string
	for _, req := range e.fake.Requests()[1:] { // after foLines' query
		faults = append(faults, req.Fault)
	}
	wantFaults := []string{"Throttled", "TooManyRequests(2s)", "ServerError", "", `UserErrors(["Nope." "Still no."])`, "LostResponse", "Delay(30ms)", ""}
	if !slices.Equal(faults, wantFaults) {
		t.Errorf("faults %q, want %q", faults, wantFaults)
	}
}

func TestDelayEndsWithTheClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeshopify.Options{})
	e.fake.Script(fakeshopify.Delay(time.Minute))
	req, _ := http.NewRequest(http.MethodPost, e.url+"/admin/api/2026-01/graphql.json", strings.NewReader(`{"query":"query { order(id: $id) { id } }","variables":{"id":"x"}}`))
	req.Header.Set(fakeshopify.ShopHeader, shopA)
	req.Header.Set("X-Shopify-Access-Token", tokenA)
	client := &http.Client{Timeout: 50 * time.Millisecond}
	start := time.Now()
	if _, err := client.Do(req); err == nil {
		t.Error("no timeout")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	t.Run("enforced", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, fakeshopify.Options{MaximumAvailable: 800, RestoreRate: 50, EnforceRateLimit: true})
		e.fake.AddOrder(shopA, order1, []fakeshopify.Line{{ID: "11", Quantity: 1}})
		var available float64
		throttledAt := -1
		for i := range 100 {
			r := e.queryOrder(t, order1)
			status := path(t, r.body, "extensions", "cost", "throttleStatus").(map[string]any)
			available = status["currentlyAvailable"].(float64)
			if status["maximumAvailable"] != 800.0 || status["restoreRate"] != 50.0 {
				t.Fatalf("throttleStatus %v", status)
			}
			if _, ok := r.body["errors"]; ok {
				throttledAt = i
				break
			}
		}
		// Each query needs 755 in the bucket and really costs 9 (the order,
		// a fulfillment order, one line): 800 allows six.
		if throttledAt != 6 || available >= 755 {
			t.Fatalf("throttled at request %d with %v available", throttledAt, available)
		}
		// The refill: 50 points a second.
		e.clock.Advance(time.Duration((755 - available) / 50 * float64(time.Second)))
		if r := e.queryOrder(t, order1); r.body["errors"] != nil {
			t.Errorf("still throttled after the refill: %s", r.raw)
		}
		if n := countThrottled(e.fake.Requests()); n != 1 {
			t.Errorf("%d requests recorded as throttled, want 1", n)
		}
	})
	t.Run("reported but not enforced", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, fakeshopify.Options{MaximumAvailable: 100, RestoreRate: 10})
		e.fake.AddOrder(shopA, order1, []fakeshopify.Line{{ID: "11", Quantity: 1}})
		for range 20 {
			r := e.queryOrder(t, order1)
			if r.body["errors"] != nil {
				t.Fatalf("throttled: %s", r.raw)
			}
			if a := path(t, r.body, "extensions", "cost", "throttleStatus", "currentlyAvailable").(float64); a < 0 {
				t.Fatalf("currentlyAvailable %v", a)
			}
		}
	})
}

func countThrottled(reqs []fakeshopify.Request) int {
	n := 0
	for _, r := range reqs {
		if r.Throttled {
			n++
		}
	}
	return n
}

// Concurrent fulfilments of one line never take more than it holds.
func TestConcurrentFulfillmentsNeverOverFulfil(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeshopify.Options{})
	e.fake.AddOrder(shopA, order1, []fakeshopify.Line{{ID: "11", Quantity: 5}})
	foID, lines := e.foLines(t, order1)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { e.create(t, foID, lines["11"], 1) })
	}
	wg.Wait()
	if n := len(e.fake.Fulfillments(shopA)); n != 5 {
		t.Errorf("%d fulfillments, want 5", n)
	}
	if n := e.fake.Remaining(shopA, order1, "11"); n != 0 {
		t.Errorf("remaining %d", n)
	}
}
