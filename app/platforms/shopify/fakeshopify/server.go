// Package fakeshopify is an in-process stand-in for the part of Shopify's
// GraphQL Admin API that Consign uses: reading an order's fulfillment orders
// and fulfillments, and fulfillmentCreate. Tests use it, and so does the
// offline demo, so it keeps real state and answers with the real response
// shapes, including extensions.cost on every answer.
//
// Shop identification: real Shopify knows the shop from the host name. The
// fake serves every shop from one base URL, so it reads the shop from the
// X-Shopify-Shop-Domain request header (which the shopify client always
// sends) and falls back to the Host header without its port.
//
// The fake does not parse GraphQL. It recognises the two operations by their
// root field ("fulfillmentCreate(" or "order("), reads only the variables,
// and answers with every field the client's documents select.
package fakeshopify

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// ShopHeader names the request header the fake reads the shop domain from.
const ShopHeader = "X-Shopify-Shop-Domain"

// pathPattern is the versioned GraphQL endpoint, /admin/api/2026-01/graphql.json.
var pathPattern = regexp.MustCompile(`^/admin/api/([0-9]{4}-[0-9]{2}|unstable)/graphql\.json$`)

// Options configures a Server. The zero value works.
type Options struct {
	// MaximumAvailable and RestoreRate shape every shop's cost bucket, as
	// reported in throttleStatus. Defaults: 2000 points, 100 points a second.
	MaximumAvailable float64
	RestoreRate      float64
	// EnforceRateLimit answers THROTTLED, as Shopify does, when a request's
	// requested cost is more than the bucket holds. When false the bucket is
	// still tracked and reported, never enforced.
	EnforceRateLimit bool
	// Now is the clock of the bucket and the request log. Default time.Now.
	Now func() time.Time
}

// Server is the fake Admin API, an http.Handler. It is safe for concurrent use.
type Server struct {
	opts Options

	mu       sync.Mutex
	shops    map[string]*shop
	faults   []Fault
	requests []Request
	lastID   uint64   // for new GIDs
	oauth    oauthApp // the app's OAuth state: oauth.go
}

// Line is an order line given to AddOrder: ID is Shopify's numeric line item
// id, as text.
type Line struct {
	ID       string
	Quantity int
}

// Fulfillment is a fulfillment the fake created.
type Fulfillment struct {
	ID             string // gid://shopify/Fulfillment/N
	OrderGID       string
	Lines          []FulfilledLine
	Tracking       Tracking
	NotifyCustomer bool
}

// FulfilledLine is a quantity of one line in a Fulfillment.
type FulfilledLine struct {
	LineItemID         string // numeric, as given to AddOrder
	FulfillmentOrderID string
	Quantity           int
}

// Tracking is a fulfillment's tracking information.
type Tracking struct {
	Company string
	Number  string
	URL     string
}

// Request is one request the fake received.
type Request struct {
	At         time.Time
	Shop       string
	APIVersion string
	Operation  string // "order", "fulfillmentCreate", or "" when unrecognised
	Variables  json.RawMessage
	Status     int  // the HTTP status answered
	Throttled  bool // answered THROTTLED, by the bucket or a scripted fault
	Fault      string
}

type shop struct {
	token        string
	orders       map[string]*order
	fulfillments []Fulfillment
	bucket       bucket
	created      []*CreatedOrder // by orderCreate (orders_create.go)
	orderCount   int
}

// New returns an empty fake.
func New(opts Options) *Server {
	if opts.MaximumAvailable <= 0 {
		opts.MaximumAvailable = 2000
	}
	if opts.RestoreRate <= 0 {
		opts.RestoreRate = 100
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Server{opts: opts, shops: make(map[string]*shop)}
}

// SetToken sets the access token shop accepts. A shop without a token
// answers every request 401.
func (s *Server) SetToken(shopDomain, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shop(shopDomain).token = token
}

// AddOrder creates (or replaces) an order with one open fulfillment order
// holding lines, as Shopify does for a new order with shippable lines.
func (s *Server) AddOrder(shopDomain, orderGID string, lines []Line) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh := s.shop(shopDomain)
	o := &order{gid: orderGID}
	sh.orders[orderGID] = o
	o.fos = append(o.fos, s.newFulfillmentOrder("OPEN", lines))
}

// AddFulfillmentOrder adds a fulfillment order with status (OPEN, ON_HOLD,
// SCHEDULED, CLOSED...) to an order, creating the order if needed. Use it to
// build orders split across locations or partly on hold.
func (s *Server) AddFulfillmentOrder(shopDomain, orderGID, status string, lines []Line) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh := s.shop(shopDomain)
	o := sh.orders[orderGID]
	if o == nil {
		o = &order{gid: orderGID}
		sh.orders[orderGID] = o
	}
	o.fos = append(o.fos, s.newFulfillmentOrder(strings.ToUpper(status), lines))
}

// Remaining is the quantity of a line still to fulfil across the order's
// fulfillment orders.
func (s *Server) Remaining(shopDomain, orderGID, lineItemID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.shop(shopDomain).orders[orderGID]
	if o == nil {
		return 0
	}
	n := 0
	for _, fo := range o.fos {
		for _, l := range fo.lines {
			if l.lineItemID == lineItemID {
				n += l.remaining
			}
		}
	}
	return n
}

// Fulfillments lists the fulfillments created in shop, oldest first.
func (s *Server) Fulfillments(shopDomain string) []Fulfillment {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh := s.shop(shopDomain)
	out := make([]Fulfillment, len(sh.fulfillments))
	for i, f := range sh.fulfillments {
		f.Lines = append([]FulfilledLine(nil), f.Lines...)
		out[i] = f
	}
	return out
}

