// Package fakebigcommerce is an in-process stand-in for the parts of
// BigCommerce Consign uses: the V2 orders API (orders, products, shipping
// addresses, shipments), the V3 webhooks API, and the login service's
// /oauth2/token, all at one httptest URL. Tests and the offline demo use it,
// so it keeps real state, answers in the shapes of BigCommerce's docs
// (../shared/fixtures/bigcommerce), enforces a per-store rate limit with the
// real headers, and can build webhook deliveries and signed payloads as
// BigCommerce would.
package fakebigcommerce

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"
)

// Request is one request the fake received.
type Request struct {
	At     time.Time
	Method string
	Path   string
	Query  string // raw query
	Body   []byte
	Store  string // the store hash in the path, "" for /oauth2/token
	Status int    // what the fake answered
}

// Server is the fake. It is safe for concurrent use.
type Server struct {
	URL string

	clientID, clientSecret string
	srv                    *httptest.Server

	mu          sync.Mutex
	stores      map[string]*store
	requests    []Request
	codes       map[string]string // single-use auth codes: code -> store hash
	redirectURI string
	quota       int
	window      time.Duration
	limited     int // 429s served
	failLeft    int
	failStatus  int
	lastID      int64
}

type store struct {
	hash        string
	token       string
	accountUUID string
	orders      map[int64]*order
	hooks       []*Hook
	windowStart time.Time
	used        int
}

// Default rate limit: an Enterprise-sized window, so tests that do not ask
// for a tight one never meet it.
const (
	defaultQuota  = 10000
	defaultWindow = 30 * time.Second
)

// New starts a fake for the app with clientID and clientSecret (they sign
// webhook deliveries and signed payloads, and the token endpoint checks
// them). Close it when done.
func New(clientID, clientSecret string) *Server {
	s := &Server{
		clientID: clientID, clientSecret: clientSecret,
		stores: map[string]*store{}, codes: map[string]string{},
		quota: defaultQuota, window: defaultWindow,
	}
	s.srv = httptest.NewServer(s.routes())
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// AddStore makes a store that accepts token (replacing an older token).
func (s *Server) AddStore(hash, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.store(hash).token = token
}

// SetRateLimit makes every store allow quota requests per window, as
// BigCommerce does (a fixed window that starts with its first request), and
// answer 429 with X-Retry-After beyond it.
func (s *Server) SetRateLimit(quota int, window time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.quota, s.window = quota, window
	for _, st := range s.stores {
		st.windowStart, st.used = time.Time{}, 0
	}
}

// RateLimited counts the 429s served, by the limit or by FailNext.
func (s *Server) RateLimited() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limited
}

// FailNext answers the next n authenticated API requests with status and
// does nothing else; a 429 carries X-Retry-After: 1.
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

// store returns the store, creating it. The caller holds mu.
func (s *Server) store(hash string) *store {
	st := s.stores[hash]
	if st == nil {
		st = &store{hash: hash, accountUUID: uuid(), orders: map[int64]*order{}}
		s.stores[hash] = st
	}
	return st
}

// nextID returns a fresh id for a shipment or a hook. The caller holds mu.
func (s *Server) nextID() int64 {
	s.lastID++
	return 1000 + s.lastID
}

// answer is a decided response.
type answer struct {
	status int
	body   any // encoded as JSON; nil for none
}

// apiHandler serves one API endpoint for an authenticated store, under mu.
type apiHandler func(st *store, r *http.Request, body []byte) answer

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/token", s.serveToken)
	mux.HandleFunc("GET /stores/{hash}/v2/orders", s.api(s.listOrders))
	mux.HandleFunc("GET /stores/{hash}/v2/orders/{id}", s.api(s.getOrder))
	mux.HandleFunc("GET /stores/{hash}/v2/orders/{id}/products", s.api(s.listProducts))
	mux.HandleFunc("GET /stores/{hash}/v2/orders/{id}/shipping_addresses", s.api(s.listAddresses))
	mux.HandleFunc("GET /stores/{hash}/v2/orders/{id}/shipments", s.api(s.listShipments))
	mux.HandleFunc("POST /stores/{hash}/v2/orders/{id}/shipments", s.api(s.createShipment))
	mux.HandleFunc("GET /stores/{hash}/v3/hooks", s.api(s.listHooks))
	mux.HandleFunc("POST /stores/{hash}/v3/hooks", s.api(s.createHook))
	mux.HandleFunc("PUT /stores/{hash}/v3/hooks/{id}", s.api(s.updateHook))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		s.mu.Lock()
		s.record(r, body, "", http.StatusNotFound)
		s.mu.Unlock()
		writeJSON(w, http.StatusNotFound, v2Error(http.StatusNotFound, "The requested resource was not found."))
	})
	return mux
}

