package shopify_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consign/consign/app/platforms/shopify"
)

// scriptedShopify answers each request with the next of answers, and
// records what it received. For the cases the fake does not model.
type scriptedShopify struct {
	mu       sync.Mutex
	answers  []func(w http.ResponseWriter)
	received []*http.Request
	bodies   []string
}

func (s *scriptedShopify) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.received = append(s.received, r)
	s.bodies = append(s.bodies, string(b))
	n := len(s.received)
	s.mu.Unlock()
	if n > len(s.answers) {
		http.Error(w, "unexpected request", http.StatusTeapot)
		return
	}
	s.answers[n-1](w)
}

func (s *scriptedShopify) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.received)
}

func answer(status int, body string, header ...string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

const (
	costOK        = `"extensions":{"cost":{"requestedQueryCost":755,"actualQueryCost":11,"throttleStatus":{"maximumAvailable":2000.0,"currentlyAvailable":1989,"restoreRate":100.0}}}`
	orderNotFound = `{"data":{"order":null},` + costOK + `}`
)

func scriptedClient(t *testing.T, answers ...func(http.ResponseWriter)) (*scriptedShopify, *shopify.Client, *clock) {
	t.Helper()
	s := &scriptedShopify{answers: answers}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	clk := newClock()
	c := mustClient(t, srv.URL, shopify.ClientOptions{Sleep: clk.Sleep, Now: clk.Now})
	return s, c, clk
}

func TestClientSendsPinnedVersionTokenAndVariables(t *testing.T) {
	t.Parallel()
	s, c, _ := scriptedClient(t, answer(200, orderNotFound))
	_, err := c.Fulfill(t.Context(), shipment("T-1", line("11", 1)))
	if !errors.Is(err, shopify.ErrOrderNotFound) {
		t.Fatalf("error %v, want ErrOrderNotFound", err)
	}
	r := s.received[0]
	if r.Method != http.MethodPost || r.URL.Path != "/admin/api/2026-01/graphql.json" {
		t.Errorf("%s %s", r.Method, r.URL.Path)
	}
	for h, want := range map[string]string{
		"X-Shopify-Access-Token": testToken,
		"X-Shopify-Shop-Domain":  testShop,
		"Content-Type":           "application/json",
	} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}
	var body struct {
		Query     string            `json:"query"`
		Variables map[string]string `json:"variables"`
	}
	if err := json.Unmarshal([]byte(s.bodies[0]), &body); err != nil {
		t.Fatal(err)
	}
	if body.Variables["id"] != testOrder {
		t.Errorf("variables %v", body.Variables)
	}
	for _, want := range []string{"order(id: $id)", "fulfillmentOrders(first:", "supportedActions { action }", "remainingQuantity", "lineItem { id }", "trackingInfo"} {
		if !strings.Contains(body.Query, want) {
			t.Errorf("query lacks %q", want)
		}
	}
}

