package woocommerce

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/consign/consign/app/canonical"
	"github.com/consign/consign/app/money"
	"github.com/consign/consign/app/platforms/jsontext"
)

// orderPayload is the part of a REST v3 order Consign reads. Numbers that
// matter stay raw JSON so they are parsed from their exact text.
type orderPayload struct {
	ID              json.RawMessage   `json:"id"`
	Number          json.RawMessage   `json:"number"` // a string: plugins make it "INV-0042"
	Status          string            `json:"status"`
	Currency        string            `json:"currency"`
	DateModifiedGMT string            `json:"date_modified_gmt"`
	DatePaidGMT     string            `json:"date_paid_gmt"`
	DatePaid        string            `json:"date_paid"`
	Billing         addressPayload    `json:"billing"`
	Shipping        addressPayload    `json:"shipping"`
	LineItems       []lineItemPayload `json:"line_items"`
}

type addressPayload struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Company   string `json:"company"`
	Address1  string `json:"address_1"`
	Address2  string `json:"address_2"`
	City      string `json:"city"`
	State     string `json:"state"`
	Postcode  string `json:"postcode"`
	Country   string `json:"country"`
	Email     string `json:"email"`
	Phone     string `json:"phone"` // on shipping only since WooCommerce 5.6
}

type lineItemPayload struct {
	ID          json.RawMessage `json:"id"`
	Name        string          `json:"name"`
	ProductID   json.RawMessage `json:"product_id"`
	VariationID json.RawMessage `json:"variation_id"`
	Quantity    json.RawMessage `json:"quantity"`
	Subtotal    json.RawMessage `json:"subtotal"`
	Price       json.RawMessage `json:"price"`
	SKU         *string         `json:"sku"` // null when the product was deleted
	MetaData    []metaPayload   `json:"meta_data"`
}

type metaPayload struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

// TranslateOrder turns a REST v3 order (GET /orders/ID, or an order.* webhook
// body) into a canonical order. Its errors say what is wrong with the body in
// words an operator can act on.
func TranslateOrder(body []byte) (canonical.Order, error) {
	var p orderPayload
	if err := decodeObject(body, &p); err != nil {
		return canonical.Order{}, fmt.Errorf("woocommerce order: %w", err)
	}
	o, err := p.canonical()
	if err != nil {
		return canonical.Order{}, fmt.Errorf("woocommerce order: %w", err)
	}
	return o, nil
}

// OrderVersion reads an order body's id and date_modified_gmt: together the
// dedup key of a delivery. WooCommerce gives every send a new
// X-WC-Webhook-Delivery-ID, so that header cannot tell a repeat.
func OrderVersion(body []byte) (id int64, modified time.Time, err error) {
	var p struct {
		ID              json.RawMessage `json:"id"`
		DateModifiedGMT string          `json:"date_modified_gmt"`
	}
	if err := decodeObject(body, &p); err != nil {
		return 0, time.Time{}, fmt.Errorf("woocommerce order: %w", err)
	}
	if id, err = requireID("id", p.ID); err != nil {
		return 0, time.Time{}, fmt.Errorf("woocommerce order: %w", err)
	}
	if modified, err = requireGMT("date_modified_gmt", p.DateModifiedGMT); err != nil {
		return 0, time.Time{}, fmt.Errorf("woocommerce order %d: %w", id, err)
	}
	return id, modified, nil
}

