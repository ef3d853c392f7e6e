package privacy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/consign/consign/app/database"
	"github.com/consign/consign/models"
)

// DataRequest is a customer's data request with what Consign held about the
// customer when it arrived.
type DataRequest struct {
	ID             int64
	ConnectionID   int64
	RetailerID     int64
	WebhookEventID int64
	RequestRef     string // Shopify's data_request id
	CustomerRef    string // Shopify's customer id
	CustomerEmail  string
	Payload        string // JSON of Record
	RequestedAt    time.Time
	CreatedAt      time.Time
}

// Record is the customer's data Consign holds.
type Record struct {
	Customer      CustomerRef     `json:"customer"`
	Shop          string          `json:"shop"`
	Orders        []RecordOrder   `json:"orders"`
	WebhookEvents []RecordEvent   `json:"webhook_events"`
	Truncated     bool            `json:"truncated,omitempty"` // more than the bounds below matched
	Requested     json.RawMessage `json:"request"`             // the request as Shopify sent it
}

// CustomerRef names the customer as the request did.
type CustomerRef struct {
	ID    string `json:"id,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// RecordOrder is one of the customer's orders with its purchase orders.
type RecordOrder struct {
	ExternalID     string          `json:"external_id"`
	Name           string          `json:"name"`
	Currency       string          `json:"currency"`
	State          string          `json:"state"`
	CustomerEmail  string          `json:"customer_email,omitempty"`
	ShipTo         json.RawMessage `json:"ship_to"`
	CreatedAt      time.Time       `json:"created_at"`
	Lines          []RecordLine    `json:"lines"`
	PurchaseOrders []RecordPO      `json:"purchase_orders,omitempty"`
}

// RecordLine is one line of an order or a purchase order.
type RecordLine struct {
	SKU      string `json:"sku"`
	Title    string `json:"title"`
	Quantity int    `json:"quantity"`
	Price    string `json:"price"`
}

// RecordPO is a purchase order made for the customer's order.
type RecordPO struct {
	Number    string           `json:"number"`
	State     string           `json:"state"`
	ShipTo    json.RawMessage  `json:"ship_to"`
	Lines     []RecordLine     `json:"lines"`
	Shipments []RecordShipment `json:"shipments,omitempty"`
}

// RecordShipment is a shipment of a purchase order.
type RecordShipment struct {
	Carrier        string    `json:"carrier"`
	TrackingNumber string    `json:"tracking_number"`
	TrackingURL    string    `json:"tracking_url,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
}

// RecordEvent is a stored webhook delivery that mentions the customer.
type RecordEvent struct {
	ID         int64           `json:"id"`
	Topic      string          `json:"topic"`
	ReceivedAt time.Time       `json:"received_at"`
	Body       json.RawMessage `json:"body"`
}

// Bounds of one request: a customer has few orders; anything past these is
// flagged truncated rather than loaded.
const (
	maxOrders = 500
	maxEvents = 500
)

