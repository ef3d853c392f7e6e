package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/consign/consign/app/canonical"
	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/models"
)

// OrderStates are the states the orders list filters by.
var OrderStates = []string{models.OrderPending, models.OrderRouted, models.OrderNeedsAttention, models.OrderCancelled}

// OrderQuery is what the orders list is asked for.
type OrderQuery struct {
	Search string // an order number (#1001 or 1001), or part of the customer's name or email
	State  string // one of OrderStates, or empty for all
	Page   int    // from 1
}

// POSummary is one purchase order as a list shows it.
type POSummary struct {
	ID       int64
	OrderID  int64
	Number   string
	State    string
	Supplier string
}

// OrderRow is one order of the list.
type OrderRow struct {
	models.Order
	Customer string // the ship-to name, else the email
	POs      []POSummary
}

// OrderPage is one page of the orders list.
type OrderPage struct {
	Query   OrderQuery
	Rows    []OrderRow
	HasNext bool
}

// Orders lists the retailer's orders, newest first, PageSize a page. It runs
// two queries whatever the page holds: the orders, then all their POs.
func (s *Service) Orders(ctx context.Context, retailerID int64, q OrderQuery) (OrderPage, error) {
	q.Search, q.Page = strings.TrimSpace(q.Search), clampPage(q.Page)
	if !slices.Contains(OrderStates, q.State) {
		q.State = ""
	}
	page := OrderPage{Query: q}
	db := s.db(ctx).Where("retailer_id = ?", retailerID)
	if q.State != "" {
		db = db.Where("state = ?", q.State)
	}
	if q.Search != "" {
		like := likePattern(q.Search)
		cond := s.db(ctx).Where(`LOWER(customer_email) LIKE ? ESCAPE '\'`, like).
			Or(`LOWER(ship_to) LIKE ? ESCAPE '\'`, like).
			Or("LOWER(name) = ?", strings.ToLower(q.Search))
		if n, err := strconv.ParseInt(strings.TrimPrefix(q.Search, "#"), 10, 64); err == nil {
			cond = cond.Or("number = ?", n)
		}
		db = db.Where(cond)
	}
	var orders []models.Order
	if err := db.Order("id DESC").Offset((q.Page - 1) * PageSize).Limit(PageSize + 1).Find(&orders).Error; err != nil {
		return page, fmt.Errorf("list orders: %w", err)
	}
	if len(orders) > PageSize {
		orders, page.HasNext = orders[:PageSize], true
	}
	ids := make([]int64, len(orders))
	for i, o := range orders {
		ids[i] = o.ID
	}
	pos, err := s.poSummaries(ctx, retailerID, ids)
	if err != nil {
		return page, err
	}
	for _, o := range orders {
		page.Rows = append(page.Rows, OrderRow{Order: o, Customer: customer(o), POs: pos[o.ID]})
	}
	return page, nil
}

// poSummaries loads the POs of many orders in one query, by order.
func (s *Service) poSummaries(ctx context.Context, retailerID int64, orderIDs []int64) (map[int64][]POSummary, error) {
	out := make(map[int64][]POSummary, len(orderIDs))
	if len(orderIDs) == 0 {
		return out, nil
	}
	var rows []POSummary
	err := s.db(ctx).Table("purchase_orders p").
		Select("p.id, p.order_id, p.number, p.state, a.name AS supplier").
		Joins("JOIN accounts a ON a.id = p.supplier_id").
		Where("p.retailer_id = ? AND p.order_id IN ?", retailerID, orderIDs).
		Order("p.id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list purchase orders of orders: %w", err)
	}
	for _, r := range rows {
		out[r.OrderID] = append(out[r.OrderID], r)
	}
	return out, nil
}

// customer names who an order ships to.
func customer(o models.Order) string {
	var a canonical.Address
	if json.Unmarshal([]byte(o.ShipTo), &a) == nil && a.Name != "" {
		return a.Name
	}
	return o.CustomerEmail
}

// LineView is one order line with where it went.
type LineView struct {
	models.OrderLine
	// POs are the live (not cancelled or rejected) POs carrying the line.
	POs []POSummary
}

// POView is one purchase order of an order, with lines and history.
type POView struct {
	models.PurchaseOrder
	Supplier string
	// Messages the PO went out and came back in (email, files, EDI).
	Messages []channels.Entry
}

// EventView is one raw webhook delivery of an order.
type EventView struct {
	models.WebhookEvent
	// Pretty is the body indented when it is JSON, else as received.
	Pretty string
}

// OrderDetail is everything the order page shows.
type OrderDetail struct {
	Order  models.Order
	ShipTo canonical.Address
	Lines  []LineView
	POs    []POView
	Events []EventView
}

// eventsShown bounds the raw events on an order page.
const eventsShown = 50

