package shopify_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/app/platforms/shopify/fakeshopify"
)

const (
	testShop  = "retailer.myshopify.com"
	testToken = "shpat_retailer_token"
	testOrder = "gid://shopify/Order/820982911946154508"
)

// fakeEnv is a fake Shopify behind a real HTTP server, a client pointed at
// it, and the fake clock both of them read.
type fakeEnv struct {
	fake   *fakeshopify.Server
	clock  *clock
	client *shopify.Client
	url    string
}

func newFakeEnv(t *testing.T, fakeOpts fakeshopify.Options, clientOpts shopify.ClientOptions) *fakeEnv {
	t.Helper()
	clk := newClock()
	if fakeOpts.Now == nil {
		fakeOpts.Now = clk.Now
	}
	fake := fakeshopify.New(fakeOpts)
	fake.SetToken(testShop, testToken)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)

	clientOpts.BaseURL = srv.URL
	if clientOpts.Sleep == nil {
		clientOpts.Sleep = clk.Sleep
	}
	if clientOpts.Now == nil {
		clientOpts.Now = clk.Now
	}
	clientOpts.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := shopify.NewClient(testShop, testToken, clientOpts)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return &fakeEnv{fake: fake, clock: clk, client: c, url: srv.URL}
}

func defaultFakeEnv(t *testing.T) *fakeEnv {
	return newFakeEnv(t, fakeshopify.Options{}, shopify.ClientOptions{})
}

func shipment(tracking string, lines ...shopify.FulfillLine) shopify.FulfillInput {
	return shopify.FulfillInput{
		OrderGID:       testOrder,
		Lines:          lines,
		Tracking:       shopify.Tracking{Company: "UPS", Number: tracking, URL: "https://www.ups.com/track?tracknum=" + tracking},
		NotifyCustomer: true,
	}
}

func line(id string, qty int) shopify.FulfillLine {
	return shopify.FulfillLine{LineItemID: id, Quantity: qty}
}

func operations(reqs []fakeshopify.Request) []string {
	var ops []string
	for _, r := range reqs {
		op := r.Operation
		if r.Throttled {
			op += "(THROTTLED)"
		} else if r.Status != 200 {
			op += fmt.Sprintf("(%d)", r.Status)
		}
		ops = append(ops, op)
	}
	return ops
}

func TestFulfillHappyPath(t *testing.T) {
	t.Parallel()
	e := defaultFakeEnv(t)
	e.fake.AddOrder(testShop, testOrder, []fakeshopify.Line{{ID: "866550311766439020", Quantity: 2}, {ID: "141249953214522974", Quantity: 1}})

	id, err := e.client.Fulfill(t.Context(), shipment("1Z999AA10123456784", line("866550311766439020", 2), line("141249953214522974", 1)))
	if err != nil {
		t.Fatalf("Fulfill: %v", err)
	}
	got := e.fake.Fulfillments(testShop)
	if len(got) != 1 {
		t.Fatalf("%d fulfillments, want 1", len(got))
	}
	f := got[0]
	if f.ID != id || !strings.HasPrefix(id, "gid://shopify/Fulfillment/") {
		t.Errorf("returned id %q, recorded %q", id, f.ID)
	}
	if f.OrderGID != testOrder || !f.NotifyCustomer {
		t.Errorf("order %q notify %v", f.OrderGID, f.NotifyCustomer)
	}
	wantTracking := fakeshopify.Tracking{Company: "UPS", Number: "1Z999AA10123456784", URL: "https://www.ups.com/track?tracknum=1Z999AA10123456784"}
	if f.Tracking != wantTracking {
		t.Errorf("tracking %+v, want %+v", f.Tracking, wantTracking)
	}
	if fulfilled := lineQuantities(f); !reflect.DeepEqual(fulfilled, map[string]int{"866550311766439020": 2, "141249953214522974": 1}) {
		t.Errorf("lines %v", fulfilled)
	}
	if n := e.fake.Remaining(testShop, testOrder, "866550311766439020"); n != 0 {
		t.Errorf("remaining %d, want 0", n)
	}
	reqs := e.fake.Requests()
	if ops := operations(reqs); !reflect.DeepEqual(ops, []string{"order", "fulfillmentCreate"}) {
		t.Errorf("requests %v", ops)
	}
	for _, r := range reqs {
		if r.APIVersion != shopify.APIVersion || r.Shop != testShop {
			t.Errorf("request to version %q shop %q", r.APIVersion, r.Shop)
		}
	}
	if s := e.clock.Sleeps(); len(s) != 0 {
		t.Errorf("slept %v on the happy path", s)
	}
}

