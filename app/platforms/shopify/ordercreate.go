package shopify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/consign/consign/app/platforms/jsontext"
)

// StoreOrderInput is a purchase order to create as an order in a supplier's
// own store. Tag names the PO; it must be unique to it, because it is how a
// repeated call finds the order an earlier call created.
type StoreOrderInput struct {
	Tag      string // the PO number; also set as the order's poNumber
	Tags     []string
	Currency string // ISO 4217
	Note     string
	Lines    []StoreOrderLine
	ShipTo   MailingAddress
}

// StoreOrderLine is a custom line at the supplier's cost. Price is a decimal
// string in Currency ("12.50").
type StoreOrderLine struct {
	SKU      string
	Title    string
	Quantity int
	Price    string
}

// MailingAddress is a ship-to address (MailingAddressInput).
type MailingAddress struct {
	FirstName    string `json:"firstName,omitempty"`
	LastName     string `json:"lastName,omitempty"`
	Company      string `json:"company,omitempty"`
	Address1     string `json:"address1,omitempty"`
	Address2     string `json:"address2,omitempty"`
	City         string `json:"city,omitempty"`
	ProvinceCode string `json:"provinceCode,omitempty"`
	Zip          string `json:"zip,omitempty"`
	CountryCode  string `json:"countryCode,omitempty"`
	Phone        string `json:"phone,omitempty"`
}

// StoreOrder is an order of the shop as the search finds it.
type StoreOrder struct {
	ID                string   `json:"id"` // gid://shopify/Order/N
	Name              string   `json:"name"`
	Tags              []string `json:"tags"`
	FulfillmentStatus string   `json:"displayFulfillmentStatus"` // UNFULFILLED, PARTIALLY_FULFILLED, FULFILLED, ...
	CancelledAt       *string  `json:"cancelledAt"`
}

// Fulfilled reports whether any unit of the order has been fulfilled.
func (o StoreOrder) Fulfilled() bool {
	switch o.FulfillmentStatus {
	case "", "UNFULFILLED", "SCHEDULED", "ON_HOLD", "OPEN", "PENDING_FULFILLMENT", "REQUEST_DECLINED":
		return false
	}
	return true
}

// Cancelled reports whether the order has been cancelled.
func (o StoreOrder) Cancelled() bool { return o.CancelledAt != nil }

// ordersByTagQuery finds the orders carrying a tag. Requested cost:
// 2 + 5*1 = 7. It must not contain "order(": the fake Shopify names
// operations by their root field.
const ordersByTagQuery = `query OrdersByTag($query: String!) {
  orders(first: 5, query: $query) {
    nodes { id name tags displayFulfillmentStatus cancelledAt }
  }
}`

const orderCreateMutation = `mutation CreateStoreOrder($order: OrderCreateOrderInput!, $options: OrderCreateOptionsInput) {
  orderCreate(order: $order, options: $options) {
    order { id name tags displayFulfillmentStatus cancelledAt }
    userErrors { field message }
  }
}`

const orderCancelMutation = `mutation CancelStoreOrder($orderId: ID!, $reason: OrderCancelReason!, $refund: Boolean!, $restock: Boolean!, $notifyCustomer: Boolean, $staffNote: String) {
  orderCancel(orderId: $orderId, reason: $reason, refund: $refund, restock: $restock, notifyCustomer: $notifyCustomer, staffNote: $staffNote) {
    job { id done }
    orderCancelUserErrors { field message code }
  }
}`

type ordersData struct {
	Orders struct {
		Nodes []StoreOrder `json:"nodes"`
	} `json:"orders"`
}

type orderCreateData struct {
	OrderCreate struct {
		Order      *StoreOrder  `json:"order"`
		UserErrors []FieldError `json:"userErrors"`
	} `json:"orderCreate"`
}

type orderCancelData struct {
	OrderCancel struct {
		Job *struct {
			ID string `json:"id"`
		} `json:"job"`
		UserErrors []FieldError `json:"orderCancelUserErrors"`
	} `json:"orderCancel"`
}

// orderCreateInput is OrderCreateOrderInput, the fields Consign sets.
type orderCreateInput struct {
	Currency        string                `json:"currency,omitempty"`
	PONumber        string                `json:"poNumber"`
	Tags            []string              `json:"tags"`
	Note            string                `json:"note,omitempty"`
	LineItems       []orderCreateLineItem `json:"lineItems"`
	ShippingAddress *MailingAddress       `json:"shippingAddress,omitempty"`
}

type orderCreateLineItem struct {
	SKU              string    `json:"sku,omitempty"`
	Title            string    `json:"title"`
	Quantity         int       `json:"quantity"`
	PriceSet         *moneyBag `json:"priceSet,omitempty"`
	RequiresShipping bool      `json:"requiresShipping"`
}

type moneyBag struct {
	ShopMoney moneyInput `json:"shopMoney"`
}

type moneyInput struct {
	Amount       string `json:"amount"`
	CurrencyCode string `json:"currencyCode"`
}

// FindOrderByTag returns the shop's order carrying exactly tag, or nil when
// there is none. Shopify's search matches loosely, so the tags are checked.
func (c *Client) FindOrderByTag(ctx context.Context, tag string) (*StoreOrder, error) {
	tries := 0
	return c.findOrderByTag(ctx, &tries, tag)
}

