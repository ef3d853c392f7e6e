package fakeshopify

import (
	"encoding/json"
	"fmt"
	"strings"
)

type order struct {
	gid          string
	fos          []*fulfillmentOrder
	fulfillments []Fulfillment
	details      *Order // set by PutOrder; the orders query lists only these
}

type fulfillmentOrder struct {
	gid    string
	status string // OPEN, IN_PROGRESS, CLOSED, ON_HOLD, SCHEDULED, ...
	lines  []*foLine
}

type foLine struct {
	gid        string // gid://shopify/FulfillmentOrderLineItem/N
	lineItemID string // numeric order line item id
	remaining  int
}

// newFulfillmentOrder builds a fulfillment order. The caller holds mu.
func (s *Server) newFulfillmentOrder(status string, lines []Line) *fulfillmentOrder {
	fo := &fulfillmentOrder{gid: fmt.Sprintf("gid://shopify/FulfillmentOrder/%d", s.newID()), status: status}
	for _, l := range lines {
		fo.lines = append(fo.lines, &foLine{
			gid:        fmt.Sprintf("gid://shopify/FulfillmentOrderLineItem/%d", s.newID()),
			lineItemID: l.ID,
			remaining:  l.Quantity,
		})
	}
	return fo
}

// supportedActions mirrors what Shopify offers a merchant-managed
// fulfillment order in each status.
func (fo *fulfillmentOrder) supportedActions() []string {
	switch fo.status {
	case "OPEN", "IN_PROGRESS":
		return []string{"CREATE_FULFILLMENT", "HOLD", "MOVE"}
	case "ON_HOLD":
		return []string{"RELEASE_HOLD"}
	case "SCHEDULED":
		return []string{"MARK_AS_OPEN"}
	}
	return nil
}

func (fo *fulfillmentOrder) acceptsFulfillment() bool {
	return fo.status == "OPEN" || fo.status == "IN_PROGRESS"
}

// execute performs an authenticated, unthrottled request. The caller holds mu.
func (s *Server) execute(sh *shop, req *Request, f Fault) response {
	switch req.Operation {
	case "updatedOrders":
		return sh.ordersQuery(req.Variables)
	case "order":
		var v struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(req.Variables, &v); err != nil || v.ID == "" {
			return invalidVariable("id", "ID!")
		}
		return sh.orderQuery(v.ID)
	case "fulfillmentCreate":
		var v struct {
			Fulfillment *fulfillmentInput `json:"fulfillment"`
		}
		if err := json.Unmarshal(req.Variables, &v); err != nil || v.Fulfillment == nil {
			return invalidVariable("fulfillment", "FulfillmentInput!")
		}
		var p createPayload
		if f.kind == faultUserErrors {
			for _, m := range f.messages {
				p.UserErrors = append(p.UserErrors, userErrorJSON{Field: []string{"fulfillment"}, Message: m})
			}
		} else {
			p = s.fulfillmentCreate(sh, v.Fulfillment)
		}
		if p.UserErrors == nil {
			p.UserErrors = []userErrorJSON{}
		}
		return response{Data: map[string]any{"fulfillmentCreate": p}}
	}
	if resp, ok := s.executeStoreOrder(sh, req, f); ok {
		return resp
	}
	return response{Errors: []gqlError{{
		Message:    "fakeshopify supports only the order query and fulfillmentCreate",
		Extensions: map[string]string{"code": "UNSUPPORTED"},
	}}}
}

func invalidVariable(name, typ string) response {
	return response{Errors: []gqlError{{
		Message:    fmt.Sprintf("Variable $%s of type %s was provided invalid value", name, typ),
		Extensions: map[string]string{"code": "INVALID_VARIABLE"},
	}}}
}

// orderQuery answers the client's order query; an unknown order is null.
func (sh *shop) orderQuery(gid string) response {
	o := sh.orders[gid]
	if o == nil {
		return response{Data: map[string]any{"order": nil}, actualCost: 1}
	}
	out := orderJSON{ID: o.gid, Fulfillments: []fulfillmentJSON{}}
	actual := 1.0 + 2.0 // the order, the fulfillmentOrders connection
	for _, f := range o.fulfillments {
		fj := fulfillmentJSON{ID: f.ID, Status: "SUCCESS", TrackingInfo: []trackingJSON{}}
		if f.Tracking != (Tracking{}) {
			fj.TrackingInfo = append(fj.TrackingInfo, trackingJSON{
				Number: nullable(f.Tracking.Number), Company: nullable(f.Tracking.Company), URL: nullable(f.Tracking.URL),
			})
		}
		out.Fulfillments = append(out.Fulfillments, fj)
		actual += 1 + float64(len(fj.TrackingInfo))
	}
	out.FulfillmentOrders.Nodes = []foJSON{}
	for _, fo := range o.fos {
		fj := foJSON{ID: fo.gid, Status: fo.status, SupportedActions: []actionJSON{}}
		for _, a := range fo.supportedActions() {
			fj.SupportedActions = append(fj.SupportedActions, actionJSON{Action: a})
		}
		fj.LineItems.Nodes = []foLineJSON{}
		for _, l := range fo.lines {
			fj.LineItems.Nodes = append(fj.LineItems.Nodes, foLineJSON{
				ID: l.gid, RemainingQuantity: l.remaining, LineItem: idJSON{ID: "gid://shopify/LineItem/" + l.lineItemID},
			})
		}
		out.FulfillmentOrders.Nodes = append(out.FulfillmentOrders.Nodes, fj)
		actual += 4 + 2*float64(len(fo.lines))
	}
	return response{Data: map[string]any{"order": out}, actualCost: min(actual, orderQueryCost)}
}