func lineQuantities(f fakeshopify.Fulfillment) map[string]int {
	m := make(map[string]int)
	for _, l := range f.Lines {
		m[l.LineItemID] += l.Quantity
	}
	return m
}

func TestFulfillPartialShipments(t *testing.T) {
	t.Parallel()
	e := defaultFakeEnv(t)
	e.fake.AddOrder(testShop, testOrder, []fakeshopify.Line{{ID: "11", Quantity: 3}})

	for i, tracking := range []string{"T-1", "T-2"} {
		if _, err := e.client.Fulfill(t.Context(), shipment(tracking, line("11", 1+i))); err != nil {
			t.Fatalf("shipment %d: %v", i+1, err)
		}
	}
	if n := len(e.fake.Fulfillments(testShop)); n != 2 {
		t.Errorf("%d fulfillments, want 2", n)
	}
	// Nothing is left: a third shipment is refused before any mutation.
	_, err := e.client.Fulfill(t.Context(), shipment("T-3", line("11", 1)))
	if !errors.Is(err, shopify.ErrNotFulfillable) {
		t.Errorf("third shipment: %v, want ErrNotFulfillable", err)
	}
}

func TestFulfillSpreadsOverFulfillmentOrders(t *testing.T) {
	t.Parallel()
	e := defaultFakeEnv(t)
	// Shopify's order of fulfillment orders: one on hold, then two open ones
	// (say, two locations), then a closed one.
	e.fake.AddFulfillmentOrder(testShop, testOrder, "ON_HOLD", []fakeshopify.Line{{ID: "11", Quantity: 5}})
	e.fake.AddFulfillmentOrder(testShop, testOrder, "OPEN", []fakeshopify.Line{{ID: "11", Quantity: 1}, {ID: "22", Quantity: 1}})
	e.fake.AddFulfillmentOrder(testShop, testOrder, "OPEN", []fakeshopify.Line{{ID: "11", Quantity: 2}})
	e.fake.AddFulfillmentOrder(testShop, testOrder, "CLOSED", []fakeshopify.Line{{ID: "22", Quantity: 4}})

	if _, err := e.client.Fulfill(t.Context(), shipment("T-1", line("11", 2), line("22", 1))); err != nil {
		t.Fatalf("Fulfill: %v", err)
	}
	f := e.fake.Fulfillments(testShop)[0]
	if q := lineQuantities(f); !reflect.DeepEqual(q, map[string]int{"11": 2, "22": 1}) {
		t.Errorf("lines %v", q)
	}
	fos := make(map[string]bool)
	for _, l := range f.Lines {
		fos[l.FulfillmentOrderID] = true
	}
	if len(fos) != 2 {
		t.Errorf("used %d fulfillment orders, want the two open ones: %+v", len(fos), f.Lines)
	}
	// The hold and the open remainder are untouched: 5 on hold + 1 open.
	if n := e.fake.Remaining(testShop, testOrder, "11"); n != 6 {
		t.Errorf("line 11 remaining %d, want 6", n)
	}
}

