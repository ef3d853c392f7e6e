package fakeshopify

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The supplier-store operations: orderCreate, the orders search by tag, and
// orderCancel. A created order is also an ordinary order of the shop, with
// one open fulfillment order, so fulfillmentCreate can fulfil it.

// CreatedOrder is an order orderCreate made, as the fake recorded it.
type CreatedOrder struct {
	ID                     string // gid://shopify/Order/N
	Name                   string // "#1001"
	PONumber               string
	Tags                   []string
	Currency               string
	Note                   string
	Lines                  []CreatedLine
	ShippingAddress        CreatedAddress
	SendReceipt            bool
	SendFulfillmentReceipt bool
	CancelledAt            *time.Time
	Cancel                 CancelRequest // how it was cancelled, when it was
}

// CreatedLine is a line of a CreatedOrder.
type CreatedLine struct {
	ID       string // numeric line item id
	SKU      string
	Title    string
	Quantity int
	Price    string // priceSet.shopMoney.amount
	Currency string // priceSet.shopMoney.currencyCode
}

// CreatedAddress is the MailingAddressInput orderCreate was sent.
type CreatedAddress struct {
	FirstName    string `json:"firstName"`
	LastName     string `json:"lastName"`
	Company      string `json:"company"`
	Address1     string `json:"address1"`
	Address2     string `json:"address2"`
	City         string `json:"city"`
	ProvinceCode string `json:"provinceCode"`
	Zip          string `json:"zip"`
	CountryCode  string `json:"countryCode"`
	Phone        string `json:"phone"`
}

// CancelRequest is what orderCancel asked for.
type CancelRequest struct {
	Reason         string
	Refund         bool
	Restock        bool
	NotifyCustomer bool
	StaffNote      string
}

// CreatedOrders lists the orders orderCreate made in shop, oldest first.
func (s *Server) CreatedOrders(shopDomain string) []CreatedOrder {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh := s.shop(shopDomain)
	out := make([]CreatedOrder, len(sh.created))
	for i, o := range sh.created {
		out[i] = *o
		out[i].Tags = slices.Clone(o.Tags)
		out[i].Lines = slices.Clone(o.Lines)
	}
	return out
}

// storeOrderOperation names the supplier-store operations by their root
// field, or "".
func storeOrderOperation(query string) string {
	switch {
	case strings.Contains(query, "orderCreate("):
		return "orderCreate"
	case strings.Contains(query, "orderCancel("):
		return "orderCancel"
	case strings.Contains(query, "OrdersByTag("):
		// The shopify client's search by tag (root field orders); named by
		// its operation so it does not shadow other orders queries.
		return "ordersByTag"
	}
	return ""
}

// mutating reports whether op changes the shop, so that the faults that
// only make sense for a mutation (UserErrors, LostResponse) apply to it.
func mutating(op string) bool {
	return op == "fulfillmentCreate" || op == "orderCreate" || op == "orderCancel"
}

// storeOrderCost prices the supplier-store documents: mutations 10, the
// search orders(first: 5) { nodes { scalars } } 2 + 5*1.
func storeOrderCost(op string) (float64, bool) {
	switch op {
	case "orderCreate", "orderCancel":
		return mutationCost, true
	case "ordersByTag":
		return 7, true
	}
	return 0, false
}

// executeStoreOrder performs a supplier-store operation. The caller holds mu.
func (s *Server) executeStoreOrder(sh *shop, req *Request, f Fault) (response, bool) {
	switch req.Operation {
	case "ordersByTag":
		var v struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(req.Variables, &v); err != nil {
			return invalidVariable("query", "String!"), true
		}
		return sh.searchOrders(v.Query), true
	case "orderCreate":
		var v struct {
			Order   *orderCreateInput `json:"order"`
			Options *struct {
				SendReceipt            bool `json:"sendReceipt"`
				SendFulfillmentReceipt bool `json:"sendFulfillmentReceipt"`
			} `json:"options"`
		}
		if err := json.Unmarshal(req.Variables, &v); err != nil || v.Order == nil {
			return invalidVariable("order", "OrderCreateOrderInput!"), true
		}
		var p orderCreatePayload
		if f.kind == faultUserErrors {
			for _, m := range f.messages {
				p.UserErrors = append(p.UserErrors, userErrorJSON{Field: []string{"order"}, Message: m})
			}
		} else {
			// Shopify sends receipts unless told not to.
			receipt, fulfillmentReceipt := true, true
			if o := v.Options; o != nil {
				receipt, fulfillmentReceipt = o.SendReceipt, o.SendFulfillmentReceipt
			}
			p = s.orderCreate(sh, v.Order, receipt, fulfillmentReceipt)
		}
		if p.UserErrors == nil {
			p.UserErrors = []userErrorJSON{}
		}
		return response{Data: map[string]any{"orderCreate": p}}, true
	case "orderCancel":
		var v struct {
			OrderID        string `json:"orderId"`
			Reason         string `json:"reason"`
			Refund         *bool  `json:"refund"`
			Restock        *bool  `json:"restock"`
			NotifyCustomer bool   `json:"notifyCustomer"`
			StaffNote      string `json:"staffNote"`
		}
		if err := json.Unmarshal(req.Variables, &v); err != nil || v.OrderID == "" {
			return invalidVariable("orderId", "ID!"), true
		}
		if v.Reason == "" || v.Refund == nil || v.Restock == nil {
			return invalidVariable("reason", "OrderCancelReason!"), true
		}
		var errs []orderCancelErrorJSON
		if f.kind == faultUserErrors {
			for _, m := range f.messages {
				errs = append(errs, orderCancelErrorJSON{Field: []string{"orderId"}, Message: m, Code: "INVALID"})
			}
		} else {
			errs = s.orderCancel(sh, v.OrderID, CancelRequest{Reason: v.Reason, Refund: *v.Refund, Restock: *v.Restock,
				NotifyCustomer: v.NotifyCustomer, StaffNote: v.StaffNote}, req.At)
		}
		p := orderCancelPayload{OrderCancelUserErrors: []orderCancelErrorJSON{}, UserErrors: []userErrorJSON{}}
		if len(errs) > 0 {
			p.OrderCancelUserErrors = errs
		} else {
			p.Job = &jobJSON{ID: fmt.Sprintf("gid://shopify/Job/%d", s.newID()), Done: false}
		}
		return response{Data: map[string]any{"orderCancel": p}}, true
	}
	return response{}, false
}

