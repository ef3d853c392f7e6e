package bigcommerce

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
	"strings"
	"sync/atomic"
	"time"
)

// DefaultBaseURL is the REST API host; every store lives under /stores/HASH.
const DefaultBaseURL = "https://api.bigcommerce.com"

const (
	defaultMaxWait    = 30 * time.Second
	defaultTimeout    = 30 * time.Second
	maxAttempts       = 5
	maxResponseBytes  = 8 << 20
	maxErrorSnippet   = 300
	serverErrorBackup = time.Second // first backoff after a 5xx or network error
)

// ClientOptions tunes a Client. The zero value is ready for production.
type ClientOptions struct {
	// BaseURL replaces https://api.bigcommerce.com (env
	// BIGCOMMERCE_API_BASE_URL points it at a fake in tests and the demo).
	BaseURL string
	// HTTPClient defaults to one with a 30 s timeout. Redirects are never
	// followed, whatever the client says: they would carry the token.
	HTTPClient *http.Client
	// Logger hears retries and waits; never the token. Default: discard.
	Logger *slog.Logger
	// OnWait, when set, is called before each sleep the client takes for the
	// store's rate limit (an exhausted window or a 429), for metrics.
	OnWait func(time.Duration)
	// MaxWait is the longest the client sleeps inside a call (default 30 s).
	// A longer wait is returned at once as a *RetryableError, so a job
	// queue, not a blocked worker, does the waiting.
	MaxWait time.Duration
}

// Client calls one store's REST API. It is safe for concurrent use; keep
// one per store (see Clients) so every job shares its view of the store's
// rate-limit window.
type Client struct {
	storeHash string
	token     atomic.Pointer[string] // replaced on reinstall (Clients.Get)
	base      string                 // BaseURL + /stores/HASH
	http      *http.Client
	log       *slog.Logger
	onWait    func(time.Duration)
	maxWait   time.Duration
	limit     limiter
}

// NewClient returns a client for the store, authenticated by token.
func NewClient(opts ClientOptions, storeHash, token string) (*Client, error) {
	if err := ValidateStoreHash(storeHash); err != nil {
		return nil, fmt.Errorf("bigcommerce client: %w", err)
	}
	if token == "" {
		return nil, errors.New("bigcommerce client: empty access token")
	}
	base, err := baseURL(opts.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, fmt.Errorf("bigcommerce client: %w", err)
	}
	c := &Client{
		storeHash: storeHash,
		base:      base + "/stores/" + storeHash,
		log:       opts.Logger,
		onWait:    opts.OnWait,
		maxWait:   opts.MaxWait,
	}
	c.token.Store(&token)
	c.http = noRedirects(opts.HTTPClient)
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("platform", Platform, "store", storeHash)
	if c.onWait == nil {
		c.onWait = func(time.Duration) {}
	}
	if c.maxWait <= 0 {
		c.maxWait = defaultMaxWait
	}
	return c, nil
}

// StoreHash is the store the client talks to.
func (c *Client) StoreHash() string { return c.storeHash }

// setToken switches to a new token (a reinstall), keeping the rate state.
func (c *Client) setToken(token string) {
	if token != "" && *c.token.Load() != token {
		c.token.Store(&token)
	}
}

// call is one REST request: method, a path below /stores/HASH, an optional
// query and JSON body. op names it in errors and logs.
type call struct {
	op     string
	method string
	path   string
	query  url.Values
	body   any
}

// idempotent calls may be repeated after a 5xx or a network error: nothing
// is created twice. A POST is not; its caller looks before it writes again.
func (r call) idempotent() bool { return r.method == http.MethodGet || r.method == http.MethodPut }

// do sends r, pacing to the store's rate limit and retrying what is safe to
// retry, and returns the status and body of a 2xx answer. Any other answer
// is an error: *StatusError (permanent), *RetryableError or a ctx error.
func (c *Client) do(ctx context.Context, r call) (int, []byte, error) {
	var payload []byte
	if r.body != nil {
		var err error
		if payload, err = json.Marshal(r.body); err != nil {
			return 0, nil, fmt.Errorf("bigcommerce %s: encoding request: %w", r.op, err)
		}
	}
	for attempt := 1; ; attempt++ {
		if err := c.pace(ctx, r.op); err != nil {
			return 0, nil, err
		}
		status, header, body, err := c.send(ctx, r, payload)
		now := time.Now()
		if err != nil {
			c.limit.release()
			if ctx.Err() != nil {
				return 0, nil, fmt.Errorf("bigcommerce %s: %w", r.op, ctx.Err())
			}
			if err := c.backoff(ctx, r, attempt, backoffDelay(attempt), err); err != nil {
				return 0, nil, err
			}
			continue
		}
		c.limit.observe(now, header)
		switch {
		case status >= 200 && status < 300:
			return status, body, nil
		case status == http.StatusTooManyRequests:
			wait := retryAfter(header)
			// The window is spent for everyone using this store's client.
			c.limit.holdUntil(now.Add(wait))
			if wait > c.maxWait || attempt >= maxAttempts {
				return 0, nil, &RetryableError{After: wait, Err: fmt.Errorf("%s: HTTP 429 Too Many Requests", r.op)}
			}
			c.log.Warn("bigcommerce: rate limited", "op", r.op, "wait", wait)
			c.onWait(wait)
			if err := sleep(ctx, wait); err != nil {
				return 0, nil, fmt.Errorf("bigcommerce %s: waiting out a 429: %w", r.op, err)
			}
		case status >= 500:
			serverErr := fmt.Errorf("%s: HTTP %d: %s", r.op, status, errorMessage(body))
			if err := c.backoff(ctx, r, attempt, backoffDelay(attempt), serverErr); err != nil {
				return 0, nil, err
			}
		default:
			return 0, nil, &StatusError{Op: r.op, StatusCode: status, Message: errorMessage(body)}
		}
	}
}