func TestFulfillRetriesThrottledThenServerError(t *testing.T) {
	t.Parallel()
	e := defaultFakeEnv(t)
	e.fake.AddOrder(testShop, testOrder, []fakeshopify.Line{{ID: "11", Quantity: 1}})
	e.fake.Script(fakeshopify.Throttled(), fakeshopify.ServerError())

	id, err := e.client.Fulfill(t.Context(), shipment("T-1", line("11", 1)))
	if err != nil {
		t.Fatalf("Fulfill: %v", err)
	}
	if got := e.fake.Fulfillments(testShop); len(got) != 1 || got[0].ID != id {
		t.Fatalf("fulfillments %+v, want exactly one with id %s", got, id)
	}
	want := []string{"order(THROTTLED)", "order(500)", "order", "fulfillmentCreate"}
	if ops := operations(e.fake.Requests()); !reflect.DeepEqual(ops, want) {
		t.Errorf("requests %v, want %v", ops, want)
	}
	sleeps := e.clock.Sleeps()
	if len(sleeps) != 2 {
		t.Fatalf("sleeps %v, want 2", sleeps)
	}
	// The fake reports the bucket one second of refill short of the cost.
	if sleeps[0] != time.Second {
		t.Errorf("throttle wait %v, want 1s from throttleStatus", sleeps[0])
	}
	// Second attempt failed: backoff of 2 s less up to half of it.
	if sleeps[1] <= time.Second || sleeps[1] > 2*time.Second {
		t.Errorf("5xx backoff %v, want (1s, 2s]", sleeps[1])
	}
}

func TestFulfillHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	e := defaultFakeEnv(t)
	e.fake.AddOrder(testShop, testOrder, []fakeshopify.Line{{ID: "11", Quantity: 1}})
	e.fake.Script(fakeshopify.TooManyRequests(2500*time.Millisecond), fakeshopify.Delay(0), fakeshopify.TooManyRequests(4*time.Second))

	if _, err := e.client.Fulfill(t.Context(), shipment("T-1", line("11", 1))); err != nil {
		t.Fatalf("Fulfill: %v", err)
	}
	if got, want := e.clock.Sleeps(), []time.Duration{2500 * time.Millisecond, 4 * time.Second}; !reflect.DeepEqual(got, want) {
		t.Errorf("sleeps %v, want %v (Retry-After)", got, want)
	}
	want := []string{"order(429)", "order", "fulfillmentCreate(429)", "fulfillmentCreate"}
	if ops := operations(e.fake.Requests()); !reflect.DeepEqual(ops, want) {
		t.Errorf("requests %v, want %v", ops, want)
	}
	if n := len(e.fake.Fulfillments(testShop)); n != 1 {
		t.Errorf("%d fulfillments, want 1", n)
	}
}

func TestFulfillReturnsRetryableErrorWhenWaitTooLong(t *testing.T) {
	t.Parallel()
	e := defaultFakeEnv(t)
	e.fake.AddOrder(testShop, testOrder, []fakeshopify.Line{{ID: "11", Quantity: 1}})
	e.fake.Script(fakeshopify.TooManyRequests(2 * time.Minute))

	_, err := e.client.Fulfill(t.Context(), shipment("T-1", line("11", 1)))
	var re *shopify.RetryableError
	if !errors.As(err, &re) {
		t.Fatalf("error %v, want *RetryableError", err)
	}
	if re.After != 2*time.Minute {
		t.Errorf("After = %v, want 2m", re.After)
	}
	if s := e.clock.Sleeps(); len(s) != 0 {
		t.Errorf("slept %v; a wait beyond MaxWait belongs to the job queue", s)
	}
}

func TestFulfillGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	e := newFakeEnv(t, fakeshopify.Options{}, shopify.ClientOptions{MaxAttempts: 3})
	e.fake.AddOrder(testShop, testOrder, []fakeshopify.Line{{ID: "11", Quantity: 1}})
	e.fake.Script(fakeshopify.ServerError(), fakeshopify.ServerError(), fakeshopify.ServerError(), fakeshopify.ServerError())

	_, err := e.client.Fulfill(t.Context(), shipment("T-1", line("11", 1)))
	var re *shopify.RetryableError
	if !errors.As(err, &re) || re.After <= 0 || re.Op != "order" {
		t.Fatalf("error %v, want *RetryableError for order with After > 0", err)
	}
	if n := len(e.fake.Requests()); n != 3 {
		t.Errorf("%d requests, want MaxAttempts = 3", n)
	}
	if s := e.clock.Sleeps(); len(s) != 2 {
		t.Errorf("sleeps %v, want 2 (between 3 attempts)", s)
	}
}

