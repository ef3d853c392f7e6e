package shopify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// APIVersion is the Admin API version every request is pinned to.
const APIVersion = "2026-01"

// ShopHeader carries the shop domain on every Admin API request. Shopify knows
// the shop from the host name and ignores the header; the fake Shopify
// (package fakeshopify) serves every shop from one base URL and reads it.
const ShopHeader = "X-Shopify-Shop-Domain"

const (
	defaultMaxAttempts = 5
	defaultMaxWait     = 30 * time.Second
	defaultTimeout     = 30 * time.Second
	maxResponseBytes   = 8 << 20
)

// ClientOptions tunes a Client. The zero value is ready for production.
type ClientOptions struct {
	// BaseURL, when set, replaces https://SHOP, for a fake Shopify in tests
	// and the offline demo (env SHOPIFY_API_BASE_URL). The shop is still
	// validated and sent in the ShopHeader header.
	BaseURL string
	// HTTPClient defaults to a client with a 30 s timeout. Redirects are
	// never followed, whatever the client says: they would carry the token.
	HTTPClient *http.Client
	// MaxAttempts bounds the requests one call makes, retries included
	// (default 5). Fulfill's query and mutation share one budget.
	MaxAttempts int
	// MaxWait is the longest the client waits before a retry (default 30 s).
	// A longer wait is returned at once as a *RetryableError, so a job
	// queue, not a blocked worker, does the waiting.
	MaxWait time.Duration
	// Sleep waits for d or until ctx is done; Now reads the clock. Tests
	// replace both with one fake clock so waits are instant and measured.
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time
	// Logger receives retries and outcomes; never the token. Default: discard.
	Logger *slog.Logger
	// OnWait, when set, hears of each wait before a request, for metrics:
	// d is the wait, reason one of "pacing" (the client's own estimate of
	// the rate-limit bucket), "throttled", "rate_limited" (HTTP 429),
	// "server_error" or "network" (backing off before a retry).
	OnWait func(d time.Duration, reason string)
}

// Client calls one shop's GraphQL Admin API. It is safe for concurrent use;
// keep one per shop, so its view of the shop's rate-limit bucket is shared.
type Client struct {
	shop        string
	token       atomic.Pointer[string] // replaced when the shop's token rotates (Clients.Get)
	endpoint    string
	http        *http.Client
	maxAttempts int
	maxWait     time.Duration
	sleep       func(context.Context, time.Duration) error
	now         func() time.Time
	log         *slog.Logger
	onWait      func(time.Duration, string)
	budget      budget
}

