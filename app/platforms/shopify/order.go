package shopify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/consign/consign/app/canonical"
	"github.com/consign/consign/app/money"
	"github.com/consign/consign/app/platforms/jsontext"
)

// Platform is the canonical.Order.Platform value of Shopify orders.
const Platform = "shopify"

// orderPayload is the part of an orders/* webhook body Consign reads.
// Numbers that matter (ids, quantities, prices) stay raw JSON so they are
// parsed from their exact text: Shopify ids exceed 2^53 and a float64 would
// silently change them.
type orderPayload struct {
	ID              json.RawMessage   `json:"id"`
	GID             string            `json:"admin_graphql_api_id"`
	Name            string            `json:"name"`
	OrderNumber     json.RawMessage   `json:"order_number"`
	Currency        string            `json:"currency"`
	FinancialStatus string            `json:"financial_status"`
	CancelledAt     string            `json:"cancelled_at"`
	UpdatedAt       string            `json:"updated_at"`
	Email           string            `json:"email"`
	ContactEmail    string            `json:"contact_email"`
	ShippingAddress *addressPayload   `json:"shipping_address"`
	LineItems       []lineItemPayload `json:"line_items"`
}

type addressPayload struct {
	Name         string `json:"name"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name"`
	Company      string `json:"company"`
	Address1     string `json:"address1"`
	Address2     string `json:"address2"`
	City         string `json:"city"`
	Province     string `json:"province"`
	ProvinceCode string `json:"province_code"`
	Zip          string `json:"zip"`
	Country      string `json:"country"`
	CountryCode  string `json:"country_code"`
	Phone        string `json:"phone"`
}

type lineItemPayload struct {
	ID                  json.RawMessage `json:"id"`
	VariantID           json.RawMessage `json:"variant_id"`
	ProductID           json.RawMessage `json:"product_id"`
	SKU                 string          `json:"sku"`
	Title               string          `json:"title"`
	VariantTitle        string          `json:"variant_title"`
	Name                string          `json:"name"`
	Quantity            json.RawMessage `json:"quantity"`
	FulfillableQuantity json.RawMessage `json:"fulfillable_quantity"`
	Price               json.RawMessage `json:"price"`
	RequiresShipping    bool            `json:"requires_shipping"`
	GiftCard            bool            `json:"gift_card"`
}

// TranslateOrder turns the body of an orders/* webhook into a canonical order.
// Its errors say what is wrong with the body in words an operator can act on.
func TranslateOrder(body []byte) (canonical.Order, error) {
	var p orderPayload
	if err := decodeObject(body, &p); err != nil {
		return canonical.Order{}, fmt.Errorf("shopify order: %w", err)
	}
	o, err := p.canonical()
	if err != nil {
		return canonical.Order{}, fmt.Errorf("shopify order: %w", err)
	}
	return o, nil
}

func (p *orderPayload) canonical() (canonical.Order, error) {
	id, err := parseID("id", p.ID)
	if err != nil {
		return canonical.Order{}, err
	}
	if id == "" {
		return canonical.Order{}, errors.New("id is missing")
	}
	o := canonical.Order{
		Platform:        Platform,
		ExternalID:      id,
		GID:             p.GID,
		Name:            p.Name,
		Currency:        strings.ToUpper(strings.TrimSpace(p.Currency)),
		FinancialStatus: financialStatus(p.FinancialStatus),
		CustomerEmail:   strings.TrimSpace(p.Email),
	}
	if o.GID == "" {
		o.GID = "gid://shopify/Order/" + id
	} else if !strings.HasPrefix(o.GID, "gid://shopify/Order/") {
		return canonical.Order{}, fmt.Errorf("admin_graphql_api_id %q is not an order GID", o.GID)
	}
	if o.CustomerEmail == "" {
		o.CustomerEmail = strings.TrimSpace(p.ContactEmail)
	}
	if !jsontext.CurrencyCode(o.Currency) {
		return canonical.Order{}, fmt.Errorf("currency %q is not an ISO 4217 code", p.Currency)
	}
	if n, ok, err := jsontext.Whole("order_number", p.OrderNumber); err != nil {
		return canonical.Order{}, err
	} else if ok {
		o.Number = n
	}
	if t, err := parseTime("cancelled_at", p.CancelledAt); err != nil {
		return canonical.Order{}, err
	} else if !t.IsZero() {
		o.CancelledAt = &t
	}
	// A missing updated_at leaves the zero time: the oldest possible, so any
	// dated update wins over it.
	if o.UpdatedAt, err = parseTime("updated_at", p.UpdatedAt); err != nil {
		return canonical.Order{}, err
	}
	if p.ShippingAddress != nil {
		o.ShipTo = p.ShippingAddress.canonical()
	}
	for i := range p.LineItems {
		l, err := p.LineItems[i].canonical(o.Currency)
		if err != nil {
			return canonical.Order{}, fmt.Errorf("line_items[%d]: %w", i, err)
		}
		o.Lines = append(o.Lines, l)
	}
	return o, nil
}