func TestFulfillUserErrorsArePermanent(t *testing.T) {
	t.Parallel()
	e := defaultFakeEnv(t)
	e.fake.AddOrder(testShop, testOrder, []fakeshopify.Line{{ID: "11", Quantity: 1}})
	e.fake.Script(fakeshopify.UserErrors("Fulfillment order does not exist."))

	_, err := e.client.Fulfill(t.Context(), shipment("T-1", line("11", 1)))
	var ue *shopify.UserError
	if !errors.As(err, &ue) {
		t.Fatalf("error %v, want *UserError", err)
	}
	var re *shopify.RetryableError
	if errors.As(err, &re) {
		t.Errorf("userErrors must not be retryable: %v", err)
	}
	if len(ue.Errors) != 1 || ue.Errors[0].Message != "Fulfillment order does not exist." ||
		!reflect.DeepEqual(ue.Errors[0].Field, []string{"fulfillment"}) {
		t.Errorf("userErrors %+v", ue.Errors)
	}
	if !strings.Contains(err.Error(), "fulfillment: Fulfillment order does not exist.") {
		t.Errorf("error text %q", err)
	}
	if n := len(e.fake.Fulfillments(testShop)); n != 0 {
		t.Errorf("%d fulfillments recorded, want 0", n)
	}
	if n := len(e.fake.Requests()); n != 2 {
		t.Errorf("%d requests, want 2 (no retry)", n)
	}
}

func TestFulfillIsIdempotentByTrackingNumber(t *testing.T) {
	t.Parallel()
	e := defaultFakeEnv(t)
	e.fake.AddOrder(testShop, testOrder, []fakeshopify.Line{{ID: "11", Quantity: 2}})
	in := shipment("1Z999AA10123456784", line("11", 1))

	first, err := e.client.Fulfill(t.Context(), in)
	if err != nil {
		t.Fatalf("first Fulfill: %v", err)
	}
	// Same job run again (say, it crashed before recording the id); the
	// tracking number's case may differ on the way back.
	in.Tracking.Number = " 1z999aa10123456784"
	second, err := e.client.Fulfill(t.Context(), in)
	if err != nil {
		t.Fatalf("second Fulfill: %v", err)
	}
	if first != second {
		t.Errorf("ids %s and %s, want the same", first, second)
	}
	if n := len(e.fake.Fulfillments(testShop)); n != 1 {
		t.Errorf("%d fulfillments, want 1", n)
	}
	want := []string{"order", "fulfillmentCreate", "order"}
	if ops := operations(e.fake.Requests()); !reflect.DeepEqual(ops, want) {
		t.Errorf("requests %v, want %v", ops, want)
	}
}