// pace waits until the store's window has room for one more request.
func (c *Client) pace(ctx context.Context, op string) error {
	for {
		wait := c.limit.reserve(time.Now())
		if wait <= 0 {
			return nil
		}
		if wait > c.maxWait {
			return &RetryableError{After: wait, Err: fmt.Errorf("%s: the store's rate-limit window is spent", op)}
		}
		c.log.Debug("bigcommerce: waiting for the rate-limit window", "op", op, "wait", wait)
		c.onWait(wait)
		if err := sleep(ctx, wait); err != nil {
			return fmt.Errorf("bigcommerce %s: waiting for the rate limit: %w", op, err)
		}
	}
}

// backoff sleeps before repeating a call that failed with a 5xx or on the
// network, or returns a *RetryableError when the call must not be repeated
// here (a POST whose outcome is unknown) or attempts ran out.
func (c *Client) backoff(ctx context.Context, r call, attempt int, wait time.Duration, cause error) error {
	if !r.idempotent() || attempt >= maxAttempts || wait > c.maxWait {
		return &RetryableError{After: wait, Err: cause}
	}
	c.log.Warn("bigcommerce: retrying", "op", r.op, "attempt", attempt, "wait", wait, "reason", cause.Error())
	if err := sleep(ctx, wait); err != nil {
		return fmt.Errorf("bigcommerce %s: waiting to retry: %w", r.op, err)
	}
	return nil
}

func (c *Client) send(ctx context.Context, r call, payload []byte) (int, http.Header, []byte, error) {
	u := c.base + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Auth-Token", *c.token.Load())
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("reading response: %w", err)
	}
	if len(data) > maxResponseBytes {
		return 0, nil, nil, fmt.Errorf("response larger than %d bytes", maxResponseBytes)
	}
	return resp.StatusCode, resp.Header, data, nil
}

// errorMessage pulls BigCommerce's explanation out of an error body: V2
// answers [{"status":400,"message":"..."}], V3 {"title":"...","errors":{...}}.
func errorMessage(body []byte) string {
	var v2 []struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &v2) == nil && len(v2) > 0 {
		msgs := make([]string, 0, len(v2))
		for _, e := range v2 {
			if e.Message != "" {
				msgs = append(msgs, e.Message)
			}
		}
		if len(msgs) > 0 {
			return snippet(strings.Join(msgs, "; "))
		}
	}
	var v3 struct {
		Title  string         `json:"title"`
		Error  string         `json:"error"`
		Errors map[string]any `json:"errors"`
	}
	if json.Unmarshal(body, &v3) == nil && (v3.Title != "" || v3.Error != "") {
		msg := v3.Title
		if msg == "" {
			msg = v3.Error
		}
		for field, why := range v3.Errors {
			msg += fmt.Sprintf("; %s: %v", field, why)
		}
		return snippet(msg)
	}
	return snippet(string(body))
}

func snippet(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > maxErrorSnippet {
		s = s[:maxErrorSnippet] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}

// baseURL checks an http(s) base URL and returns it without a trailing slash.
func baseURL(v, def string) (string, error) {
	if v == "" {
		return def, nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("invalid base URL %q: want http(s)://host[/path]", v)
	}
	return strings.TrimRight(v, "/"), nil
}

// noRedirects copies hc (or a default client) and stops it following
// redirects, which would carry the token or the client secret elsewhere.
func noRedirects(hc *http.Client) *http.Client {
	c := http.Client{Timeout: defaultTimeout}
	if hc != nil {
		c = *hc
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// backoffDelay is 1 s, 2 s, 4 s... after the nth failed attempt, less up to
// half at random so that workers hit by one outage do not return in step.
func backoffDelay(attempt int) time.Duration {
	d := serverErrorBackup << min(max(attempt-1, 0), 5)
	return d - rand.N(d/2)
}

func sleep(ctx context.Context, d time.Duration) error {
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