// NewClient returns a client for shop, authenticated by accessToken.
func NewClient(shop, accessToken string, opts ClientOptions) (*Client, error) {
	if err := ValidateShop(shop); err != nil {
		return nil, fmt.Errorf("shopify client: %w", err)
	}
	shop = strings.ToLower(shop)
	if accessToken == "" {
		return nil, errors.New("shopify client: empty access token")
	}
	base := "https://" + shop
	if opts.BaseURL != "" {
		u, err := url.Parse(opts.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("shopify client: invalid base URL %q: want http(s)://host[/path]", opts.BaseURL)
		}
		base = strings.TrimRight(opts.BaseURL, "/")
	}
	c := &Client{
		shop:        shop,
		endpoint:    base + "/admin/api/" + APIVersion + "/graphql.json",
		maxAttempts: opts.MaxAttempts,
		maxWait:     opts.MaxWait,
		sleep:       opts.Sleep,
		now:         opts.Now,
		log:         opts.Logger,
		onWait:      opts.OnWait,
	}
	c.token.Store(&accessToken)
	hc := http.Client{Timeout: defaultTimeout}
	if opts.HTTPClient != nil {
		hc = *opts.HTTPClient // a copy: we must not change the caller's client
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.http = &hc
	if c.maxAttempts <= 0 {
		c.maxAttempts = defaultMaxAttempts
	}
	if c.maxWait <= 0 {
		c.maxWait = defaultMaxWait
	}
	if c.sleep == nil {
		c.sleep = sleepContext
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.onWait == nil {
		c.onWait = func(time.Duration, string) {}
	}
	c.log = c.log.With("shop", shop)
	return c, nil
}

// Shop is the shop domain the client talks to.
func (c *Client) Shop() string { return c.shop }

// operation is one GraphQL document the client sends.
type operation struct {
	name     string // the root field, for errors and logs
	query    string
	mutation bool
}

type gqlRequest struct {
	Query     string `json:"query"`
	Variables any    `json:"variables,omitempty"`
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string `json:"message"`
		Extensions struct {
			Code string `json:"code"`
		} `json:"extensions"`
	} `json:"errors"`
	Extensions struct {
		Cost *queryCost `json:"cost"`
	} `json:"extensions"`
}

// queryCost is extensions.cost, present on every Admin API response.
type queryCost struct {
	RequestedQueryCost float64  `json:"requestedQueryCost"`
	ActualQueryCost    *float64 `json:"actualQueryCost"` // null when refused
	ThrottleStatus     struct {
		MaximumAvailable   float64 `json:"maximumAvailable"`
		CurrentlyAvailable float64 `json:"currentlyAvailable"`
		RestoreRate        float64 `json:"restoreRate"`
	} `json:"throttleStatus"`
}

// transientError is a failed attempt that may succeed if repeated.
type transientError struct {
	reason       string
	kind         string        // a reason from a small set, for OnWait
	wait         time.Duration // how long Shopify asked us to wait; 0: use backoff
	maybeApplied bool          // the request may have run before the failure
	err          error
}

func (e *transientError) Error() string {
	if e.err == nil {
		return e.reason
	}
	return e.reason + ": " + e.err.Error()
}

func (e *transientError) Unwrap() error { return e.err }

// maybeAppliedError is a mutation whose outcome is unknown (5xx, timeout,
// dropped connection). It is never repeated blindly: the caller must first
// look whether it happened.
type maybeAppliedError struct{ t *transientError }

func (e *maybeAppliedError) Error() string { return "outcome unknown: " + e.t.Error() }

// call runs op, repeating it while that is safe and attempts remain. tries
// counts attempts across the calls of one use case.
func (c *Client) call(ctx context.Context, tries *int, op operation, vars, out any) error {
	payload, err := json.Marshal(gqlRequest{Query: op.query, Variables: vars})
	if err != nil {
		return fmt.Errorf("shopify %s: encoding request: %w", op.name, err)
	}
	for {
		*tries++
		err := c.attempt(ctx, op, payload, out)
		t, ok := err.(*transientError) // attempt returns it unwrapped
		if !ok {
			return err
		}
		if op.mutation && t.maybeApplied {
			return &maybeAppliedError{t}
		}
		if err := c.backoff(ctx, *tries, op.name, t); err != nil {
			return err
		}
	}
}

// backoff waits before the next attempt, or returns a *RetryableError when
// attempts are used up or the wait is longer than the client may block.
func (c *Client) backoff(ctx context.Context, tries int, op string, t *transientError) error {
	wait := t.wait
	if wait <= 0 {
		wait = exponentialBackoff(tries)
	}
	if tries >= c.maxAttempts || wait > c.maxWait {
		return &RetryableError{Op: op, After: wait, Err: t}
	}
	c.log.Warn("shopify: retrying", "op", op, "attempt", tries, "wait", wait, "reason", t.Error())
	c.onWait(wait, t.kind)
	if err := c.sleep(ctx, wait); err != nil {
		return fmt.Errorf("shopify %s: waiting to retry: %w", op, err)
	}
	return nil
}

// attempt sends one request and sorts the answer into success, a
// *transientError, or a permanent error.
func (c *Client) attempt(ctx context.Context, op operation, payload []byte, out any) error {
	wait, taken := c.budget.reserve(c.now(), op.name)
	observed := false
	defer func() {
		if !observed {
			c.budget.refund(c.now(), taken)
		}
	}()
	if wait > c.maxWait {
		return &RetryableError{Op: op.name, After: wait, Err: errors.New("rate-limit budget exhausted")}
	}
	if wait > 0 {
		c.log.Debug("shopify: pacing to the rate limit", "op", op.name, "wait", wait)
		c.onWait(wait, "pacing")
		if err := c.sleep(ctx, wait); err != nil {
			return fmt.Errorf("shopify %s: pacing: %w", op.name, err)
		}
	}

	status, header, body, err := c.exchange(context.WithValue(ctx, operationKey{}, op.name), payload)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("shopify %s: %w", op.name, ctx.Err())
		}
		return &transientError{reason: "network error", kind: "network", maybeApplied: true, err: err}
	}
	switch {
	case status == http.StatusTooManyRequests:
		wait := retryAfter(header.Get("Retry-After"), c.now())
		// Retry-After binds every later request, not just this retry: a job
		// retried by the queue must not call before it either.
		c.budget.holdUntil(c.now().Add(wait))
		return &transientError{reason: "HTTP 429", kind: "rate_limited", wait: wait}
	case status >= 500:
		return &transientError{reason: fmt.Sprintf("HTTP %d", status), kind: "server_error", maybeApplied: true}
	case status != http.StatusOK:
		return &StatusError{Op: op.name, StatusCode: status, Body: snippet(body)}
	}

	var r gqlResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return fmt.Errorf("shopify %s: decoding response: %w", op.name, err)
	}
	if cost := r.Extensions.Cost; cost != nil {
		observed = true
		c.budget.observe(c.now(), op.name, cost, taken)
	}
	if len(r.Errors) > 0 {
		gerr := &GraphQLError{Op: op.name}
		for _, e := range r.Errors {
			switch e.Extensions.Code {
			case "THROTTLED":
				// Nothing ran; wait until the bucket holds this query's cost.
				return &transientError{reason: "THROTTLED", kind: "throttled", wait: throttleWait(r.Extensions.Cost)}
			case "INTERNAL_SERVER_ERROR":
				return &transientError{reason: "Shopify internal error: " + e.Message, kind: "server_error", maybeApplied: true}
			}
			gerr.Errors = append(gerr.Errors, GraphQLErrorItem{Message: e.Message, Code: e.Extensions.Code})
		}
		return gerr
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			return fmt.Errorf("shopify %s: decoding data: %w", op.name, err)
		}
	}
	return nil
}

