package woocommerce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	apiPrefix         = "/wp-json/wc/v3"
	defaultTimeout    = 30 * time.Second
	defaultRetryAfter = 30 * time.Second
	maxResponseBytes  = 8 << 20
)

// ClientOptions tunes a Client. The zero value is ready for production.
type ClientOptions struct {
	// HTTPClient defaults to a client with a 30 s timeout. Redirects are
	// never followed, whatever the client says: they would carry the key.
	HTTPClient *http.Client
	// Logger receives failures; never the key or secret. Default: discard.
	Logger *slog.Logger
}

// Client calls one store's REST API with its consumer key and secret. It is
// safe for concurrent use. It makes one request per step and does not retry:
// a *RetryableError goes back to the job queue, which waits.
type Client struct {
	store  string
	key    string
	secret string
	http   *http.Client
	log    *slog.Logger
}

// NewClient returns a client for the store at storeURL (normalised with
// NormalizeStoreURL), authenticated by the key grant's consumer key and secret.
func NewClient(opts ClientOptions, storeURL, consumerKey, consumerSecret string) (*Client, error) {
	store, err := NormalizeStoreURL(storeURL)
	if err != nil {
		return nil, fmt.Errorf("woocommerce client: %w", err)
	}
	if consumerKey == "" || consumerSecret == "" {
		return nil, errors.New("woocommerce client: empty consumer key or secret")
	}
	hc := http.Client{Timeout: defaultTimeout}
	if opts.HTTPClient != nil {
		hc = *opts.HTTPClient // a copy: we must not change the caller's client
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{
		store:  store,
		key:    consumerKey,
		secret: consumerSecret,
		http:   &hc,
		log:    log.With("platform", Platform, "store", store),
	}, nil
}

// StoreURL is the normalised URL of the store the client talks to.
func (c *Client) StoreURL() string { return c.store }

// call sends one request to path (below the store URL) and decodes a 2xx
// answer's JSON into out when out is not nil. It returns the response
// headers and raw body of a 2xx answer.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, in, out any) (http.Header, []byte, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, nil, fmt.Errorf("woocommerce %s %s: encoding request: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	target := c.store + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, nil, fmt.Errorf("woocommerce %s %s: %w", method, path, err)
	}
	req.SetBasicAuth(c.key, c.secret)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, fmt.Errorf("woocommerce %s %s: %w", method, path, ctx.Err())
		}
		c.log.Warn("woocommerce: network error", "method", method, "path", path, "err", err)
		return nil, nil, &RetryableError{After: defaultRetryAfter, Err: fmt.Errorf("%s %s: %w", method, path, err)}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, nil, &RetryableError{After: defaultRetryAfter, Err: fmt.Errorf("%s %s: reading response: %w", method, path, err)}
	}
	if len(raw) > maxResponseBytes {
		return nil, nil, fmt.Errorf("woocommerce %s %s: response is larger than %d bytes", method, path, maxResponseBytes)
	}
	status := resp.StatusCode
	switch {
	case status == http.StatusTooManyRequests || status >= 500:
		wait := retryAfter(resp.Header.Get("Retry-After"), time.Now())
		if wait <= 0 {
			wait = defaultRetryAfter
		}
		c.log.Warn("woocommerce: temporary failure", "method", method, "path", path, "status", status, "retry_after", wait)
		return nil, nil, &RetryableError{After: wait, Err: apiError(method, path, status, raw)}
	case status >= 300 && status < 400:
		// A redirect here means the store lives elsewhere (http -> https,
		// another host): the connection's URL needs fixing, not a retry.
		return nil, nil, fmt.Errorf("woocommerce %s %s: HTTP %d redirect to %q: check the store URL", method, path, status, resp.Header.Get("Location"))
	case status >= 400 || status < 200:
		return nil, nil, apiError(method, path, status, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return nil, nil, fmt.Errorf("woocommerce %s %s: decoding response: %w", method, path, err)
		}
	}
	return resp.Header, raw, nil
}

// apiError reads WordPress's {code, message} error body when there is one.
func apiError(method, path string, status int, body []byte) *APIError {
	e := &APIError{Method: method, Path: path, StatusCode: status}
	var p struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &p) == nil && (p.Code != "" || p.Message != "") {
		e.Code, e.Message = p.Code, p.Message
	} else {
		e.Message = snippet(body)
	}
	return e
}

// retryAfter reads a Retry-After header: seconds or an HTTP date. 0 means
// absent or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func snippet(body []byte) string {
	s := strings.TrimSpace(string(body))
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}