func (p *orderPayload) canonical() (canonical.Order, error) {
	id, err := requireID("id", p.ID)
	if err != nil {
		return canonical.Order{}, err
	}
	o := canonical.Order{
		Platform:      Platform,
		ExternalID:    strconv.FormatInt(id, 10),
		Number:        id,
		Currency:      strings.ToUpper(strings.TrimSpace(p.Currency)),
		CustomerEmail: strings.TrimSpace(p.Billing.Email),
		Status:        strings.ToLower(strings.TrimSpace(p.Status)),
	}
	if !jsontext.CurrencyCode(o.Currency) {
		return canonical.Order{}, fmt.Errorf("currency %q is not an ISO 4217 code", p.Currency)
	}
	number, err := jsontext.Text("number", p.Number)
	if err != nil {
		return canonical.Order{}, err
	}
	if number == "" {
		number = o.ExternalID
	}
	o.Name = "#" + number
	if o.UpdatedAt, err = requireGMT("date_modified_gmt", p.DateModifiedGMT); err != nil {
		return canonical.Order{}, err
	}
	if o.Status == "" {
		return canonical.Order{}, errors.New("status is missing")
	}
	// Only "processing" means paid and waiting to ship; every other status,
	// custom ones from plugins included, holds the order.
	if o.Status != "processing" {
		o.Hold = fmt.Sprintf("status %q is not processing", o.Status)
	}
	paid := strings.TrimSpace(p.DatePaidGMT) != "" || strings.TrimSpace(p.DatePaid) != ""
	o.FinancialStatus = financialStatus(o.Status, paid)
	if o.Status == "cancelled" {
		at := o.UpdatedAt
		o.CancelledAt = &at
	}
	o.ShipTo = shipTo(&p.Shipping, &p.Billing)
	for i := range p.LineItems {
		l, err := p.LineItems[i].canonical(o.Currency)
		if err != nil {
			return canonical.Order{}, fmt.Errorf("line_items[%d]: %w", i, err)
		}
		o.Lines = append(o.Lines, l)
	}
	return o, nil
}

// financialStatus maps an order status to the canonical financial state.
// WooCommerce has no separate payment state; date_paid tells whether money
// was taken.
func financialStatus(status string, paid bool) string {
	switch status {
	case "processing", "completed":
		return canonical.FinancialPaid
	case "pending", "on-hold", "failed", "checkout-draft":
		return canonical.FinancialPending
	case "refunded":
		return canonical.FinancialRefunded
	case "cancelled":
		if paid {
			return canonical.FinancialPaid
		}
		return canonical.FinancialVoided
	case "trash":
		return canonical.FinancialVoided
	}
	if paid { // a plugin's status, e.g. "shipped"
		return canonical.FinancialPaid
	}
	return canonical.FinancialPending
}

// shipTo is the shipping address, or the billing one when the order has no
// shipping address (stores that do not ask for one, orders made by hand).
func shipTo(shipping, billing *addressPayload) canonical.Address {
	a := shipping
	if a.empty() {
		a = billing
	}
	out := canonical.Address{
		Name:         strings.TrimSpace(strings.TrimSpace(a.FirstName) + " " + strings.TrimSpace(a.LastName)),
		Company:      strings.TrimSpace(a.Company),
		Address1:     strings.TrimSpace(a.Address1),
		Address2:     strings.TrimSpace(a.Address2),
		City:         strings.TrimSpace(a.City),
		Province:     strings.TrimSpace(a.State), // a code ("CA") for most countries
		ProvinceCode: strings.TrimSpace(a.State),
		Zip:          strings.TrimSpace(a.Postcode),
		Country:      strings.ToUpper(strings.TrimSpace(a.Country)), // always an ISO code
		CountryCode:  strings.ToUpper(strings.TrimSpace(a.Country)),
		Phone:        strings.TrimSpace(a.Phone),
	}
	// Carriers want a phone number; shipping.phone is optional at checkout,
	// and the billing phone is the same customer's.
	if out.Phone == "" {
		out.Phone = strings.TrimSpace(billing.Phone)
	}
	return out
}

func (a *addressPayload) empty() bool {
	return strings.TrimSpace(a.Address1+a.Address2+a.City+a.State+a.Postcode+a.Country) == ""
}

