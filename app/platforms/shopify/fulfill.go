package shopify

import (
	"context"
	"fmt"
	"strings"

	"github.com/consign/consign/app/platforms/jsontext"
)

// FulfillInput asks for one shipment of some lines of an order.
type FulfillInput struct {
	OrderGID       string // gid://shopify/Order/N
	Lines          []FulfillLine
	Tracking       Tracking
	NotifyCustomer bool
}

// FulfillLine is a quantity of one order line. LineItemID is Shopify's
// numeric line item id as text, as in canonical.Line.ExternalID.
type FulfillLine struct {
	LineItemID string
	Quantity   int
}

// Tracking is a carrier's tracking for a shipment. All fields are optional,
// but without Number a repeated call cannot recognise its earlier fulfillment.
type Tracking struct {
	Company string
	Number  string
	URL     string
}

// Connection sizes of orderQuery. Shopify refuses a query whose requested
// cost exceeds 1000 points, and nested connections multiply: with these sizes
// the cost is about 1 + 20*(1+3) + 2 + 8*(1+1+2+40*2) = 755.
// (fulfillmentOrders(first: 50) { lineItems(first: 250) } would cost ~25000.)
const orderQuery = `query OrderForFulfillment($id: ID!) {
  order(id: $id) {
    id
    fulfillments(first: 20) {
      id
      status
      trackingInfo(first: 3) { number company url }
    }
    fulfillmentOrders(first: 8) {
      nodes {
        id
        status
        supportedActions { action }
        lineItems(first: 40) {
          nodes { id remainingQuantity lineItem { id } }
          pageInfo { hasNextPage }
        }
      }
      pageInfo { hasNextPage }
    }
  }
}`

const fulfillmentCreateMutation = `mutation CreateFulfillment($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status }
    userErrors { field message }
  }
}`

const fulfillmentsRead = 20 // fulfillments(first: 20) above

type orderData struct {
	Order *struct {
		Fulfillments []struct {
			ID           string `json:"id"`
			Status       string `json:"status"`
			TrackingInfo []struct {
				Number string `json:"number"`
			} `json:"trackingInfo"`
		} `json:"fulfillments"`
		FulfillmentOrders struct {
			Nodes    []fulfillmentOrder `json:"nodes"`
			PageInfo pageInfo           `json:"pageInfo"`
		} `json:"fulfillmentOrders"`
	} `json:"order"`
}

type fulfillmentOrder struct {
	ID               string `json:"id"`
	Status           string `json:"status"`
	SupportedActions []struct {
		Action string `json:"action"`
	} `json:"supportedActions"`
	LineItems struct {
		Nodes []struct {
			ID                string `json:"id"`
			RemainingQuantity int    `json:"remainingQuantity"`
			LineItem          struct {
				ID string `json:"id"`
			} `json:"lineItem"`
		} `json:"nodes"`
		PageInfo pageInfo `json:"pageInfo"`
	} `json:"lineItems"`
}

type pageInfo struct {
	HasNextPage bool `json:"hasNextPage"`
}

type createData struct {
	FulfillmentCreate struct {
		Fulfillment *struct {
			ID string `json:"id"`
		} `json:"fulfillment"`
		UserErrors []FieldError `json:"userErrors"`
	} `json:"fulfillmentCreate"`
}

// fulfillmentInput is the FulfillmentInput GraphQL input object.
type fulfillmentInput struct {
	LineItemsByFulfillmentOrder []foLineItems  `json:"lineItemsByFulfillmentOrder"`
	TrackingInfo                *trackingInput `json:"trackingInfo,omitempty"`
	NotifyCustomer              bool           `json:"notifyCustomer"`
}

type foLineItems struct {
	FulfillmentOrderID        string       `json:"fulfillmentOrderId"`
	FulfillmentOrderLineItems []foLineItem `json:"fulfillmentOrderLineItems"`
}

type foLineItem struct {
	ID       string `json:"id"`
	Quantity int    `json:"quantity"`
}

type trackingInput struct {
	Company string `json:"company,omitempty"`
	Number  string `json:"number,omitempty"`
	URL     string `json:"url,omitempty"`
}

// Fulfill creates a fulfillment with tracking for the given lines and returns
// its GID. It is idempotent by tracking number: when the order already has a
// fulfillment with in.Tracking.Number, that one is returned and nothing is
// created, so a job that died after the remote call but before recording
// its result does not fulfil twice.
func (c *Client) Fulfill(ctx context.Context, in FulfillInput) (string, error) {
	lines, err := in.normalize()
	if err != nil {
		return "", fmt.Errorf("shopify fulfill: %w", err)
	}
	create := operation{name: "fulfillmentCreate", query: fulfillmentCreateMutation, mutation: true}
	tries := 0
	for {
		id, err := c.fulfillOnce(ctx, &tries, in, lines, create)
		unknown, ok := err.(*maybeAppliedError) // returned unwrapped by call
		if !ok {
			return id, err
		}
		// The mutation may have run. Start again from the order query: its
		// guard finds the fulfillment if it was created, and the remaining
		// quantities stop a second one if there is no tracking number.
		if err := c.backoff(ctx, tries, create.name, unknown.t); err != nil {
			return "", err
		}
	}
}