func (a *addressPayload) canonical() canonical.Address {
	name := strings.TrimSpace(a.Name)
	if name == "" {
		name = strings.TrimSpace(a.FirstName + " " + a.LastName)
	}
	return canonical.Address{
		Name:         name,
		Company:      a.Company,
		Address1:     a.Address1,
		Address2:     a.Address2,
		City:         a.City,
		Province:     a.Province,
		ProvinceCode: a.ProvinceCode,
		Zip:          a.Zip,
		Country:      a.Country,
		CountryCode:  a.CountryCode,
		Phone:        a.Phone,
	}
}

func (li *lineItemPayload) canonical(currency string) (canonical.Line, error) {
	var l canonical.Line
	var err error
	if l.ExternalID, err = parseID("id", li.ID); err != nil {
		return l, err
	}
	if l.ExternalID == "" {
		return l, errors.New("id is missing")
	}
	// variant_id is null when the merchant deleted the variant; product_id
	// can be null too. Both are then left empty.
	if l.VariantID, err = parseID("variant_id", li.VariantID); err != nil {
		return l, err
	}
	if l.ProductID, err = parseID("product_id", li.ProductID); err != nil {
		return l, err
	}
	l.SKU = strings.TrimSpace(li.SKU)
	l.Title = li.title()
	l.RequiresShipping = li.RequiresShipping
	l.GiftCard = li.GiftCard

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
	if fq, ok, err := jsontext.Whole("fulfillable_quantity", li.FulfillableQuantity); err != nil {
		return l, err
	} else if ok {
		if l.FulfillableQuantity, err = jsontext.Int("fulfillable_quantity", fq); err != nil {
			return l, err
		}
		// Routing orders what is left to fulfil: more than was ordered
		// would have a supplier ship more than the customer bought.
		if l.FulfillableQuantity > l.Quantity {
			return l, fmt.Errorf("fulfillable_quantity %d is more than quantity %d", l.FulfillableQuantity, l.Quantity)
		}
	}

	price, err := jsontext.Text("price", li.Price)
	if err != nil {
		return l, err
	}
	if price == "" {
		return l, errors.New("price is missing")
	}
	if l.UnitPrice, err = money.Parse(price, currency); err != nil {
		return l, fmt.Errorf("price: %w", err)
	}
	if l.UnitPrice < 0 {
		return l, fmt.Errorf("price %s is negative", price)
	}
	return l, nil
}

// title is what a person would call the line: the product title, plus the
// variant title unless the product has only its default variant.
func (li *lineItemPayload) title() string {
	t := strings.TrimSpace(li.Title)
	if t == "" {
		return strings.TrimSpace(li.Name)
	}
	if v := strings.TrimSpace(li.VariantTitle); v != "" && v != "Default Title" {
		t += " - " + v
	}
	return t
}

// financialStatus maps Shopify's financial_status to the canonical values.
// Shopify's names are already the canonical ones; an unknown value is kept,
// lower-cased, so nothing is lost.
func financialStatus(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "pending":
		return canonical.FinancialPending
	case "authorized":
		return canonical.FinancialAuthorized
	case "partially_paid":
		return canonical.FinancialPartiallyPaid
	case "paid":
		return canonical.FinancialPaid
	case "partially_refunded":
		return canonical.FinancialPartiallyRefunded
	case "refunded":
		return canonical.FinancialRefunded
	case "voided":
		return canonical.FinancialVoided
	}
	return s
}

// decodeObject decodes a JSON object into v, with errors that name the JSON
// field rather than the Go one.
func decodeObject(body []byte, v any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return errors.New("body is empty")
	}
	var probe json.RawMessage
	if err := json.Unmarshal(trimmed, &probe); err != nil {
		return fmt.Errorf("body is not valid JSON: %v", err)
	}
	if trimmed[0] != '{' {
		return fmt.Errorf("body is JSON %s, not an object", jsontext.Kind(trimmed))
	}
	err := json.Unmarshal(trimmed, v)
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Errorf("field %s is a JSON %s, want %s", typ.Field, typ.Value, typ.Type.Kind())
	}
	if err != nil {
		return fmt.Errorf("decoding body: %w", err)
	}
	return nil
}

// parseID reads a Shopify numeric id from its JSON text: an integer literal or
// a string of digits. Null or absent gives "". Anything else, including a
// float such as 1.5e18 (which has lost digits), is an error.
func parseID(field string, raw json.RawMessage) (string, error) {
	text, err := jsontext.Text(field, raw)
	if err != nil || text == "" {
		return "", err
	}
	n, err := strconv.ParseUint(text, 10, 64)
	if err != nil || !jsontext.Digits(text) {
		return "", fmt.Errorf("%s %s is not a valid id: want a positive integer written exactly, not a float or other text", field, raw)
	}
	if n == 0 {
		return "", fmt.Errorf("%s is 0, which is not a valid id", field)
	}
	return strconv.FormatUint(n, 10), nil
}

func parseTime(field, s string) (time.Time, error) {
	if s = strings.TrimSpace(s); s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q is not an RFC 3339 time", field, s)
	}
	return t, nil
}