func (c *Client) exchange(ctx context.Context, payload []byte) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(payload))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Shopify-Access-Token", *c.token.Load())
	req.Header.Set(ShopHeader, c.shop)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("reading response: %w", err)
	}
	return resp.StatusCode, resp.Header, body, nil
}

// operationKey carries an operation's name in its request's context.
type operationKey struct{}

// RequestOperation names the GraphQL operation (its root field, such as
// "fulfillmentCreate") a client request carries, or "" for another request.
// An http.RoundTripper given in ClientOptions.HTTPClient can label by it.
func RequestOperation(r *http.Request) string {
	op, _ := r.Context().Value(operationKey{}).(string)
	return op
}

// throttleWait is how long until the bucket refills to the query's cost.
func throttleWait(cost *queryCost) time.Duration {
	if cost == nil || cost.ThrottleStatus.RestoreRate <= 0 {
		return 0
	}
	missing := max(cost.RequestedQueryCost-cost.ThrottleStatus.CurrentlyAvailable, 1)
	return seconds(missing / cost.ThrottleStatus.RestoreRate)
}

// retryAfter reads a Retry-After header: seconds (Shopify sends "2.0") or an
// HTTP date. 0 means absent or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return seconds(s)
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// exponentialBackoff is 1 s, 2 s, 4 s... (capped at 32 s) after the nth
// attempt, less up to half at random so that workers hit by the same outage
// do not come back in step.
func exponentialBackoff(attempt int) time.Duration {
	d := time.Second << min(max(attempt-1, 0), 5)
	return d - rand.N(d/2)
}

func seconds(s float64) time.Duration {
	return time.Duration(s * float64(time.Second))
}

func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func snippet(body []byte) string {
	s := strings.TrimSpace(string(body))
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}
