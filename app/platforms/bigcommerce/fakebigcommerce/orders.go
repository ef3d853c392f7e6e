package fakebigcommerce

import (
	"fmt"
	"time"

	"github.com/consign/consign/app/money"
)

// Order is what a test says about an order; AddOrder fills in the rest the
// way BigCommerce would.
type Order struct {
	ID            int64
	StatusID      int    // default 11, Awaiting Fulfillment
	Status        string // default the system label of StatusID
	PaymentStatus string // default "captured" for paid statuses, "" otherwise
	Currency      string // default USD
	Email         string // the billing address's email
	DateModified  time.Time
	ShipTo        Address
	ExtraShipTo   []Address // more shipping addresses (multi-address orders)
	Products      []Product
}

// Address is a shipping address. ID 0 gets a fresh id.
type Address struct {
	ID                            int64
	FirstName, LastName, Company  string
	Street1, Street2, City, State string
	Zip, Country, CountryISO2     string
	Phone, Email                  string
}

// Product is one order product (line). ID 0 gets a fresh id, Type ""
// means physical, OrderAddressID 0 the order's ShipTo.
type Product struct {
	ID, ProductID, VariantID int64
	SKU, Name, UPC           string
	Quantity                 int
	QuantityShipped          int
	Price                    string // unit price ex tax, e.g. "12.50"
	Type                     string // physical, digital, giftcertificate
	OrderAddressID           int64
}

// Shipment is a shipment created through the API.
type Shipment struct {
	ID               int64
	OrderID          int64
	OrderAddressID   int64
	TrackingNumber   string
	ShippingProvider string
	TrackingCarrier  string
	TrackingLink     string
	Comments         string
	Items            []ShipmentItem
	DateCreated      time.Time
}

// ShipmentItem is a quantity of one order product in a Shipment.
type ShipmentItem struct {
	OrderProductID int64
	ProductID      int64
	Quantity       int
}

// order is an order's state in the fake.
type order struct {
	Order
	created   time.Time
	shipped   time.Time
	shipments []Shipment
}

// statusNames are BigCommerce's system order statuses.
var statusNames = map[int]string{
	0: "Incomplete", 1: "Pending", 2: "Shipped", 3: "Partially Shipped", 4: "Refunded",
	5: "Cancelled", 6: "Declined", 7: "Awaiting Payment", 8: "Awaiting Pickup",
	9: "Awaiting Shipment", 10: "Completed", 11: "Awaiting Fulfillment",
	12: "Manual Verification Required", 13: "Disputed", 14: "Partially Refunded",
}

// AddOrder creates (or replaces) an order in the store. It panics on an
// unusable builder (no id, a bad price): that is a broken test.
func (s *Server) AddOrder(hash string, o Order) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o.ID <= 0 {
		panic("fakebigcommerce: AddOrder needs an order ID")
	}
	if o.StatusID == 0 && o.Status == "" {
		o.StatusID = 11
	}
	if o.Status == "" {
		o.Status = statusNames[o.StatusID]
	}
	if o.PaymentStatus == "" {
		switch o.StatusID {
		case 2, 3, 8, 9, 10, 11:
			o.PaymentStatus = "captured"
		}
	}
	if o.Currency == "" {
		o.Currency = "USD"
	}
	if o.DateModified.IsZero() {
		o.DateModified = time.Now()
	}
	o.DateModified = o.DateModified.UTC().Truncate(time.Second)
	if o.ShipTo.ID == 0 {
		o.ShipTo.ID = s.nextID()
	}
	o.ExtraShipTo = append([]Address(nil), o.ExtraShipTo...)
	for i := range o.ExtraShipTo {
		if o.ExtraShipTo[i].ID == 0 {
			o.ExtraShipTo[i].ID = s.nextID()
		}
	}
	o.Products = append([]Product(nil), o.Products...)
	for i := range o.Products {
		p := &o.Products[i]
		if p.ID == 0 {
			p.ID = s.nextID()
		}
		if p.Type == "" {
			p.Type = "physical"
		}
		if p.OrderAddressID == 0 {
			p.OrderAddressID = o.ShipTo.ID
		}
		if _, err := money.Parse(p.Price, o.Currency); err != nil {
			panic(fmt.Sprintf("fakebigcommerce: product %d price: %v", p.ID, err))
		}
	}
	s.store(hash).orders[o.ID] = &order{Order: o, created: o.DateModified}
}

// SetStatus changes an order's status as a merchant would, which moves its
// date_modified on (always forward, by at least a second).
func (s *Server) SetStatus(hash string, orderID int64, statusID int, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.store(hash).orders[orderID]
	if o == nil {
		panic(fmt.Sprintf("fakebigcommerce: SetStatus: no order %d in store %s", orderID, hash))
	}
	if status == "" {
		status = statusNames[statusID]
	}
	o.StatusID, o.Status = statusID, status
	o.touch()
}

// Shipments lists the shipments of an order, oldest first.
func (s *Server) Shipments(hash string, orderID int64) []Shipment {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.store(hash).orders[orderID]
	if o == nil {
		return nil
	}
	out := make([]Shipment, len(o.shipments))
	for i, sh := range o.shipments {
		sh.Items = append([]ShipmentItem(nil), sh.Items...)
		out[i] = sh
	}
	return out
}

// touch moves date_modified to now, strictly after its old value, at the
// second's precision V2 dates have.
func (o *order) touch() {
	now := time.Now().UTC().Truncate(time.Second)
	if !now.After(o.DateModified) {
		now = o.DateModified.Add(time.Second)
	}
	o.DateModified = now
}

// address returns the order's shipping address with id, if any.
func (o *order) address(id int64) (Address, bool) {
	for _, a := range append([]Address{o.ShipTo}, o.ExtraShipTo...) {
		if a.ID == id {
			return a, true
		}
	}
	return Address{}, false
}