// tagQuery is the one search the fake understands: tag:"VALUE" or tag:VALUE.
var tagQuery = regexp.MustCompile(`^tag:(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+))$`)

func (sh *shop) searchOrders(q string) response {
	m := tagQuery.FindStringSubmatch(strings.TrimSpace(q))
	if m == nil {
		return response{Errors: []gqlError{{
			Message:    "fakeshopify understands only the search tag:VALUE",
			Extensions: map[string]string{"code": "UNSUPPORTED"},
		}}}
	}
	tag := m[2] + m[3]
	if m[1] != "" {
		unq, err := strconv.Unquote(`"` + m[1] + `"`)
		if err != nil {
			unq = m[1]
		}
		tag = unq
	}
	nodes := []storeOrderJSON{}
	for _, o := range sh.created {
		if len(nodes) == 5 {
			break
		}
		if slices.ContainsFunc(o.Tags, func(t string) bool { return strings.EqualFold(t, tag) }) {
			nodes = append(nodes, sh.storeOrderJSON(o))
		}
	}
	return response{Data: map[string]any{"orders": map[string]any{"nodes": nodes}}, actualCost: 2 + float64(len(nodes))}
}

func (sh *shop) storeOrderJSON(o *CreatedOrder) storeOrderJSON {
	out := storeOrderJSON{ID: o.ID, Name: o.Name, Tags: slices.Clone(o.Tags), DisplayFulfillmentStatus: sh.fulfillmentStatus(o.ID)}
	if o.CancelledAt != nil {
		at := o.CancelledAt.UTC().Format(time.RFC3339)
		out.CancelledAt = &at
	}
	return out
}

// fulfillmentStatus is the order's displayFulfillmentStatus, from what its
// fulfillment orders have left.
func (sh *shop) fulfillmentStatus(gid string) string {
	o := sh.orders[gid]
	if o == nil {
		return "UNFULFILLED"
	}
	total, left := 0, 0
	for _, fo := range o.fos {
		for _, l := range fo.lines {
			left += l.remaining
		}
	}
	for _, f := range o.fulfillments {
		for _, l := range f.Lines {
			total += l.Quantity
		}
	}
	switch {
	case total == 0:
		return "UNFULFILLED"
	case left == 0:
		return "FULFILLED"
	}
	return "PARTIALLY_FULFILLED"
}

