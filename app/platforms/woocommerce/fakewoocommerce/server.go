// Package fakewoocommerce is an in-process stand-in for a WooCommerce store:
// the REST v3 routes Consign calls (orders, order notes, webhooks), the
// Shipment Tracking extension's routes (switchable, to test stores without
// it), the /wc-auth/v1/authorize key grant, and the webhook deliveries and
// creation ping the store would send. It keeps real state and answers with
// the real shapes (see ../shared/fixtures/woocommerce), JSON encoded the way
// PHP does (escaped slashes and non-ASCII), so a client that re-encodes a
// body before checking its signature fails here as it would in production.
//
// Every /wp-json/ request needs HTTP basic auth with the store's consumer key
// and secret. Every request is recorded for assertions. It is safe for
// concurrent use.
package fakewoocommerce

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Request is one request the fake received.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Body   []byte
	Status int // the HTTP status answered
}

// Server is the fake store. URL is its base URL, the store URL a client uses.
type Server struct {
	URL string

	ts       *httptest.Server
	key      string // the key the next approval grants
	secret   string
	callback *http.Client // posts key grants, as WordPress does from the server side

	mu             sync.Mutex
	now            func() time.Time
	orders         map[int64]*order
	webhooks       map[int64]*Webhook
	lastWebhookID  int64
	lastNoteID     int64
	lastKeyID      int64
	trackingOn     bool
	failLeft       int
	failStatus     int
	requests       []Request
	callbackStatus int
	keys           map[string]string // every REST key the store accepts: key -> secret
}

// New starts a fake store that accepts consumerKey and consumerSecret. The
// Shipment Tracking extension starts installed. Close it when done.
func New(consumerKey, consumerSecret string) *Server {
	s := &Server{
		key:        consumerKey,
		secret:     consumerSecret,
		callback:   &http.Client{Timeout: 10 * time.Second},
		now:        time.Now,
		orders:     make(map[int64]*order),
		webhooks:   make(map[int64]*Webhook),
		trackingOn: true,
		lastNoteID: 1000,
		keys:       map[string]string{consumerKey: consumerSecret},
	}
	s.ts = httptest.NewServer(s)
	s.URL = s.ts.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.ts.Close() }

// GrantKey makes the store's next approvals grant this key pair (and accept
// it), as a store whose admin approves a second key request does; the keys
// granted before keep working.
func (s *Server) GrantKey(consumerKey, consumerSecret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.key, s.secret = consumerKey, consumerSecret
	s.keys[consumerKey] = consumerSecret
}

// SetTrackingExtension installs (true) or removes (false) the Shipment
// Tracking extension. Without it its routes answer 404 rest_no_route, as
// WordPress does for any route no plugin registered.
func (s *Server) SetTrackingExtension(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.trackingOn = on
}

// FailNext answers the next n /wp-json/ requests with status (and, for 429
// and 503, Retry-After: 2) before looking at them, like a store that is
// down or overloaded.
func (s *Server) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failLeft, s.failStatus = n, status
}

// Requests lists every request received, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// reply is what a route answers.
type reply struct {
	status   int
	body     any    // encoded as PHP would; nil for none
	raw      []byte // sent as is when body is nil
	header   http.Header
	location string // for redirects
}

type route struct {
	method  string
	pattern *regexp.Regexp
	handle  func(s *Server, r *http.Request, body []byte, m []string) reply
}

var routes = []route{
	{"GET", regexp.MustCompile(`^/wp-json/wc/v3/system_status$`), (*Server).systemStatus},
	{"GET", regexp.MustCompile(`^/wp-json/wc/v3/orders$`), (*Server).listOrders},
	{"GET", regexp.MustCompile(`^/wp-json/wc/v3/orders/(\d+)$`), (*Server).getOrder},
	{"PUT", regexp.MustCompile(`^/wp-json/wc/v3/orders/(\d+)$`), (*Server).updateOrder},
	{"GET", regexp.MustCompile(`^/wp-json/wc/v3/orders/(\d+)/notes$`), (*Server).listNotes},
	{"POST", regexp.MustCompile(`^/wp-json/wc/v3/orders/(\d+)/notes$`), (*Server).createNote},
	{"GET", regexp.MustCompile(`^/wp-json/wc/v3/webhooks$`), (*Server).listWebhooks},
	{"POST", regexp.MustCompile(`^/wp-json/wc/v3/webhooks$`), (*Server).createWebhook},
	{"GET", regexp.MustCompile(`^/wp-json/wc/v3/webhooks/(\d+)$`), (*Server).getWebhook},
	{"PUT", regexp.MustCompile(`^/wp-json/wc/v3/webhooks/(\d+)$`), (*Server).updateWebhook},
	{"DELETE", regexp.MustCompile(`^/wp-json/wc/v3/webhooks/(\d+)$`), (*Server).deleteWebhook},
	{"GET", regexp.MustCompile(`^/wp-json/wc-shipment-tracking/v3/orders/(\d+)/shipment-trackings$`), (*Server).listTrackings},
	{"POST", regexp.MustCompile(`^/wp-json/wc-shipment-tracking/v3/orders/(\d+)/shipment-trackings$`), (*Server).createTracking},
}