// Order loads one of the retailer's orders with its lines, POs (their lines
// and history) and raw events: six queries however large the order.
func (s *Service) Order(ctx context.Context, retailerID, orderID int64) (OrderDetail, error) {
	var d OrderDetail
	db := s.db(ctx)
	if err := db.Preload("Lines", func(tx *gorm.DB) *gorm.DB { return tx.Order("id") }).Where("id = ? AND retailer_id = ?", orderID, retailerID).
		Take(&d.Order).Error; err != nil {
		return d, notFound(err, fmt.Sprintf("order %d", orderID))
	}
	_ = json.Unmarshal([]byte(d.Order.ShipTo), &d.ShipTo)
	var pos []models.PurchaseOrder
	if err := db.Preload("Lines").Preload("Events").
		Where("order_id = ? AND retailer_id = ?", orderID, retailerID).Order("id").Find(&pos).Error; err != nil {
		return d, fmt.Errorf("load purchase orders of order %d: %w", orderID, err)
	}
	names, err := s.accountNames(ctx, pos)
	if err != nil {
		return d, err
	}
	messages := map[int64][]channels.Entry{}
	if s.Channels != nil && len(pos) > 0 {
		ids := make([]int64, len(pos))
		for i, p := range pos {
			ids[i] = p.ID
		}
		if messages, err = s.Channels.Timelines(ctx, ids); err != nil {
			return d, err
		}
	}
	onLine := map[int64][]POSummary{}
	for _, p := range pos {
		d.POs = append(d.POs, POView{PurchaseOrder: p, Supplier: names[p.SupplierID], Messages: messages[p.ID]})
		if p.State == models.POCancelled || p.State == models.PORejected {
			continue
		}
		for _, l := range p.Lines {
			if l.State == models.LineRejected {
				continue
			}
			onLine[l.OrderLineID] = append(onLine[l.OrderLineID],
				POSummary{ID: p.ID, OrderID: p.OrderID, Number: p.Number, State: p.State, Supplier: names[p.SupplierID]})
		}
	}
	for _, l := range d.Order.Lines {
		d.Lines = append(d.Lines, LineView{OrderLine: l, POs: onLine[l.ID]})
	}
	var events []models.WebhookEvent
	if err := db.Where("order_id = ? AND connection_id = ?", orderID, d.Order.ConnectionID).
		Order("id DESC").Limit(eventsShown).Find(&events).Error; err != nil {
		return d, fmt.Errorf("load webhook events of order %d: %w", orderID, err)
	}
	for _, e := range events {
		d.Events = append(d.Events, EventView{WebhookEvent: e, Pretty: pretty(e.Body)})
	}
	return d, nil
}

// accountNames names the suppliers of some POs in one query.
func (s *Service) accountNames(ctx context.Context, pos []models.PurchaseOrder) (map[int64]string, error) {
	names := map[int64]string{}
	if len(pos) == 0 {
		return names, nil
	}
	ids := make([]int64, 0, len(pos))
	for _, p := range pos {
		ids = append(ids, p.SupplierID)
	}
	var accts []models.Account
	if err := s.db(ctx).Select("id", "name").Where("id IN ?", ids).Find(&accts).Error; err != nil {
		return nil, fmt.Errorf("name suppliers: %w", err)
	}
	for _, a := range accts {
		names[a.ID] = a.Name
	}
	return names, nil
}

// pretty indents a JSON body; anything else is shown as received.
func pretty(body []byte) string {
	var b bytes.Buffer
	if json.Indent(&b, body, "", "  ") != nil {
		return string(body)
	}
	return b.String()
}

// Replay puts one of the order's raw events back through processing. The
// event must belong to this order of this retailer.
func (s *Service) Replay(ctx context.Context, retailerID, orderID, eventID int64) error {
	var n int64
	err := s.db(ctx).Table("webhook_events e").Joins("JOIN orders o ON o.id = e.order_id").
		Where("e.id = ? AND e.order_id = ? AND o.retailer_id = ? AND e.connection_id = o.connection_id", eventID, orderID, retailerID).
		Count(&n).Error
	if err != nil {
		return fmt.Errorf("check webhook event %d: %w", eventID, err)
	}
	if n == 0 {
		// A supplier's message about one of the order's POs.
		err = s.db(ctx).Table("po_messages pm").Joins("JOIN purchase_orders p ON p.id = pm.purchase_order_id").
			Where("pm.event_id = ? AND p.order_id = ? AND p.retailer_id = ?", eventID, orderID, retailerID).Count(&n).Error
		if err != nil {
			return fmt.Errorf("check message %d: %w", eventID, err)
		}
	}
	if n == 0 {
		return fmt.Errorf("webhook event %d of order %d: %w", eventID, orderID, models.ErrNotFound)
	}
	return s.Replayer.Replay(ctx, eventID)
}