// fulfillmentCreate validates the whole input before changing anything, as
// the real mutation does, and reports problems as userErrors.
func (s *Server) fulfillmentCreate(sh *shop, in *fulfillmentInput) createPayload {
	refuse := func(msg string) createPayload {
		return createPayload{UserErrors: []userErrorJSON{{Field: []string{"fulfillment"}, Message: msg}}}
	}
	if len(in.LineItemsByFulfillmentOrder) == 0 {
		return refuse("Line items by fulfillment order can't be blank.")
	}
	type take struct {
		fo   *fulfillmentOrder
		line *foLine
		qty  int
	}
	var (
		takes []take
		ord   *order
		taken = make(map[*foLine]int)
	)
	for _, group := range in.LineItemsByFulfillmentOrder {
		o, fo := sh.findFulfillmentOrder(group.FulfillmentOrderID)
		if fo == nil {
			return refuse("Fulfillment order does not exist.")
		}
		if ord != nil && o != ord {
			return refuse("Fulfillment orders must belong to the same order.")
		}
		ord = o
		if !fo.acceptsFulfillment() {
			return refuse(fmt.Sprintf("Fulfillment order %s has an unfulfillable status= %s.", fo.gid, strings.ToLower(fo.status)))
		}
		if len(group.FulfillmentOrderLineItems) == 0 {
			// No line items given: fulfil everything left in the order.
			for _, l := range fo.lines {
				if l.remaining-taken[l] > 0 {
					takes = append(takes, take{fo, l, l.remaining - taken[l]})
					taken[l] = l.remaining
				}
			}
			continue
		}
		for _, item := range group.FulfillmentOrderLineItems {
			l := fo.line(item.ID)
			if l == nil {
				return refuse("Fulfillment order line item does not exist.")
			}
			if item.Quantity <= 0 || taken[l]+item.Quantity > l.remaining {
				return refuse("Invalid fulfillment order line item quantity requested.")
			}
			taken[l] += item.Quantity
			takes = append(takes, take{fo, l, item.Quantity})
		}
	}
	if len(takes) == 0 {
		return refuse("Invalid fulfillment order line item quantity requested.")
	}

	f := Fulfillment{
		ID:             fmt.Sprintf("gid://shopify/Fulfillment/%d", s.newID()),
		OrderGID:       ord.gid,
		NotifyCustomer: in.NotifyCustomer,
	}
	if t := in.TrackingInfo; t != nil {
		f.Tracking = Tracking{Company: t.Company, Number: t.Number, URL: t.URL}
	}
	for _, t := range takes {
		t.line.remaining -= t.qty
		t.fo.status = "IN_PROGRESS"
		f.Lines = append(f.Lines, FulfilledLine{LineItemID: t.line.lineItemID, FulfillmentOrderID: t.fo.gid, Quantity: t.qty})
	}
	for _, t := range takes {
		if t.fo.done() {
			t.fo.status = "CLOSED"
		}
	}
	ord.fulfillments = append(ord.fulfillments, f)
	sh.fulfillments = append(sh.fulfillments, f)
	return createPayload{Fulfillment: &fulfillmentResultJSON{ID: f.ID, Status: "SUCCESS"}}
}

func (sh *shop) findFulfillmentOrder(gid string) (*order, *fulfillmentOrder) {
	for _, o := range sh.orders {
		for _, fo := range o.fos {
			if fo.gid == gid {
				return o, fo
			}
		}
	}
	return nil, nil
}

func (fo *fulfillmentOrder) line(gid string) *foLine {
	for _, l := range fo.lines {
		if l.gid == gid {
			return l
		}
	}
	return nil
}

func (fo *fulfillmentOrder) done() bool {
	for _, l := range fo.lines {
		if l.remaining > 0 {
			return false
		}
	}
	return true
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