// ServeHTTP routes a request, answers it and records it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	rep := s.answer(r, body)
	s.mu.Lock()
	s.requests = append(s.requests, Request{
		Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: body, Status: rep.status,
	})
	s.mu.Unlock()

	for k, vs := range rep.header {
		w.Header()[k] = vs
	}
	if rep.location != "" {
		w.Header().Set("Location", rep.location)
	}
	raw := rep.raw
	if rep.body != nil {
		raw = phpJSON(rep.body)
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	}
	w.WriteHeader(rep.status)
	w.Write(raw)
}

func (s *Server) answer(r *http.Request, body []byte) reply {
	if r.URL.Path == "/wc-auth/v1/authorize" && r.Method == http.MethodGet {
		return s.authorize(r) // auth.go
	}
	if !strings.HasPrefix(r.URL.Path, "/wp-json/") {
		return reply{status: http.StatusNotFound, raw: []byte("<html><body>Page not found</body></html>"), header: http.Header{"Content-Type": {"text/html"}}}
	}
	if rep, failed := s.injectedFailure(); failed {
		return rep
	}
	if rep, ok := s.authenticate(r); !ok {
		return rep
	}
	for _, rt := range routes {
		if m := rt.pattern.FindStringSubmatch(r.URL.Path); m != nil && rt.method == r.Method {
			if strings.Contains(r.URL.Path, "/wc-shipment-tracking/") && !s.trackingInstalled() {
				break
			}
			return rt.handle(s, r, body, m)
		}
	}
	return wpError(http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.")
}

func (s *Server) trackingInstalled() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.trackingOn
}

func (s *Server) injectedFailure() (reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failLeft <= 0 {
		return reply{}, false
	}
	s.failLeft--
	rep := wpError(s.failStatus, "internal_server_error", "There has been a critical error on this website.")
	if s.failStatus == http.StatusTooManyRequests {
		rep = wpError(s.failStatus, "too_many_requests", "Too many requests.")
	}
	if s.failStatus == http.StatusTooManyRequests || s.failStatus == http.StatusServiceUnavailable {
		rep.header = http.Header{"Retry-After": {"2"}}
	}
	return rep, true
}

// authenticate checks basic auth as WooCommerce does, with its error bodies.
func (s *Server) authenticate(r *http.Request) (reply, bool) {
	user, pass, ok := r.BasicAuth()
	s.mu.Lock()
	secret, known := s.keys[user]
	s.mu.Unlock()
	switch {
	case !ok:
		return wpError(http.StatusUnauthorized, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources."), false
	case !known:
		return wpError(http.StatusUnauthorized, "woocommerce_rest_authentication_error", "Consumer key is invalid."), false
	case subtle.ConstantTimeCompare([]byte(pass), []byte(secret)) != 1:
		return wpError(http.StatusUnauthorized, "woocommerce_rest_authentication_error", "Consumer secret is invalid."), false
	}
	return reply{}, true
}

// wpError is WordPress's REST error body.
func wpError(status int, code, message string) reply {
	return reply{status: status, body: map[string]any{
		"code": code, "message": message, "data": map[string]any{"status": status},
	}}
}

// invalidParam is WordPress's answer to a query parameter its schema refuses.
func invalidParam(name, why string) reply {
	return reply{status: http.StatusBadRequest, body: map[string]any{
		"code":    "rest_invalid_param",
		"message": "Invalid parameter(s): " + name,
		"data":    map[string]any{"status": 400, "params": map[string]string{name: why}},
	}}
}

// pageParams reads page and per_page as WooCommerce's schema does.
func pageParams(q url.Values) (page, perPage int, bad *reply) {
	page, perPage = 1, 10
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			r := invalidParam("page", "page must be greater than or equal to 1")
			return 0, 0, &r
		}
		page = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			r := invalidParam("per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)")
			return 0, 0, &r
		}
		perPage = n
	}
	return page, perPage, nil
}

// paginate cuts one page out of n items and sets WordPress's paging headers.
func paginate(n, page, perPage int) (from, to int, h http.Header) {
	pages := (n + perPage - 1) / perPage
	h = http.Header{"X-Wp-Total": {strconv.Itoa(n)}, "X-Wp-Totalpages": {strconv.Itoa(pages)}}
	from = min((page-1)*perPage, n)
	to = min(from+perPage, n)
	return from, to, h
}

func pathID(m []string) int64 {
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

// randomHex returns n random bytes as hex, for secrets and delivery ids.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("fakewoocommerce: crypto/rand: %v", err))
	}
	return hex.EncodeToString(b)
}

// stamp is a time as the REST API writes it: seconds, no zone. The fake
// store's time zone is UTC, so local and *_gmt dates are the same.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") }

// tick is the current time to the second, strictly after prev, so every
// change gives an order a new date_modified.
func (s *Server) tick(prev time.Time) time.Time {
	t := s.now().UTC().Truncate(time.Second)
	if !t.After(prev) {
		t = prev.Add(time.Second)
	}
	return t
}
