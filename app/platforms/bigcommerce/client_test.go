package bigcommerce_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consign/consign/app/canonical"
	"github.com/consign/consign/app/platforms/bigcommerce"
	"github.com/consign/consign/app/platforms/bigcommerce/fakebigcommerce"
)

func TestFetchOrderTranslates(t *testing.T) {
	h := newHarness(t, bigcommerce.ClientOptions{})
	h.fake.AddOrder(storeHash, sampleOrder(218))
	snap, err := h.client.FetchOrder(context.Background(), 218)
	if err != nil {
		t.Fatal(err)
	}
	var parts map[string]json.RawMessage
	if err := json.Unmarshal(snap, &parts); err != nil || len(parts) != 3 {
		t.Fatalf("snapshot %s: %v", snap, err)
	}
	o, err := bigcommerce.TranslateOrder(snap)
	if err != nil {
		t.Fatal(err)
	}
	if o.ExternalID != "218" || o.Hold != "" || o.FinancialStatus != canonical.FinancialPaid || o.Status != "Awaiting Fulfillment" ||
		o.Currency != "USD" || o.CustomerEmail != "jane@example.com" || o.ShipTo.Name != "Jane Doe" || o.ShipTo.CountryCode != "US" {
		t.Errorf("order %+v", o)
	}
	if len(o.Lines) != 3 || o.Lines[0].UnitPrice != 1250 || o.Lines[0].VariantID != "701" || o.Lines[0].GTIN != "0123456789012" ||
		o.Lines[1].VariantID != "" || o.Lines[2].UnitPrice != 799 || o.Lines[2].Quantity != 3 {
		t.Errorf("lines %+v", o.Lines)
	}
	for _, r := range h.fake.Requests() {
		if r.Method != http.MethodGet || r.Status != http.StatusOK {
			t.Errorf("request %s %s answered %d", r.Method, r.Path, r.Status)
		}
	}

	if _, err := h.client.FetchOrder(context.Background(), 999); !errors.Is(err, bigcommerce.ErrNotFound) {
		t.Errorf("unknown order: err = %v, want ErrNotFound", err)
	}
}

func TestBadTokenIsPermanent(t *testing.T) {
	h := newHarness(t, bigcommerce.ClientOptions{})
	h.fake.AddStore(storeHash, "rotated")
	_, err := h.client.FetchOrder(context.Background(), 1)
	var se *bigcommerce.StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusUnauthorized {
		t.Fatalf("err = %v, want a 401 StatusError", err)
	}
	// Clients.Get with the new token switches the shared client over.
	clients := &bigcommerce.Clients{Options: bigcommerce.ClientOptions{BaseURL: h.fake.URL}}
	c1, _ := clients.Get(storeHash, storeToken)
	c2, err := clients.Get(storeHash, "rotated")
	if err != nil || c1 != c2 {
		t.Fatalf("Get gave %p and %p (%v): want one client per store", c1, c2, err)
	}
	h.fake.AddOrder(storeHash, sampleOrder(1))
	if _, err := c2.FetchOrder(context.Background(), 1); err != nil {
		t.Errorf("after token switch: %v", err)
	}
}

func TestModifiedOrdersPages(t *testing.T) {
	h := newHarness(t, bigcommerce.ClientOptions{})
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := int64(1); i <= 260; i++ {
		o := datedOrder(i, base.Add(time.Duration(300-i)*time.Second))
		h.fake.AddOrder(storeHash, o)
	}
	ctx := context.Background()
	since := base.Add(40 * time.Second) // orders 1..260 modified at base+299s..base+40s
	refs, more, err := h.client.ModifiedOrders(ctx, since, 1)
	if err != nil || !more || len(refs) != 250 {
		t.Fatalf("page 1: %d refs, more %v, err %v", len(refs), more, err)
	}
	if refs[0].ID != 260 || !refs[0].DateModified.Equal(base.Add(40*time.Second)) || refs[0].StatusID != 11 {
		t.Errorf("first ref %+v: want the oldest modification first", refs[0])
	}
	refs2, more, err := h.client.ModifiedOrders(ctx, since, 2)
	if err != nil || more || len(refs2) != 10 || refs2[9].ID != 1 {
		t.Fatalf("page 2: %d refs, more %v, err %v", len(refs2), more, err)
	}
	last := h.fake.Requests()[len(h.fake.Requests())-1]
	q, _ := url.ParseQuery(last.Query)
	if q.Get("sort") != "date_modified:asc" || q.Get("limit") != "250" || q.Get("page") != "2" || q.Get("min_date_modified") != "2026-03-01T12:00:40Z" {
		t.Errorf("query %s", last.Query)
	}
	// Nothing modified since: BigCommerce answers 204.
	refs, more, err = h.client.ModifiedOrders(ctx, base.Add(time.Hour), 1)
	if err != nil || more || len(refs) != 0 {
		t.Errorf("nothing new: %v, %v, %v", refs, more, err)
	}
	if st := h.fake.Requests()[len(h.fake.Requests())-1].Status; st != http.StatusNoContent {
		t.Errorf("fake answered %d, want 204", st)
	}
}

