package fakeshopify_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/consign/consign/app/platforms/shopify/fakeshopify"
)

const (
	shopA  = "retailer.myshopify.com"
	tokenA = "shpat_a"
	order1 = "gid://shopify/Order/1001"
)

// The two documents, as the shopify client sends them; the fake only looks
// for the root field.
const (
	orderQuery     = `query OrderForFulfillment($id: ID!) { order(id: $id) { id } }`
	createMutation = `mutation CreateFulfillment($fulfillment: FulfillmentInput!) { fulfillmentCreate(fulfillment: $fulfillment) { fulfillment { id status } userErrors { field message } } }`
)

type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type env struct {
	fake  *fakeshopify.Server
	url   string
	clock *manualClock
}

func newEnv(t *testing.T, opts fakeshopify.Options) *env {
	t.Helper()
	clk := &manualClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	if opts.Now == nil {
		opts.Now = clk.Now
	}
	fake := fakeshopify.New(opts)
	fake.SetToken(shopA, tokenA)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return &env{fake: fake, url: srv.URL, clock: clk}
}

// reply is a decoded answer: the HTTP status and headers, and the JSON body.
type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (e *env) post(t *testing.T, shop, token, query string, vars any) reply {
	t.Helper()
	payload, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, e.url+"/admin/api/2026-01/graphql.json", bytes.NewReader(payload))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(fakeshopify.ShopHeader, shop)
	req.Header.Set("X-Shopify-Access-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: buf.Bytes()}
	if err := json.Unmarshal(r.raw, &r.body); err != nil {
		t.Fatalf("answer is not a JSON object: %v: %s", err, r.raw)
	}
	return r
}

func (e *env) queryOrder(t *testing.T, gid string) reply {
	t.Helper()
	return e.post(t, shopA, tokenA, orderQuery, map[string]any{"id": gid})
}

// foLines returns the first fulfillment order's id and its line item GIDs
// by numeric line item id, read through the API as a client would.
func (e *env) foLines(t *testing.T, gid string) (string, map[string]string) {
	t.Helper()
	r := e.queryOrder(t, gid)
	fo := path(t, r.body, "data", "order", "fulfillmentOrders", "nodes", 0).(map[string]any)
	lines := make(map[string]string)
	for _, n := range path(t, fo, "lineItems", "nodes").([]any) {
		li := n.(map[string]any)
		id := path(t, li, "lineItem", "id").(string)
		lines[id[len("gid://shopify/LineItem/"):]] = li["id"].(string)
	}
	return fo["id"].(string), lines
}

func (e *env) create(t *testing.T, foID string, items ...any) reply {
	t.Helper()
	var lines []map[string]any
	for i := 0; i+1 < len(items); i += 2 {
		lines = append(lines, map[string]any{"id": items[i], "quantity": items[i+1]})
	}
	return e.post(t, shopA, tokenA, createMutation, map[string]any{"fulfillment": map[string]any{
		"lineItemsByFulfillmentOrder": []any{map[string]any{"fulfillmentOrderId": foID, "fulfillmentOrderLineItems": lines}},
		"trackingInfo":                map[string]any{"company": "DHL", "number": "JD0000001", "url": "https://dhl.example/JD0000001"},
		"notifyCustomer":              true,
	}})
}

// path walks decoded JSON by keys and indexes.
func path(t *testing.T, v any, steps ...any) any {
	t.Helper()
	for _, s := range steps {
		switch k := s.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %q: %T is not an object", k, v)
			}
			if v, ok = m[k]; !ok {
				t.Fatalf("missing key %q in %v", k, m)
			}
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("at [%d]: %v", k, v)
			}
			v = a[k]
		}
	}
	return v
}

func fixtureJSON(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir(t), name))
	if err != nil {
		t.Fatalf("reading fixture: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	return m
}

// fixtureDir finds ../shared/fixtures/shopify next to the repository. Without
// it the test is skipped, except in CI, where that is a failure.
func fixtureDir(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for dir := wd; filepath.Dir(dir) != dir; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
			continue
		}
		fixtures := filepath.Join(dir, "..", "shared", "fixtures", "shopify")
		if _, err := os.Stat(fixtures); err == nil {
			return fixtures
		}
		break
	}
	msg := "Shopify fixtures (../shared/fixtures/shopify next to the repository) not found"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: fixtures are required)")
	}
	t.Skip(msg)
	return ""
}