// dataRequest assembles the customer's data and stores it for the retailer.
func (s *Service) dataRequest(ctx context.Context, tx *gorm.DB, ev models.WebhookEvent) (string, error) {
	var p customerPayload
	if err := decode(ev.Body, &p); err != nil {
		return "", err
	}
	conn, err := connection(tx, ev)
	if err != nil {
		return "", err
	}
	who := customer{id: p.Customer.ID.String(), email: strings.TrimSpace(p.Customer.Email), orders: ids(p.OrdersRequested)}
	rec := Record{Customer: CustomerRef{ID: who.id, Email: who.email, Phone: p.Customer.Phone}, Shop: conn.Shop,
		Requested: json.RawMessage(ev.Body)}
	orders, err := s.customerOrders(tx, conn.ID, who, maxOrders+1)
	if err != nil {
		return "", err
	}
	if len(orders) > maxOrders {
		orders, rec.Truncated = orders[:maxOrders], true
	}
	if rec.Orders, err = recordOrders(tx, orders); err != nil {
		return "", err
	}
	events, next, err := s.customerEvents(tx, conn.ID, who, orderIDs(orders), 0, maxEvents)
	if err != nil {
		return "", err
	}
	rec.Truncated = rec.Truncated || next != 0
	for _, e := range events {
		if e.ID == ev.ID {
			continue // the request itself is in Requested
		}
		rec.WebhookEvents = append(rec.WebhookEvents, RecordEvent{ID: e.ID, Topic: e.Topic, ReceivedAt: e.ReceivedAt, Body: asJSON(e.Body)})
	}
	payload, err := json.Marshal(rec)
	if err != nil {
		return "", fmt.Errorf("encode data request: %w", err)
	}
	row := DataRequest{ConnectionID: conn.ID, RetailerID: conn.AccountID, WebhookEventID: ev.ID,
		RequestRef: p.DataRequest.ID.String(), CustomerRef: who.id, CustomerEmail: who.email,
		Payload: string(payload), RequestedAt: ev.ReceivedAt, CreatedAt: s.Now()}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return "", fmt.Errorf("store data request: %w", err)
	}
	return fmt.Sprintf("data request assembled: %d order(s), %d webhook event(s)", len(rec.Orders), len(rec.WebhookEvents)), nil
}

// customer is who a request is about: any of its keys identifies it.
type customer struct {
	id, email string
	orders    []string // the platform's order ids
}

// customerOrders are the connection's orders named by the request or
// placed with the customer's email.
func (s *Service) customerOrders(tx *gorm.DB, connID int64, who customer, limit int) ([]models.Order, error) {
	var match anyOf
	if len(who.orders) > 0 {
		match.or("external_id IN ?", who.orders)
	}
	if who.email != "" {
		match.or("LOWER(customer_email) = ?", strings.ToLower(who.email))
	}
	var orders []models.Order
	if match.none() {
		return nil, nil
	}
	err := tx.Where("connection_id = ?", connID).Where(match.sql(), match.args...).Order("id").Limit(limit).Find(&orders).Error
	if err != nil {
		return nil, fmt.Errorf("find orders of customer %s: %w", who.id, err)
	}
	return orders, nil
}

func orderIDs(orders []models.Order) []int64 {
	out := make([]int64, len(orders))
	for i, o := range orders {
		out[i] = o.ID
	}
	return out
}

// customerEvents are the connection's stored deliveries that mention the
// customer: those of the customer's orders, those whose body holds the
// customer's email, and privacy requests about the same customer id. It
// looks at up to limit rows after the id after; next is where to go on, or
// 0 when there is no more.
func (s *Service) customerEvents(tx *gorm.DB, connID int64, who customer, orderIDs []int64, after int64, limit int) (events []models.WebhookEvent, next int64, err error) {
	var match anyOf
	if len(orderIDs) > 0 {
		match.or("order_id IN ?", orderIDs)
	}
	if who.email != "" {
		// Bytes, not text: a body is stored as received, maybe not UTF-8.
		contains := "instr(body, CAST(? AS BLOB)) > 0"
		if s.DB.Dialect == database.Postgres {
			contains = "position(convert_to(?, 'UTF8') in body) > 0"
		}
		match.or(contains, who.email)
		if lower := strings.ToLower(who.email); lower != who.email {
			match.or(contains, lower)
		}
	}
	if who.id != "" {
		match.or("topic LIKE 'customers/%'")
	}
	if match.none() {
		return nil, 0, nil
	}
	err = tx.Where("connection_id = ? AND id > ?", connID, after).Where(match.sql(), match.args...).
		Order("id").Limit(limit).Find(&events).Error
	if err != nil {
		return nil, 0, fmt.Errorf("find webhook events of customer %s: %w", who.id, err)
	}
	if len(events) == limit {
		next = events[len(events)-1].ID
	}
	// A privacy request matched by topic alone must name this customer.
	out := events[:0]
	for _, e := range events {
		if strings.HasPrefix(e.Topic, "customers/") && !mentions(e.Body, who) {
			continue
		}
		out = append(out, e)
	}
	return out, next, nil
}