// A 5xx or a dropped connection after fulfillmentCreate leaves its outcome
// unknown. The client must look before trying again, not resend.
func TestFulfillAfterLostResponseDoesNotFulfilTwice(t *testing.T) {
	t.Parallel()
	t.Run("with tracking: finds the fulfillment", func(t *testing.T) {
		t.Parallel()
		e := defaultFakeEnv(t)
		e.fake.AddOrder(testShop, testOrder, []fakeshopify.Line{{ID: "11", Quantity: 2}})
		e.fake.Script(fakeshopify.LostResponse())

		id, err := e.client.Fulfill(t.Context(), shipment("T-1", line("11", 1)))
		if err != nil {
			t.Fatalf("Fulfill: %v", err)
		}
		got := e.fake.Fulfillments(testShop)
		if len(got) != 1 || got[0].ID != id {
			t.Fatalf("fulfillments %+v, want exactly one with id %s", got, id)
		}
		want := []string{"order", "fulfillmentCreate(500)", "order"}
		if ops := operations(e.fake.Requests()); !reflect.DeepEqual(ops, want) {
			t.Errorf("requests %v, want %v", ops, want)
		}
	})
	t.Run("without tracking: remaining quantity stops a second one", func(t *testing.T) {
		t.Parallel()
		e := defaultFakeEnv(t)
		e.fake.AddOrder(testShop, testOrder, []fakeshopify.Line{{ID: "11", Quantity: 1}})
		e.fake.Script(fakeshopify.LostResponse())

		in := shipment("", line("11", 1))
		in.Tracking = shopify.Tracking{}
		_, err := e.client.Fulfill(t.Context(), in)
		if !errors.Is(err, shopify.ErrNotFulfillable) {
			t.Errorf("error %v, want ErrNotFulfillable", err)
		}
		if n := len(e.fake.Fulfillments(testShop)); n != 1 {
			t.Errorf("%d fulfillments, want 1", n)
		}
	})
	t.Run("plain 500 on the mutation: looks, then creates", func(t *testing.T) {
		t.Parallel()
		e := defaultFakeEnv(t)
		e.fake.AddOrder(testShop, testOrder, []fakeshopify.Line{{ID: "11", Quantity: 1}})
		e.fake.Script(fakeshopify.Delay(0), fakeshopify.ServerError()) // the query passes, the mutation fails

		if _, err := e.client.Fulfill(t.Context(), shipment("T-1", line("11", 1))); err != nil {
			t.Fatalf("Fulfill: %v", err)
		}
		want := []string{"order", "fulfillmentCreate(500)", "order", "fulfillmentCreate"}
		if ops := operations(e.fake.Requests()); !reflect.DeepEqual(ops, want) {
			t.Errorf("requests %v, want %v", ops, want)
		}
		if n := len(e.fake.Fulfillments(testShop)); n != 1 {
			t.Errorf("%d fulfillments, want 1", n)
		}
	})
}

func TestFulfillRefusesOverQuantity(t *testing.T) {
	t.Parallel()
	e := defaultFakeEnv(t)
	e.fake.AddOrder(testShop, testOrder, []fakeshopify.Line{{ID: "11", Quantity: 1}, {ID: "22", Quantity: 1}})

	_, err := e.client.Fulfill(t.Context(), shipment("T-1", line("11", 1), line("22", 2)))
	if !errors.Is(err, shopify.ErrNotFulfillable) {
		t.Fatalf("error %v, want ErrNotFulfillable", err)
	}
	if !strings.Contains(err.Error(), "line item 22: 2 requested, 1 open to fulfil") {
		t.Errorf("error text %q", err)
	}
	if ops := operations(e.fake.Requests()); !reflect.DeepEqual(ops, []string{"order"}) {
		t.Errorf("requests %v: nothing may be sent after a failed allocation", ops)
	}
	if n := len(e.fake.Fulfillments(testShop)); n != 0 {
		t.Errorf("%d fulfillments, want 0", n)
	}

	// A line that is not in the order at all.
	_, err = e.client.Fulfill(t.Context(), shipment("T-1", line("99", 1)))
	if !errors.Is(err, shopify.ErrNotFulfillable) || !strings.Contains(err.Error(), "line item 99: 1 requested, 0 open") {
		t.Errorf("unknown line: %v", err)
	}
}

func TestFulfillOrderNotFound(t *testing.T) {
	t.Parallel()
	e := defaultFakeEnv(t)
	_, err := e.client.Fulfill(t.Context(), shipment("T-1", line("11", 1)))
	if !errors.Is(err, shopify.ErrOrderNotFound) {
		t.Errorf("error %v, want ErrOrderNotFound", err)
	}
}