func TestClientErrorClassification(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		answers   []func(http.ResponseWriter)
		requests  int
		retryable bool
		check     func(t *testing.T, err error)
	}{
		{
			name:     "GraphQL error is permanent",
			answers:  []func(http.ResponseWriter){answer(200, `{"errors":[{"message":"Access denied for order field.","extensions":{"code":"ACCESS_DENIED"}}],`+costOK+`}`)},
			requests: 1,
			check: func(t *testing.T, err error) {
				var ge *shopify.GraphQLError
				if !errors.As(err, &ge) || ge.Errors[0].Code != "ACCESS_DENIED" {
					t.Errorf("error %v, want *GraphQLError ACCESS_DENIED", err)
				}
			},
		},
		{
			name:     "query too costly is permanent",
			answers:  []func(http.ResponseWriter){answer(200, `{"errors":[{"message":"Query cost is 25000, which exceeds the single query max cost limit (1000).","extensions":{"code":"MAX_COST_EXCEEDED","cost":25000,"maxCost":1000}}],"extensions":{"cost":{"requestedQueryCost":25000,"actualQueryCost":null,"throttleStatus":{"maximumAvailable":2000.0,"currentlyAvailable":2000,"restoreRate":100.0}}}}`)},
			requests: 1,
			check: func(t *testing.T, err error) {
				if !strings.Contains(err.Error(), "MAX_COST_EXCEEDED") {
					t.Errorf("error %v", err)
				}
			},
		},
		{
			name: "Shopify internal error is retried",
			answers: []func(http.ResponseWriter){
				answer(200, `{"errors":[{"message":"Internal error. Looks like something went wrong on our end.","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`),
				answer(200, orderNotFound),
			},
			requests: 2,
			check: func(t *testing.T, err error) {
				if !errors.Is(err, shopify.ErrOrderNotFound) {
					t.Errorf("error %v, want ErrOrderNotFound after the retry", err)
				}
			},
		},
		{
			name:     "402 frozen shop is permanent",
			answers:  []func(http.ResponseWriter){answer(402, `{"errors":"Unavailable Shop"}`)},
			requests: 1,
			check: func(t *testing.T, err error) {
				var se *shopify.StatusError
				if !errors.As(err, &se) || se.StatusCode != 402 || !strings.Contains(se.Body, "Unavailable Shop") {
					t.Errorf("error %v", err)
				}
			},
		},
		{
			name:     "redirect is not followed",
			answers:  []func(http.ResponseWriter){answer(307, `{}`, "Location", "https://evil.example/steal")},
			requests: 1,
			check: func(t *testing.T, err error) {
				var se *shopify.StatusError
				if !errors.As(err, &se) || se.StatusCode != 307 {
					t.Errorf("error %v, want *StatusError 307", err)
				}
			},
		},
		{
			name:     "non-JSON 200 is permanent",
			answers:  []func(http.ResponseWriter){answer(200, `<html>maintenance</html>`)},
			requests: 1,
			check: func(t *testing.T, err error) {
				if !strings.Contains(err.Error(), "decoding response") {
					t.Errorf("error %v", err)
				}
			},
		},
		{
			name: "503s until attempts run out",
			answers: []func(http.ResponseWriter){
				answer(503, `{}`), answer(503, `{}`), answer(502, `{}`), answer(500, `{}`), answer(504, `{}`),
			},
			requests:  5,
			retryable: true,
			check: func(t *testing.T, err error) {
				var re *shopify.RetryableError
				errors.As(err, &re)
				if re.Op != "order" || !strings.Contains(err.Error(), "HTTP 504") {
					t.Errorf("error %v", err)
				}
			},
		},
		{
			name: "429 without Retry-After backs off",
			answers: []func(http.ResponseWriter){
				answer(429, `{"errors":"Exceeded"}`),
				answer(200, orderNotFound),
			},
			requests: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, c, _ := scriptedClient(t, tt.answers...)
			_, err := c.Fulfill(t.Context(), shipment("T-1", line("11", 1)))
			if err == nil {
				t.Fatal("no error")
			}
			var re *shopify.RetryableError
			if errors.As(err, &re) != tt.retryable {
				t.Errorf("retryable = %v, want %v: %v", !tt.retryable, tt.retryable, err)
			}
			if n := s.count(); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
		})
	}
}

func TestClientRetryAfterDate(t *testing.T) {
	t.Parallel()
	when := newClock().Now().Add(7 * time.Second) // every fake clock starts at the same instant
	s, c, clk := scriptedClient(t,
		answer(429, `{}`, "Retry-After", when.Format(http.TimeFormat)),
		answer(200, orderNotFound),
	)
	_, _ = c.Fulfill(t.Context(), shipment("T-1", line("11", 1)))
	if got := clk.Sleeps(); len(got) != 1 || got[0] != 7*time.Second {
		t.Errorf("sleeps %v, want [7s]", got)
	}
	if s.count() != 2 {
		t.Errorf("%d requests", s.count())
	}
}

func TestClientNetworkErrorsAreRetried(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens: every dial fails
	clk := newClock()
	c := mustClient(t, url, shopify.ClientOptions{MaxAttempts: 3, Sleep: clk.Sleep, Now: clk.Now})

	_, err := c.Fulfill(t.Context(), shipment("T-1", line("11", 1)))
	var re *shopify.RetryableError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "network error") {
		t.Fatalf("error %v, want *RetryableError for a network error", err)
	}
	if n := len(clk.Sleeps()); n != 2 {
		t.Errorf("%d sleeps, want 2", n)
	}
}

func TestClientDoesNotChangeCallersHTTPClient(t *testing.T) {
	t.Parallel()
	hc := &http.Client{Timeout: time.Second}
	mustClient(t, "http://127.0.0.1:1", shopify.ClientOptions{HTTPClient: hc})
	if hc.CheckRedirect != nil {
		t.Error("NewClient changed the caller's http.Client")
	}
}