// mentions reports whether a privacy request's body is about who.
func mentions(body []byte, who customer) bool {
	var p customerPayload
	if json.Unmarshal(body, &p) != nil {
		return false
	}
	return (who.id != "" && p.Customer.ID.String() == who.id) ||
		(who.email != "" && strings.EqualFold(strings.TrimSpace(p.Customer.Email), who.email))
}

// recordOrders loads the orders' lines, POs and shipments, a few queries
// for all of them.
func recordOrders(tx *gorm.DB, orders []models.Order) ([]RecordOrder, error) {
	if len(orders) == 0 {
		return nil, nil
	}
	ids := orderIDs(orders)
	var lines []models.OrderLine
	if err := tx.Where("order_id IN ?", ids).Order("id").Find(&lines).Error; err != nil {
		return nil, fmt.Errorf("load order lines: %w", err)
	}
	var pos []models.PurchaseOrder
	if err := tx.Preload("Lines", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Where("order_id IN ?", ids).Order("id").Find(&pos).Error; err != nil {
		return nil, fmt.Errorf("load purchase orders: %w", err)
	}
	poIDs := make([]int64, len(pos))
	for i, po := range pos {
		poIDs[i] = po.ID
	}
	var shipments []models.Shipment
	if len(poIDs) > 0 {
		if err := tx.Where("purchase_order_id IN ?", poIDs).Order("id").Find(&shipments).Error; err != nil {
			return nil, fmt.Errorf("load shipments: %w", err)
		}
	}
	out := make([]RecordOrder, len(orders))
	index := make(map[int64]int, len(orders))
	for i, o := range orders {
		index[o.ID] = i
		out[i] = RecordOrder{ExternalID: o.ExternalID, Name: o.Name, Currency: o.Currency, State: o.State,
			CustomerEmail: o.CustomerEmail, ShipTo: asJSON([]byte(o.ShipTo)), CreatedAt: o.CreatedAt}
	}
	for _, l := range lines {
		o := &out[index[l.OrderID]]
		o.Lines = append(o.Lines, RecordLine{SKU: l.SKU, Title: l.Title, Quantity: l.Quantity, Price: l.UnitPrice.Format(o.Currency)})
	}
	poIndex := make(map[int64][2]int, len(pos))
	for _, po := range pos {
		o := &out[index[po.OrderID]]
		r := RecordPO{Number: po.Number, State: po.State, ShipTo: asJSON([]byte(po.ShipTo))}
		for _, l := range po.Lines {
			r.Lines = append(r.Lines, RecordLine{SKU: l.SKU, Title: l.Title, Quantity: l.Quantity, Price: l.Cost.Format(po.Currency)})
		}
		poIndex[po.ID] = [2]int{index[po.OrderID], len(o.PurchaseOrders)}
		o.PurchaseOrders = append(o.PurchaseOrders, r)
	}
	for _, sh := range shipments {
		at := poIndex[sh.PurchaseOrderID]
		po := &out[at[0]].PurchaseOrders[at[1]]
		po.Shipments = append(po.Shipments, RecordShipment{Carrier: sh.Carrier, TrackingNumber: sh.TrackingNumber,
			TrackingURL: sh.TrackingURL, CreatedAt: sh.CreatedAt})
	}
	return out, nil
}

// asJSON keeps valid JSON as it is and quotes anything else.
func asJSON(b []byte) json.RawMessage {
	if json.Valid(b) {
		return json.RawMessage(bytes.Clone(b))
	}
	q, _ := json.Marshal(string(b))
	return q
}

// anyOf is a disjunction of conditions, built up one at a time.
type anyOf struct {
	conds []string
	args  []any
}

func (a *anyOf) or(cond string, args ...any) {
	a.conds = append(a.conds, "("+cond+")")
	a.args = append(a.args, args...)
}

func (a *anyOf) none() bool { return len(a.conds) == 0 }

func (a *anyOf) sql() string { return "(" + strings.Join(a.conds, " OR ") + ")" }