func TestFulfillWrongTokenIsPermanent(t *testing.T) {
	t.Parallel()
	e := defaultFakeEnv(t)
	e.fake.AddOrder(testShop, testOrder, []fakeshopify.Line{{ID: "11", Quantity: 1}})
	e.fake.SetToken(testShop, "shpat_rotated") // the client still holds the old one

	_, err := e.client.Fulfill(t.Context(), shipment("T-1", line("11", 1)))
	var se *shopify.StatusError
	if !errors.As(err, &se) || se.StatusCode != 401 {
		t.Fatalf("error %v, want *StatusError 401", err)
	}
	var re *shopify.RetryableError
	if errors.As(err, &re) {
		t.Errorf("401 must not be retryable")
	}
	if !strings.Contains(err.Error(), "Invalid API key or access token") {
		t.Errorf("error text %q should carry Shopify's reason", err)
	}
	if n := len(e.fake.Requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("error leaks the token: %q", err)
	}
}

func TestFulfillRejectsBadInputBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	e := defaultFakeEnv(t)
	tests := map[string]shopify.FulfillInput{
		"numeric order id":     {OrderGID: "820982911946154508", Lines: []shopify.FulfillLine{line("11", 1)}},
		"wrong GID type":       {OrderGID: "gid://shopify/Customer/1", Lines: []shopify.FulfillLine{line("11", 1)}},
		"no lines":             {OrderGID: testOrder},
		"line id is a GID":     {OrderGID: testOrder, Lines: []shopify.FulfillLine{line("gid://shopify/LineItem/11", 1)}},
		"zero quantity":        {OrderGID: testOrder, Lines: []shopify.FulfillLine{line("11", 0)}},
		"negative quantity":    {OrderGID: testOrder, Lines: []shopify.FulfillLine{line("11", -1)}},
		"empty line item id":   {OrderGID: testOrder, Lines: []shopify.FulfillLine{line("", 1)}},
		"GID with junk suffix": {OrderGID: testOrder + "?x", Lines: []shopify.FulfillLine{line("11", 1)}},
	}
	for name, in := range tests {
		if _, err := e.client.Fulfill(t.Context(), in); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if n := len(e.fake.Requests()); n != 0 {
		t.Errorf("%d requests sent for invalid input", n)
	}
}

func TestFulfillMergesRepeatedLines(t *testing.T) {
	t.Parallel()
	e := defaultFakeEnv(t)
	e.fake.AddOrder(testShop, testOrder, []fakeshopify.Line{{ID: "11", Quantity: 3}})
	if _, err := e.client.Fulfill(t.Context(), shipment("T-1", line("11", 1), line("11", 2))); err != nil {
		t.Fatal(err)
	}
	if q := lineQuantities(e.fake.Fulfillments(testShop)[0]); q["11"] != 3 {
		t.Errorf("lines %v, want 11: 3", q)
	}
}

func TestNewClientValidatesShopBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	fake := fakeshopify.New(fakeshopify.Options{})
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	for _, shop := range []string{"evil.com", "a.myshopify.com.evil.com", "-x.myshopify.com", "", "a.myshopify.com:8443", "a.myshopify.com/admin"} {
		fake.SetToken(shop, testToken)
		if c, err := shopify.NewClient(shop, testToken, shopify.ClientOptions{BaseURL: srv.URL}); err == nil {
			t.Errorf("NewClient(%q) = %v, want error", shop, c)
		}
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	if _, err := shopify.NewClient(testShop, "", shopify.ClientOptions{}); err == nil {
		t.Error("empty token accepted")
	}
	for _, base := range []string{"ftp://x", "localhost:8080", "http://", "http://x/?a=b", "://"} {
		if _, err := shopify.NewClient(testShop, testToken, shopify.ClientOptions{BaseURL: base}); err == nil {
			t.Errorf("base URL %q accepted", base)
		}
	}
	c, err := shopify.NewClient("Retailer.MyShopify.com", testToken, shopify.ClientOptions{})
	if err != nil || c.Shop() != testShop {
		t.Errorf("NewClient lower-cases the shop: %v, %v", c, err)
	}
}