func (li *lineItemPayload) canonical(currency string) (canonical.Line, error) {
	var l canonical.Line
	id, err := requireID("id", li.ID)
	if err != nil {
		return l, err
	}
	l.ExternalID = strconv.FormatInt(id, 10)
	// product_id is kept after the product is deleted; variation_id is 0 for
	// a simple product. 0 means none: the field is left empty.
	for _, f := range []struct {
		name string
		raw  json.RawMessage
		dst  *string
	}{{"product_id", li.ProductID, &l.ProductID}, {"variation_id", li.VariationID, &l.VariantID}} {
		n, err := parseID(f.name, f.raw)
		if err != nil {
			return l, err
		}
		if n != 0 {
			*f.dst = strconv.FormatInt(n, 10)
		}
	}
	if li.SKU != nil {
		l.SKU = strings.TrimSpace(*li.SKU)
	}
	// Names are stored HTML-escaped ("Ship Your Idea &ndash; Color: Black").
	l.Title = strings.TrimSpace(html.UnescapeString(li.Name))
	l.GTIN = li.gtin()
	// WooCommerce does not say per line whether it ships (a virtual product
	// is only known from the product), nor sells gift cards in core.
	l.RequiresShipping = true

	qty, ok, err := jsontext.Whole("quantity", li.Quantity)
	if err != nil {
		return l, err
	}
	if !ok {
		return l, errors.New("quantity is missing")
	}
	if l.Quantity, err = jsontext.Int("quantity", qty); err != nil {
		return l, err
	}
	l.FulfillableQuantity = l.Quantity
	if l.UnitPrice, err = li.unitPrice(currency, qty); err != nil {
		return l, err
	}
	return l, nil
}

// unitPrice is the price of one unit before discounts: subtotal / quantity.
// subtotal is a decimal string in the store's precision, so it is exact;
// price is a PHP float of total / quantity, after coupons, and may carry
// fifteen digits (3.3333333333333335). price is read only when subtotal is
// absent, and then only if it is an exact amount of the currency.
func (li *lineItemPayload) unitPrice(currency string, qty int64) (money.Amount, error) {
	subtotal, err := jsontext.Text("subtotal", li.Subtotal)
	if err != nil {
		return 0, err
	}
	if subtotal == "" {
		price, err := jsontext.Text("price", li.Price)
		if err != nil {
			return 0, err
		}
		if price == "" {
			return 0, errors.New("subtotal and price are missing")
		}
		a, err := money.Parse(price, currency)
		if err != nil {
			return 0, fmt.Errorf("price: %w", err)
		}
		if a < 0 {
			return 0, fmt.Errorf("price %s is negative", price)
		}
		return a, nil
	}
	total, err := money.Parse(subtotal, currency)
	if err != nil {
		return 0, fmt.Errorf("subtotal: %w", err)
	}
	if total < 0 {
		return 0, fmt.Errorf("subtotal %s is negative", subtotal)
	}
	if qty == 0 {
		return 0, nil
	}
	// A subtotal that does not split evenly (10.00 for 3) is a real order,
	// not a malformed one: the unit price is informational (suppliers are
	// paid their catalog cost), so it is rounded half up to a minor unit
	// rather than refusing the order.
	return money.Amount((int64(total) + qty/2) / qty), nil
}

// gtinKeys are line meta keys that carry a GTIN. Core WooCommerce (9.2+)
// keeps the GTIN on the product (global_unique_id, meta _global_unique_id)
// and does not copy it to order lines; plugins that do use these keys.
var gtinKeys = map[string]bool{"_global_unique_id": true, "global_unique_id": true, "_gtin": true, "gtin": true}

func (li *lineItemPayload) gtin() string {
	for _, m := range li.MetaData {
		if !gtinKeys[strings.ToLower(strings.TrimSpace(m.Key))] {
			continue
		}
		if v, err := jsontext.Text(m.Key, m.Value); err == nil && v != "" {
			return v
		}
	}
	return ""
}

func requireGMT(field, s string) (time.Time, error) {
	t, err := parseGMT(field, s)
	if err != nil {
		return time.Time{}, err
	}
	if t.IsZero() {
		return time.Time{}, fmt.Errorf("%s is missing", field)
	}
	return t, nil
}