// orderCreate validates the whole input, as the real mutation does, then
// records the order and gives it an open fulfillment order.
func (s *Server) orderCreate(sh *shop, in *orderCreateInput, receipt, fulfillmentReceipt bool) orderCreatePayload {
	var errs []userErrorJSON
	refuse := func(field []string, msg string) { errs = append(errs, userErrorJSON{Field: field, Message: msg}) }
	if len(in.LineItems) == 0 {
		refuse([]string{"order", "lineItems"}, "Line items must have at least one line item.")
	}
	for i, l := range in.LineItems {
		field := []string{"order", "lineItems", strconv.Itoa(i)}
		if l.Quantity <= 0 {
			refuse(append(field, "quantity"), "Quantity must be greater than or equal to 1.")
		}
		if l.VariantID == "" && strings.TrimSpace(l.Title) == "" {
			refuse(append(field, "title"), "Title can't be blank for a custom line item.")
		}
		if l.PriceSet != nil {
			if _, err := strconv.ParseFloat(l.PriceSet.ShopMoney.Amount, 64); err != nil {
				refuse(append(field, "priceSet"), "Price is not a decimal.")
			}
			if in.Currency != "" && l.PriceSet.ShopMoney.CurrencyCode != in.Currency {
				refuse(append(field, "priceSet"), "Currency must match the order's currency.")
			}
		}
	}
	if len(errs) > 0 {
		return orderCreatePayload{UserErrors: errs}
	}
	id := s.newID()
	sh.orderCount++
	o := &CreatedOrder{
		ID: fmt.Sprintf("gid://shopify/Order/%d", id), Name: fmt.Sprintf("#%d", 1000+sh.orderCount),
		PONumber: in.PONumber, Currency: in.Currency, Note: in.Note,
		SendReceipt: receipt, SendFulfillmentReceipt: fulfillmentReceipt,
	}
	for _, t := range in.Tags {
		for _, part := range strings.Split(t, ",") { // Shopify splits tags on commas
			if part = strings.TrimSpace(part); part != "" && !slices.Contains(o.Tags, part) {
				o.Tags = append(o.Tags, part)
			}
		}
	}
	if in.ShippingAddress != nil {
		o.ShippingAddress = *in.ShippingAddress
	}
	var lines []Line
	for _, l := range in.LineItems {
		cl := CreatedLine{ID: strconv.FormatUint(s.newID(), 10), SKU: l.SKU, Title: l.Title, Quantity: l.Quantity}
		if l.PriceSet != nil {
			cl.Price, cl.Currency = l.PriceSet.ShopMoney.Amount, l.PriceSet.ShopMoney.CurrencyCode
		}
		o.Lines = append(o.Lines, cl)
		lines = append(lines, Line{ID: cl.ID, Quantity: cl.Quantity})
	}
	sh.created = append(sh.created, o)
	sh.orders[o.ID] = &order{gid: o.ID, fos: []*fulfillmentOrder{s.newFulfillmentOrder("OPEN", lines)}}
	j := sh.storeOrderJSON(o)
	return orderCreatePayload{Order: &j}
}

// orderCancel refuses what Shopify refuses: an unknown order, one already
// cancelled, one with fulfillments. The caller holds mu.
func (s *Server) orderCancel(sh *shop, gid string, req CancelRequest, now time.Time) []orderCancelErrorJSON {
	refuse := func(code, msg string) []orderCancelErrorJSON {
		return []orderCancelErrorJSON{{Field: []string{"orderId"}, Message: msg, Code: code}}
	}
	i := slices.IndexFunc(sh.created, func(o *CreatedOrder) bool { return o.ID == gid })
	if i < 0 {
		return refuse("NOT_FOUND", "Order does not exist.")
	}
	o := sh.created[i]
	switch {
	case o.CancelledAt != nil:
		return refuse("INVALID", "Order has already been cancelled.")
	case sh.fulfillmentStatus(gid) != "UNFULFILLED":
		return refuse("INVALID", "Cannot cancel an order with fulfillments. Cancel the fulfillments first.")
	}
	at := now.UTC()
	o.CancelledAt, o.Cancel = &at, req
	if ord := sh.orders[gid]; ord != nil {
		for _, fo := range ord.fos {
			fo.status = "CLOSED"
		}
	}
	return nil
}

// orderCreateInput is the OrderCreateOrderInput the client sends.
type orderCreateInput struct {
	Currency  string   `json:"currency"`
	PONumber  string   `json:"poNumber"`
	Tags      []string `json:"tags"`
	Note      string   `json:"note"`
	LineItems []struct {
		VariantID string `json:"variantId"`
		SKU       string `json:"sku"`
		Title     string `json:"title"`
		Quantity  int    `json:"quantity"`
		PriceSet  *struct {
			ShopMoney struct {
				Amount       string `json:"amount"`
				CurrencyCode string `json:"currencyCode"`
			} `json:"shopMoney"`
		} `json:"priceSet"`
	} `json:"lineItems"`
	ShippingAddress *CreatedAddress `json:"shippingAddress"`
}

type storeOrderJSON struct {
	ID                       string   `json:"id"`
	Name                     string   `json:"name"`
	Tags                     []string `json:"tags"`
	DisplayFulfillmentStatus string   `json:"displayFulfillmentStatus"`
	CancelledAt              *string  `json:"cancelledAt"`
}

type orderCreatePayload struct {
	Order      *storeOrderJSON `json:"order"`
	UserErrors []userErrorJSON `json:"userErrors"`
}

type orderCancelPayload struct {
	Job                   *jobJSON               `json:"job"`
	OrderCancelUserErrors []orderCancelErrorJSON `json:"orderCancelUserErrors"`
	UserErrors            []userErrorJSON        `json:"userErrors"`
}

type jobJSON struct {
	ID   string `json:"id"`
	Done bool   `json:"done"`
}

type orderCancelErrorJSON struct {
	Field   []string `json:"field"`
	Message string   `json:"message"`
	Code    string   `json:"code"`
}