func (c *Client) fulfillOnce(ctx context.Context, tries *int, in FulfillInput, lines []FulfillLine, create operation) (string, error) {
	var od orderData
	if err := c.call(ctx, tries, operation{name: "order", query: orderQuery}, map[string]any{"id": in.OrderGID}, &od); err != nil {
		return "", err
	}
	if od.Order == nil {
		return "", fmt.Errorf("shopify fulfill %s: %w", in.OrderGID, ErrOrderNotFound)
	}
	if number := strings.TrimSpace(in.Tracking.Number); number != "" {
		for _, f := range od.Order.Fulfillments {
			if f.Status == "CANCELLED" || f.Status == "ERROR" || f.Status == "FAILURE" {
				continue
			}
			for _, t := range f.TrackingInfo {
				if strings.EqualFold(strings.TrimSpace(t.Number), number) {
					c.log.Info("shopify: fulfillment already exists", "order", in.OrderGID, "fulfillment", f.ID, "tracking", number)
					return f.ID, nil
				}
			}
		}
		if len(od.Order.Fulfillments) >= fulfillmentsRead {
			c.log.Warn("shopify: order has more fulfillments than the idempotency check reads", "order", in.OrderGID, "read", fulfillmentsRead)
		}
	}

	byFO, err := allocate(od.Order.FulfillmentOrders.Nodes, lines, od.Order.FulfillmentOrders.PageInfo.HasNextPage)
	if err != nil {
		return "", fmt.Errorf("shopify fulfill %s: %w", in.OrderGID, err)
	}
	input := fulfillmentInput{LineItemsByFulfillmentOrder: byFO, NotifyCustomer: in.NotifyCustomer}
	if t := in.Tracking; t != (Tracking{}) {
		input.TrackingInfo = &trackingInput{Company: t.Company, Number: t.Number, URL: t.URL}
	}

	var cd createData
	if err := c.call(ctx, tries, create, map[string]any{"fulfillment": input}, &cd); err != nil {
		return "", err
	}
	p := cd.FulfillmentCreate
	if len(p.UserErrors) > 0 {
		return "", &UserError{Op: create.name, Errors: p.UserErrors}
	}
	if p.Fulfillment == nil || p.Fulfillment.ID == "" {
		return "", fmt.Errorf("shopify fulfillmentCreate: answer has neither a fulfillment nor userErrors")
	}
	c.log.Info("shopify: fulfillment created", "order", in.OrderGID, "fulfillment", p.Fulfillment.ID, "tracking", in.Tracking.Number)
	return p.Fulfillment.ID, nil
}

// allocate spreads each line's quantity over the fulfillment orders that can
// take a fulfillment now, in Shopify's order, never taking more than a
// fulfillment order line item has left.
func allocate(fos []fulfillmentOrder, lines []FulfillLine, moreFOs bool) ([]foLineItems, error) {
	remaining := make(map[string]int)
	truncated := moreFOs
	for _, fo := range fos {
		truncated = truncated || fo.LineItems.PageInfo.HasNextPage
		for _, li := range fo.LineItems.Nodes {
			remaining[li.ID] = li.RemainingQuantity
		}
	}
	var out []foLineItems
	pos := make(map[string]int) // fulfillment order id -> index in out
	for _, l := range lines {
		want := "gid://shopify/LineItem/" + l.LineItemID
		need := l.Quantity
		for _, fo := range fos {
			if !fo.acceptsFulfillment() {
				continue
			}
			for _, li := range fo.LineItems.Nodes {
				if li.LineItem.ID != want {
					continue
				}
				take := min(need, remaining[li.ID])
				if take <= 0 {
					continue
				}
				remaining[li.ID] -= take
				need -= take
				i, ok := pos[fo.ID]
				if !ok {
					i = len(out)
					pos[fo.ID] = i
					out = append(out, foLineItems{FulfillmentOrderID: fo.ID})
				}
				out[i].FulfillmentOrderLineItems = append(out[i].FulfillmentOrderLineItems, foLineItem{ID: li.ID, Quantity: take})
			}
		}
		if need > 0 {
			msg := fmt.Sprintf("line item %s: %d requested, %d open to fulfil (already fulfilled, on hold, or not in this order)",
				l.LineItemID, l.Quantity, l.Quantity-need)
			if truncated {
				msg += "; the order has more fulfillment orders or lines than one query reads"
			}
			return nil, fmt.Errorf("%w: %s", ErrNotFulfillable, msg)
		}
	}
	return out, nil
}

// acceptsFulfillment: only open fulfillment orders that offer
// CREATE_FULFILLMENT may be fulfilled; others are on hold, scheduled, closed,
// or belong to a fulfillment service.
func (fo *fulfillmentOrder) acceptsFulfillment() bool {
	if fo.Status != "OPEN" && fo.Status != "IN_PROGRESS" {
		return false
	}
	for _, a := range fo.SupportedActions {
		if a.Action == "CREATE_FULFILLMENT" {
			return true
		}
	}
	return false
}

// normalize checks the input and merges repeated lines, keeping their order.
func (in FulfillInput) normalize() ([]FulfillLine, error) {
	id, ok := strings.CutPrefix(in.OrderGID, "gid://shopify/Order/")
	if !ok || !jsontext.Digits(id) {
		return nil, fmt.Errorf("order %q is not an order GID (gid://shopify/Order/N)", in.OrderGID)
	}
	if len(in.Lines) == 0 {
		return nil, fmt.Errorf("order %s: no lines to fulfil", in.OrderGID)
	}
	var lines []FulfillLine
	pos := make(map[string]int)
	for _, l := range in.Lines {
		if !jsontext.Digits(l.LineItemID) {
			return nil, fmt.Errorf("order %s: line item id %q is not numeric", in.OrderGID, l.LineItemID)
		}
		if l.Quantity <= 0 {
			return nil, fmt.Errorf("order %s: line item %s: quantity %d is not positive", in.OrderGID, l.LineItemID, l.Quantity)
		}
		if i, ok := pos[l.LineItemID]; ok {
			lines[i].Quantity += l.Quantity
			continue
		}
		pos[l.LineItemID] = len(lines)
		lines = append(lines, l)
	}
	return lines, nil
}
