package fakewoocommerce

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/consign/consign/app/money"
)

// Order is an order to put in the store. Zero fields get defaults: Number is
// the ID, Status "processing", Currency "USD", DateModified now, Billing the
// shipping address, line ids ID*100+1, ID*100+2...
type Order struct {
	ID           int64
	Number       string
	Status       string
	Currency     string
	Email        string
	DateModified time.Time
	Shipping     Address
	Billing      Address // zero: the shipping address
	Lines        []Line
}

// Address is a billing or shipping address.
type Address struct {
	FirstName, LastName, Company string
	Address1, Address2           string
	City, State, Postcode        string
	Country                      string // ISO code, e.g. "US"
	Phone                        string
}

// Line is an order line. Price is the unit price as decimal text ("12.50").
type Line struct {
	ID          int64
	ProductID   int64
	VariationID int64
	SKU         *string // nil renders null, as for a deleted product
	Name        string
	Quantity    int
	Price       string
}

// Note is an order note.
type Note struct {
	ID           int64
	Note         string
	CustomerNote bool
	DateCreated  time.Time
}

// OrderState is what happened to an order in the store.
type OrderState struct {
	ID           int64
	Status       string
	DateModified time.Time
	Notes        []Note     // oldest first
	Trackings    []Tracking // oldest first
}

type order struct {
	Order
	created   time.Time
	paid      time.Time // zero: not paid
	completed time.Time
	notes     []Note
	trackings []Tracking
}