func TestCreateShipmentsGroupsByAddressOnce(t *testing.T) {
	h := newHarness(t, bigcommerce.ClientOptions{})
	h.fake.AddOrder(storeHash, sampleOrder(300))
	in := bigcommerce.ShipmentInput{
		OrderID:        300,
		Items:          []bigcommerce.ShipmentItem{{11, 1}, {13, 3}, {11, 1}, {12, 1}},
		TrackingNumber: "1Z999AA10123456784", Carrier: "UPS", TrackingURL: "https://track.example/1Z9", Comments: "from Acme",
	}
	ids, err := h.client.CreateShipments(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	got := h.fake.Shipments(storeHash, 300)
	if len(got) != 2 {
		t.Fatalf("%d shipments, want one per address: %+v", len(got), got)
	}
	byAddr := map[int64]int{}
	for _, s := range got {
		for _, it := range s.Items {
			byAddr[s.OrderAddressID] += it.Quantity
		}
		if s.TrackingNumber != in.TrackingNumber || s.ShippingProvider != "ups" || s.TrackingCarrier != "" || s.TrackingLink != in.TrackingURL || s.Comments != "from Acme" {
			t.Errorf("shipment %+v", s)
		}
	}
	if byAddr[501] != 3 || byAddr[502] != 3 {
		t.Errorf("quantities by address %v", byAddr)
	}
	want := []string{itoa(got[0].ID), itoa(got[1].ID)}
	if ids != strings.Join(want, ",") {
		t.Errorf("ids %q, want %q", ids, strings.Join(want, ","))
	}

	// A retried job (the answer was lost) finds the shipments and makes none.
	posts := countRequests(h, http.MethodPost)
	again, err := h.client.CreateShipments(context.Background(), in)
	if err != nil || again != ids {
		t.Fatalf("retry: %q, %v; want %q", again, err, ids)
	}
	if n := len(h.fake.Shipments(storeHash, 300)); n != 2 || countRequests(h, http.MethodPost) != posts {
		t.Errorf("retry made shipments: %d in all", n)
	}
}

func TestCreateShipmentsCarriersAndRefusals(t *testing.T) {
	h := newHarness(t, bigcommerce.ClientOptions{})
	h.fake.AddOrder(storeHash, sampleOrder(301))
	ctx := context.Background()
	if _, err := h.client.CreateShipments(ctx, bigcommerce.ShipmentInput{OrderID: 301, Items: []bigcommerce.ShipmentItem{{12, 1}}, TrackingNumber: "JD0002", Carrier: "DHL Express"}); err != nil {
		t.Fatal(err)
	}
	if s := h.fake.Shipments(storeHash, 301)[0]; s.TrackingCarrier != "dhl" || s.ShippingProvider != "" {
		t.Errorf("DHL Express: provider %q carrier %q", s.ShippingProvider, s.TrackingCarrier)
	}
	// Shipping more than is left: BigCommerce refuses, permanently, and says why.
	_, err := h.client.CreateShipments(ctx, bigcommerce.ShipmentInput{OrderID: 301, Items: []bigcommerce.ShipmentItem{{12, 1}}, TrackingNumber: "OTHER"})
	var se *bigcommerce.StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusBadRequest || !strings.Contains(se.Message, "exceeds the quantity left") {
		t.Errorf("over-shipping: err = %v", err)
	}
	if _, err := h.client.CreateShipments(ctx, bigcommerce.ShipmentInput{OrderID: 301, Items: []bigcommerce.ShipmentItem{{99, 1}}}); err == nil || !strings.Contains(err.Error(), "no product 99") {
		t.Errorf("unknown product: err = %v", err)
	}
	if _, err := h.client.CreateShipments(ctx, bigcommerce.ShipmentInput{OrderID: 301}); err == nil {
		t.Error("no items: no error")
	}
}

func TestEnsureHooksCreatesThenUpdates(t *testing.T) {
	h := newHarness(t, bigcommerce.ClientOptions{})
	ctx := context.Background()
	dest := "https://consign.example/webhooks/bigcommerce"
	scopes := []string{"store/order/created", "store/order/updated"}
	headers := map[string]string{"X-Consign-Secret": "s1"}
	if err := h.client.EnsureHooks(ctx, dest, headers, scopes); err != nil {
		t.Fatal(err)
	}
	hooks := h.fake.Hooks(storeHash)
	if len(hooks) != 2 || hooks[0].Scope != scopes[0] || hooks[1].Destination != dest || !hooks[0].IsActive || hooks[1].Headers["X-Consign-Secret"] != "s1" {
		t.Fatalf("hooks %+v", hooks)
	}
	// Again: nothing to do.
	before := len(h.fake.Requests())
	if err := h.client.EnsureHooks(ctx, dest, headers, scopes); err != nil {
		t.Fatal(err)
	}
	if n := len(h.fake.Requests()) - before; n != 1 {
		t.Errorf("second run sent %d requests, want only the listing", n)
	}
	// BigCommerce deactivated one after failed deliveries; the secret rotated.
	h.fake.SetHookActive(storeHash, hooks[0].ID, false)
	headers = map[string]string{"X-Consign-Secret": "s2"}
	if err := h.client.EnsureHooks(ctx, dest, headers, scopes); err != nil {
		t.Fatal(err)
	}
	hooks = h.fake.Hooks(storeHash)
	if len(hooks) != 2 {
		t.Fatalf("%d hooks: duplicated", len(hooks))
	}
	for _, hk := range hooks {
		if !hk.IsActive || hk.Headers["X-Consign-Secret"] != "s2" {
			t.Errorf("hook %+v not re-activated with the new secret", hk)
		}
	}
	if countRequests(h, http.MethodPut) != 2 || countRequests(h, http.MethodPost) != 2 {
		t.Errorf("PUTs %d, POSTs %d", countRequests(h, http.MethodPut), countRequests(h, http.MethodPost))
	}
}

func TestRateLimitSharedByGoroutines(t *testing.T) {
	h := newHarness(t, bigcommerce.ClientOptions{})
	h.fake.AddOrder(storeHash, sampleOrder(1))
	h.fake.SetRateLimit(5, 300*time.Millisecond)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				if _, _, err := h.client.ModifiedOrders(context.Background(), time.Time{}, 1); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := h.fake.RateLimited(); n != 0 {
		t.Errorf("the fake served %d 429s; the client should have waited for the window", n)
	}
	if h.waits.Load() == 0 {
		t.Error("OnWait never called: 20 requests over a 5-per-window limit must wait")
	}
}

func TestTooManyRequestsHonoursRetryAfter(t *testing.T) {
	h := newHarness(t, bigcommerce.ClientOptions{})
	h.fake.AddOrder(storeHash, sampleOrder(1))
	h.fake.FailNext(1, http.StatusTooManyRequests) // X-Retry-After: 1 (seconds)
	start := time.Now()
	if _, _, err := h.client.ModifiedOrders(context.Background(), time.Time{}, 1); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < time.Second {
		t.Errorf("retried after %s, before X-Retry-After's second", el)
	}
	if h.waits.Load() != 1 || time.Duration(h.waited.Load()) != time.Second {
		t.Errorf("OnWait: %d calls, %s", h.waits.Load(), time.Duration(h.waited.Load()))
	}

	// A wait longer than MaxWait goes back to the queue instead.
	short := newHarness(t, bigcommerce.ClientOptions{MaxWait: 100 * time.Millisecond})
	short.fake.FailNext(1, http.StatusTooManyRequests)
	_, _, err := short.client.ModifiedOrders(context.Background(), time.Time{}, 1)
	var re *bigcommerce.RetryableError
	if !errors.As(err, &re) || re.After != time.Second {
		t.Fatalf("err = %v, want RetryableError after 1s", err)
	}
	// The store asked for silence: the next call does not knock before it ends.
	_, _, err = short.client.ModifiedOrders(context.Background(), time.Time{}, 1)
	if !errors.As(err, &re) || len(short.fake.Requests()) != 1 {
		t.Errorf("second call: %v after %d requests", err, len(short.fake.Requests()))
	}
}

func TestServerErrorsRetriedOnlyWhenSafe(t *testing.T) {
	h := newHarness(t, bigcommerce.ClientOptions{})
	h.fake.AddOrder(storeHash, sampleOrder(5))
	h.fake.FailNext(1, http.StatusBadGateway)
	if _, _, err := h.client.ModifiedOrders(context.Background(), time.Time{}, 1); err != nil {
		t.Fatalf("GET after one 502: %v", err)
	}

	// A POST that met a 5xx may have happened: the job, not the client,
	// tries again (and CreateShipments then looks before it writes).
	posts := 0
	flaky := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Method == http.MethodPost {
			posts++
			return &http.Response{StatusCode: http.StatusBadGateway, Body: http.NoBody, Header: http.Header{}, Request: r}, nil
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	c, err := bigcommerce.NewClient(bigcommerce.ClientOptions{BaseURL: h.fake.URL, HTTPClient: flaky}, storeHash, storeToken)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateShipments(context.Background(), bigcommerce.ShipmentInput{OrderID: 5, Items: []bigcommerce.ShipmentItem{{12, 1}}, TrackingNumber: "T1"})
	var re *bigcommerce.RetryableError
	if !errors.As(err, &re) || posts != 1 {
		t.Errorf("err = %v after %d POSTs; want a RetryableError after one", err, posts)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func countRequests(h *harness, method string) int {
	n := 0
	for _, r := range h.fake.Requests() {
		if r.Method == method {
			n++
		}
	}
	return n
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// datedOrder is a one-line order last modified at t.
func datedOrder(id int64, t time.Time) fakebigcommerce.Order {
	return fakebigcommerce.Order{ID: id, DateModified: t, Email: "a@example.com",
		Products: []fakebigcommerce.Product{{SKU: "S", Name: "Thing", Quantity: 1, Price: "1.00"}}}
}