func TestFulfillRespectsContext(t *testing.T) {
	t.Parallel()
	t.Run("while waiting to retry", func(t *testing.T) {
		t.Parallel()
		// The real sleep: a 20 s Retry-After must end with the context.
		e := defaultFakeEnv(t)
		e.client = mustClient(t, e.url, shopify.ClientOptions{}) // real clock
		e.fake.AddOrder(testShop, testOrder, []fakeshopify.Line{{ID: "11", Quantity: 1}})
		e.fake.Script(fakeshopify.TooManyRequests(20 * time.Second))

		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := e.client.Fulfill(ctx, shipment("T-1", line("11", 1)))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v", d)
		}
	})
	t.Run("during a slow request", func(t *testing.T) {
		t.Parallel()
		e := defaultFakeEnv(t)
		e.fake.AddOrder(testShop, testOrder, []fakeshopify.Line{{ID: "11", Quantity: 1}})
		e.fake.Script(fakeshopify.Delay(20 * time.Second))

		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		_, err := e.client.Fulfill(ctx, shipment("T-1", line("11", 1)))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v, want context.DeadlineExceeded", err)
		}
		var re *shopify.RetryableError
		if errors.As(err, &re) {
			t.Errorf("the caller's own deadline is not a Shopify failure: %v", err)
		}
		if s := e.clock.Sleeps(); len(s) != 0 {
			t.Errorf("retried after cancellation: sleeps %v", s)
		}
	})
}

func mustClient(t *testing.T, baseURL string, opts shopify.ClientOptions) *shopify.Client {
	t.Helper()
	opts.BaseURL = baseURL
	c, err := shopify.NewClient(testShop, testToken, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// With the fake enforcing a small bucket and both sides on one clock, the
// client's pacing keeps it under the limit: it waits before sending instead
// of being throttled.
func TestFulfillPacesToTheRateLimit(t *testing.T) {
	t.Parallel()
	e := newFakeEnv(t, fakeshopify.Options{MaximumAvailable: 1000, RestoreRate: 50, EnforceRateLimit: true}, shopify.ClientOptions{})
	const orders = 40
	for i := range orders {
		e.fake.AddOrder(testShop, fmt.Sprintf("gid://shopify/Order/%d", i+1), []fakeshopify.Line{{ID: "11", Quantity: 1}})
	}
	for i := range orders {
		in := shipment(fmt.Sprintf("T-%d", i), line("11", 1))
		in.OrderGID = fmt.Sprintf("gid://shopify/Order/%d", i+1)
		if _, err := e.client.Fulfill(t.Context(), in); err != nil {
			t.Fatalf("order %d: %v", i+1, err)
		}
	}
	throttled := 0
	for _, r := range e.fake.Requests() {
		if r.Throttled {
			throttled++
		}
	}
	// Only the first query's cost is unknown to the client, so at most the
	// bucket's first refusal can happen; with a full bucket, none does.
	if throttled != 0 {
		t.Errorf("%d requests throttled, want 0", throttled)
	}
	if len(e.clock.Sleeps()) == 0 {
		t.Error("the client never paced; the test does not exercise the bucket")
	}
	if n := len(e.fake.Fulfillments(testShop)); n != orders {
		t.Errorf("%d fulfillments, want %d", n, orders)
	}
}

func TestFulfillConcurrentUse(t *testing.T) {
	t.Parallel()
	e := defaultFakeEnv(t)
	const orders = 32
	for i := range orders {
		e.fake.AddOrder(testShop, fmt.Sprintf("gid://shopify/Order/%d", i+1), []fakeshopify.Line{{ID: "11", Quantity: 1}})
	}
	var wg sync.WaitGroup
	errs := make(chan error, orders)
	for i := range orders {
		wg.Go(func() {
			in := shipment(fmt.Sprintf("T-%d", i), line("11", 1))
			in.OrderGID = fmt.Sprintf("gid://shopify/Order/%d", i+1)
			if _, err := e.client.Fulfill(t.Context(), in); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(e.fake.Fulfillments(testShop)); n != orders {
		t.Errorf("%d fulfillments, want %d", n, orders)
	}
}