// AddOrder creates or replaces an order. It panics on a price that is not a
// decimal amount of the currency: a mistake in the test, not the client.
func (s *Server) AddOrder(o Order) {
	if o.ID <= 0 {
		panic(fmt.Sprintf("fakewoocommerce: order id %d", o.ID))
	}
	if o.Number == "" {
		o.Number = strconv.FormatInt(o.ID, 10)
	}
	if o.Status == "" {
		o.Status = "processing"
	}
	if o.Currency == "" {
		o.Currency = "USD"
	}
	if o.Billing == (Address{}) {
		o.Billing = o.Shipping
	}
	o.Lines = slices.Clone(o.Lines)
	for i := range o.Lines {
		if o.Lines[i].ID == 0 {
			o.Lines[i].ID = o.ID*100 + int64(i) + 1
		}
		if _, err := money.Parse(o.Lines[i].Price, o.Currency); err != nil {
			panic(fmt.Sprintf("fakewoocommerce: order %d line %d: %v", o.ID, i, err))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if o.DateModified.IsZero() {
		o.DateModified = s.now()
	}
	o.DateModified = o.DateModified.UTC().Truncate(time.Second)
	st := &order{Order: o, created: o.DateModified}
	if paidStatus(o.Status) {
		st.paid = o.DateModified
	}
	if o.Status == "completed" {
		st.completed = o.DateModified
	}
	s.orders[o.ID] = st
}

// SetStatus changes an order's status as the merchant would, which moves its
// date_modified on. It reports whether the order exists.
func (s *Server) SetStatus(id int64, status string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[id]
	if o == nil {
		return false
	}
	s.setStatus(o, status)
	return true
}

// setStatus records a status change and the note WooCommerce adds for it.
// The caller holds mu.
func (s *Server) setStatus(o *order, status string) {
	if o.Status == status {
		return
	}
	o.DateModified = s.tick(o.DateModified)
	s.lastNoteID++
	o.notes = append(o.notes, Note{
		ID:          s.lastNoteID,
		Note:        fmt.Sprintf("Order status changed from %s to %s.", statusLabel(o.Status), statusLabel(status)),
		DateCreated: o.DateModified,
	})
	o.Status = status
	if paidStatus(status) && o.paid.IsZero() {
		o.paid = o.DateModified
	}
	if status == "completed" {
		o.completed = o.DateModified
	}
}

// OrderJSON is the order as GET /wp-json/wc/v3/orders/ID answers it, or nil.
func (s *Server) OrderJSON(id int64) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[id]
	if o == nil {
		return nil
	}
	return phpJSON(s.render(o))
}

// Order returns an order's state; ok is false when there is no such order.
func (s *Server) Order(id int64) (state OrderState, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[id]
	if o == nil {
		return OrderState{}, false
	}
	return OrderState{
		ID: o.ID, Status: o.Status, DateModified: o.DateModified,
		Notes: slices.Clone(o.notes), Trackings: slices.Clone(o.trackings),
	}, true
}

// Notes lists an order's notes, oldest first.
func (s *Server) Notes(orderID int64) []Note {
	st, _ := s.Order(orderID)
	return st.Notes
}

// Trackings lists an order's Shipment Tracking items, oldest first.
func (s *Server) Trackings(orderID int64) []Tracking {
	st, _ := s.Order(orderID)
	return st.Trackings
}

var orderStatuses = []string{"pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "trash", "checkout-draft"}

func paidStatus(status string) bool { return status == "processing" || status == "completed" }

func statusLabel(status string) string {
	switch status {
	case "on-hold":
		return "On hold"
	case "checkout-draft":
		return "Draft"
	case "":
		return ""
	}
	return strings.ToUpper(status[:1]) + status[1:]
}

func orderNotFound() reply {
	return wpError(http.StatusNotFound, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
}

func (s *Server) getOrder(r *http.Request, _ []byte, m []string) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[pathID(m)]
	if o == nil {
		return orderNotFound()
	}
	return reply{status: http.StatusOK, body: s.render(o)}
}

func (s *Server) updateOrder(r *http.Request, body []byte, m []string) reply {
	var in struct {
		Status *string `json:"status"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return wpError(http.StatusBadRequest, "rest_invalid_json", "Invalid JSON body passed.")
	}
	if in.Status != nil && !slices.Contains(orderStatuses, *in.Status) {
		return invalidParam("status", "status is not one of "+strings.Join(orderStatuses, ", ")+".")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[pathID(m)]
	if o == nil {
		return orderNotFound()
	}
	if in.Status != nil {
		s.setStatus(o, *in.Status)
	}
	return reply{status: http.StatusOK, body: s.render(o)}
}

// listOrders answers GET /orders with the filters Consign polls with.
func (s *Server) listOrders(r *http.Request, _ []byte, _ []string) reply {
	q := r.URL.Query()
	page, perPage, bad := pageParams(q)
	if bad != nil {
		return *bad
	}
	orderBy := q.Get("orderby")
	if orderBy == "" {
		orderBy = "date"
	}
	if !slices.Contains([]string{"date", "id", "include", "title", "slug", "modified"}, orderBy) {
		return invalidParam("orderby", "orderby is not one of date, id, include, title, slug, and modified.")
	}
	desc := q.Get("order") != "asc"
	if v := q.Get("order"); v != "" && v != "asc" && v != "desc" {
		return invalidParam("order", "order is not one of asc and desc.")
	}
	var after time.Time
	if v := q.Get("modified_after"); v != "" {
		t, err := parseDate(v)
		if err != nil {
			return invalidParam("modified_after", "Invalid date.")
		}
		after = t
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	var list []*order
	for _, o := range s.orders {
		if o.Status == "trash" || (!after.IsZero() && !o.DateModified.After(after)) {
			continue
		}
		list = append(list, o)
	}
	slices.SortFunc(list, func(a, b *order) int {
		var c int
		switch orderBy {
		case "modified":
			c = a.DateModified.Compare(b.DateModified)
		case "date":
			c = a.created.Compare(b.created)
		}
		if c == 0 {
			c = cmpInt(a.ID, b.ID)
		}
		if desc {
			c = -c
		}
		return c
	})
	from, to, h := paginate(len(list), page, perPage)
	out := make([]any, 0, to-from)
	for _, o := range list[from:to] {
		out = append(out, s.render(o))
	}
	return reply{status: http.StatusOK, body: out, header: h}
}

// parseDate reads a date-time parameter: RFC 3339, the zone optional
// (without one it is the store's zone, UTC here).
func parseDate(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.ParseInLocation("2006-01-02T15:04:05", v, time.UTC)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