func (c *Client) findOrderByTag(ctx context.Context, tries *int, tag string) (*StoreOrder, error) {
	var od ordersData
	vars := map[string]any{"query": fmt.Sprintf("tag:%q", tag)}
	if err := c.call(ctx, tries, operation{name: "orders", query: ordersByTagQuery}, vars, &od); err != nil {
		return nil, err
	}
	for _, o := range od.Orders.Nodes {
		if slices.ContainsFunc(o.Tags, func(t string) bool { return strings.EqualFold(strings.TrimSpace(t), tag) }) {
			return &o, nil
		}
	}
	return nil, nil
}

// CreateOrder creates the order in the shop without telling anyone (no
// receipt, no fulfillment receipt) and returns it. It is idempotent by
// in.Tag: when an order with that tag exists it is returned and nothing is
// created, so a job that died after the mutation does not create a second.
func (c *Client) CreateOrder(ctx context.Context, in StoreOrderInput) (StoreOrder, error) {
	input, err := in.encode()
	if err != nil {
		return StoreOrder{}, fmt.Errorf("shopify orderCreate: %w", err)
	}
	create := operation{name: "orderCreate", query: orderCreateMutation, mutation: true}
	tries := 0
	for {
		o, err := c.createOrderOnce(ctx, &tries, in.Tag, input, create)
		unknown, ok := err.(*maybeAppliedError) // returned unwrapped by call
		if !ok {
			return o, err
		}
		// The order may exist now: look again before creating.
		if err := c.backoff(ctx, tries, create.name, unknown.t); err != nil {
			return StoreOrder{}, err
		}
	}
}

func (c *Client) createOrderOnce(ctx context.Context, tries *int, tag string, input orderCreateInput, create operation) (StoreOrder, error) {
	existing, err := c.findOrderByTag(ctx, tries, tag)
	if err != nil {
		return StoreOrder{}, err
	}
	if existing != nil {
		c.log.Info("shopify: order already exists", "tag", tag, "order", existing.ID)
		return *existing, nil
	}
	vars := map[string]any{
		"order":   input,
		"options": map[string]any{"sendReceipt": false, "sendFulfillmentReceipt": false},
	}
	var cd orderCreateData
	if err := c.call(ctx, tries, create, vars, &cd); err != nil {
		return StoreOrder{}, err
	}
	p := cd.OrderCreate
	if len(p.UserErrors) > 0 {
		return StoreOrder{}, &UserError{Op: create.name, Errors: p.UserErrors}
	}
	if p.Order == nil || p.Order.ID == "" {
		return StoreOrder{}, errors.New("shopify orderCreate: answer has neither an order nor userErrors")
	}
	c.log.Info("shopify: order created", "tag", tag, "order", p.Order.ID)
	return *p.Order, nil
}

func (in StoreOrderInput) encode() (orderCreateInput, error) {
	tag := strings.TrimSpace(in.Tag)
	switch {
	case tag == "" || strings.Contains(tag, ","):
		return orderCreateInput{}, fmt.Errorf("tag %q: want one non-empty tag", in.Tag)
	case len(in.Lines) == 0:
		return orderCreateInput{}, fmt.Errorf("order %s: no lines", tag)
	}
	out := orderCreateInput{Currency: in.Currency, PONumber: tag, Note: in.Note, Tags: []string{tag}}
	for _, t := range in.Tags {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(out.Tags, t) {
			out.Tags = append(out.Tags, t)
		}
	}
	for _, l := range in.Lines {
		if l.Quantity <= 0 {
			return orderCreateInput{}, fmt.Errorf("order %s: line %s: quantity %d is not positive", tag, l.SKU, l.Quantity)
		}
		title := l.Title
		if title == "" {
			title = l.SKU
		}
		item := orderCreateLineItem{SKU: l.SKU, Title: title, Quantity: l.Quantity, RequiresShipping: true}
		if l.Price != "" {
			item.PriceSet = &moneyBag{ShopMoney: moneyInput{Amount: l.Price, CurrencyCode: in.Currency}}
		}
		out.LineItems = append(out.LineItems, item)
	}
	if in.ShipTo != (MailingAddress{}) {
		a := in.ShipTo
		out.ShippingAddress = &a
	}
	return out, nil
}

// CancelOrderInput cancels an order quietly: no refund (Consign's order in
// the supplier's store was never paid by a customer), stock restocked, the
// customer not told.
type CancelOrderInput struct {
	OrderGID  string
	StaffNote string
}

// CancelOrder asks Shopify to cancel the order. Shopify cancels in a
// background job; a refusal (already cancelled, fulfilled) is a *UserError.
func (c *Client) CancelOrder(ctx context.Context, in CancelOrderInput) error {
	if id, ok := strings.CutPrefix(in.OrderGID, "gid://shopify/Order/"); !ok || !jsontext.Digits(id) {
		return fmt.Errorf("shopify orderCancel: %q is not an order GID", in.OrderGID)
	}
	vars := map[string]any{
		"orderId": in.OrderGID, "reason": "OTHER", "refund": false, "restock": true,
		"notifyCustomer": false, "staffNote": in.StaffNote,
	}
	op := operation{name: "orderCancel", query: orderCancelMutation, mutation: true}
	tries := 0
	var cd orderCancelData
	err := c.call(ctx, &tries, op, vars, &cd)
	if unknown, ok := err.(*maybeAppliedError); ok {
		// Cancelling twice is refused, never doubled, so the caller may
		// simply look again later.
		return &RetryableError{Op: op.name, After: exponentialBackoff(tries), Err: unknown.t}
	}
	if err != nil {
		return err
	}
	if p := cd.OrderCancel; len(p.UserErrors) > 0 {
		return &UserError{Op: op.name, Errors: p.UserErrors}
	}
	c.log.Info("shopify: order cancelled", "order", in.OrderGID)
	return nil
}