// api wraps an endpoint with what every store API request goes through:
// the X-Auth-Token check, scripted failures, the rate limit and the log.
func (s *Server) api(h apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		hash := r.PathValue("hash")
		a := s.decide(w.Header(), r, hash, body, h)
		writeJSON(w, a.status, a.body)
	}
}

func (s *Server) decide(header http.Header, r *http.Request, hash string, body []byte, h apiHandler) answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.decideLocked(header, r, hash, body, h)
	s.record(r, body, hash, a.status)
	if a.status == http.StatusTooManyRequests {
		s.limited++
	}
	return a
}

func (s *Server) decideLocked(header http.Header, r *http.Request, hash string, body []byte, h apiHandler) answer {
	st := s.stores[hash]
	if st == nil || st.token == "" || subtle.ConstantTimeCompare([]byte(st.token), []byte(r.Header.Get("X-Auth-Token"))) != 1 {
		return answer{http.StatusUnauthorized, v3Error(http.StatusUnauthorized, "Unauthorized - the v3 Auth client ID or token in the request are not a valid combination for this store.")}
	}
	now := time.Now()
	ok, left, reset := st.admit(now, s.quota, s.window)
	header.Set("X-Rate-Limit-Requests-Quota", strconv.Itoa(s.quota))
	header.Set("X-Rate-Limit-Time-Window-Ms", strconv.FormatInt(s.window.Milliseconds(), 10))
	header.Set("X-Rate-Limit-Requests-Left", strconv.Itoa(left))
	header.Set("X-Rate-Limit-Time-Reset-Ms", strconv.FormatInt(ceilDiv(reset, time.Millisecond), 10))
	if !ok {
		header.Set("X-Retry-After", strconv.FormatInt(ceilDiv(reset, time.Second), 10))
		return answer{http.StatusTooManyRequests, v3Error(http.StatusTooManyRequests, "Too many requests")}
	}
	if s.failLeft > 0 {
		s.failLeft--
		if s.failStatus == http.StatusTooManyRequests {
			header.Set("X-Retry-After", "1")
		}
		return answer{s.failStatus, v2Error(s.failStatus, http.StatusText(s.failStatus))}
	}
	return h(st, r, body)
}

// admit counts a request against the store's window.
func (st *store) admit(now time.Time, quota int, window time.Duration) (ok bool, left int, reset time.Duration) {
	if st.windowStart.IsZero() || !now.Before(st.windowStart.Add(window)) {
		st.windowStart, st.used = now, 0
	}
	reset = st.windowStart.Add(window).Sub(now)
	if st.used >= quota {
		return false, 0, reset
	}
	st.used++
	return true, quota - st.used, reset
}

// record logs a request. The caller holds mu.
func (s *Server) record(r *http.Request, body []byte, hash string, status int) {
	s.requests = append(s.requests, Request{
		At: time.Now(), Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Body: bytes.Clone(body), Store: hash, Status: status,
	})
}

// v2Error is the V2 API's error body: a list of {status, message}.
func v2Error(status int, msg string) any {
	return []map[string]any{{"status": status, "message": msg}}
}

// v3Error is the V3 API's error body.
func v3Error(status int, title string) map[string]any {
	return map[string]any{"status": status, "title": title, "type": "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"}
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	if body == nil {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func ceilDiv(d, unit time.Duration) int64 {
	return int64(math.Ceil(float64(d) / float64(unit)))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func uuid() string {
	h := randomHex(16)
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:])
}