// Requests lists every request received, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// shop returns the named shop, creating it. The caller holds mu.
func (s *Server) shop(domain string) *shop {
	domain = strings.ToLower(domain)
	sh := s.shops[domain]
	if sh == nil {
		sh = &shop{orders: make(map[string]*order)}
		s.shops[domain] = sh
	}
	return sh
}

// newID returns a fresh number for a GID. The caller holds mu.
func (s *Server) newID() uint64 {
	s.lastID++
	return 1000 + s.lastID
}

// ServeHTTP answers POST /admin/api/VERSION/graphql.json.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == oauthTokenPath {
		s.serveOAuthToken(w, r) // oauth.go
		return
	}
	m := pathPattern.FindStringSubmatch(r.URL.Path)
	if m == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"errors": "Not Found"})
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"errors": "Method Not Allowed"})
		return
	}
	var body struct {
		Query     string          `json:"query"`
		Variables json.RawMessage `json:"variables"`
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(raw, &body)
	}
	req := Request{
		At:         s.opts.Now(),
		Shop:       shopOf(r),
		APIVersion: m[1],
		Operation:  operationOf(body.Query),
		Variables:  body.Variables,
	}
	if err != nil {
		s.answer(w, &req, http.StatusBadRequest, map[string]any{"errors": map[string]string{"query": "Required parameter missing or invalid"}})
		return
	}

	s.mu.Lock()
	sh := s.shops[req.Shop]
	if sh == nil || sh.token == "" || subtle.ConstantTimeCompare([]byte(sh.token), []byte(r.Header.Get("X-Shopify-Access-Token"))) != 1 {
		s.mu.Unlock()
		s.answer(w, &req, http.StatusUnauthorized, map[string]string{
			"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)",
		})
		return
	}
	fault, ok := s.nextFault(req.Operation)
	s.mu.Unlock()
	if ok {
		req.Fault = fault.String()
		if fault.kind == faultDelay {
			select {
			case <-time.After(fault.delay):
			case <-r.Context().Done():
				return
			}
		}
	}
	s.serve(w, &req, sh, fault)
}

// serve answers one authenticated request. The answer is decided under the
// lock and written after it, so a slow client holds nobody up.
func (s *Server) serve(w http.ResponseWriter, req *Request, sh *shop, f Fault) {
	status, body := s.decide(w.Header(), req, sh, f)
	writeJSON(w, status, body)
}

func (s *Server) decide(h http.Header, req *Request, sh *shop, f Fault) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	record := func(status int, body any) (int, any) {
		req.Status = status
		s.requests = append(s.requests, *req)
		return status, body
	}
	switch f.kind {
	case faultTooManyRequests:
		h.Set("Retry-After", fmt.Sprintf("%.1f", f.delay.Seconds()))
		return record(http.StatusTooManyRequests, map[string]string{"errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."})
	case faultServerError:
		return record(http.StatusInternalServerError, map[string]string{"errors": "Internal Server Error"})
	}

	requested := requestedCost(req)
	level := sh.bucket.level(req.At, s.opts.MaximumAvailable, s.opts.RestoreRate)
	if requested > maxQueryCost {
		return record(http.StatusOK, maxCostExceeded(s.extensions(requested, nil, level)))
	}
	if f.kind == faultThrottled || (s.opts.EnforceRateLimit && level < requested) {
		if f.kind == faultThrottled {
			// Report the bucket one second of refill short of this request.
			level = max(requested-s.opts.RestoreRate, 0)
		}
		req.Throttled = true
		return record(http.StatusOK, response{
			Errors: []gqlError{{
				Message:    "Throttled",
				Extensions: map[string]string{"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"},
			}},
			Extensions: s.extensions(requested, nil, level),
		})
	}

	resp := s.execute(sh, req, f)
	actual := requested
	if resp.actualCost > 0 {
		actual = resp.actualCost
	}
	sh.bucket.take(actual)
	resp.Extensions = s.extensions(requested, &actual, sh.bucket.available)
	if f.kind == faultLostResponse {
		// The work is done; only the answer is lost.
		return record(http.StatusInternalServerError, map[string]string{"errors": "Internal Server Error"})
	}
	return record(http.StatusOK, resp)
}

func (s *Server) extensions(requested float64, actual *float64, available float64) map[string]any {
	return map[string]any{"cost": cost{
		RequestedQueryCost: requested,
		ActualQueryCost:    actual,
		ThrottleStatus: throttleStatus{
			MaximumAvailable:   s.opts.MaximumAvailable,
			CurrentlyAvailable: available,
			RestoreRate:        s.opts.RestoreRate,
		},
	}}
}

// answer records a request refused before it reached a shop, and writes the answer.
func (s *Server) answer(w http.ResponseWriter, req *Request, status int, body any) {
	s.mu.Lock()
	req.Status = status
	s.requests = append(s.requests, *req)
	s.mu.Unlock()
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func shopOf(r *http.Request) string {
	if s := r.Header.Get(ShopHeader); s != "" {
		return strings.ToLower(s)
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.ToLower(host)
}

func operationOf(query string) string {
	// Reconciliation's listing (orders.go) before the supplier-store search:
	// both read orders(.
	if strings.Contains(query, "orders(") && strings.Contains(query, "sortKey: UPDATED_AT") {
		return "updatedOrders"
	}
	if op := storeOrderOperation(query); op != "" {
		return op
	}
	switch {
	case strings.Contains(query, "fulfillmentCreate("):
		return "fulfillmentCreate"
	case strings.Contains(query, "order("):
		return "order"
	}
	return ""
}
