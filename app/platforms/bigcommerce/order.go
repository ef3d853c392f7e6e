package bigcommerce

import (
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

// Snapshot is what a job stores for one order: the three V2 answers, each
// verbatim (FetchOrder builds it). Webhook bodies only name the order.
type Snapshot struct {
	Order             json.RawMessage `json:"order"`              // GET /v2/orders/ID
	Products          json.RawMessage `json:"products"`           // GET /v2/orders/ID/products
	ShippingAddresses json.RawMessage `json:"shipping_addresses"` // GET /v2/orders/ID/shipping_addresses
}

// orderPayload is the part of a V2 order Consign reads.
type orderPayload struct {
	ID                  json.RawMessage `json:"id"`
	StatusID            json.RawMessage `json:"status_id"`
	Status              string          `json:"status"`
	PaymentStatus       string          `json:"payment_status"`
	DateModified        string          `json:"date_modified"`
	CurrencyCode        string          `json:"currency_code"`
	DefaultCurrencyCode string          `json:"default_currency_code"`
	BillingAddress      *struct {
		Email string `json:"email"`
	} `json:"billing_address"`
}

// productPayload is one order product (a line).
type productPayload struct {
	ID              json.RawMessage `json:"id"`
	OrderID         json.RawMessage `json:"order_id"`
	ProductID       json.RawMessage `json:"product_id"`
	VariantID       json.RawMessage `json:"variant_id"`
	OrderAddressID  json.RawMessage `json:"order_address_id"`
	Name            string          `json:"name"`
	SKU             string          `json:"sku"`
	UPC             string          `json:"upc"`
	GTIN            string          `json:"gtin"`
	Type            string          `json:"type"`
	BasePrice       json.RawMessage `json:"base_price"`
	PriceExTax      json.RawMessage `json:"price_ex_tax"`
	Quantity        json.RawMessage `json:"quantity"`
	QuantityShipped json.RawMessage `json:"quantity_shipped"`
}

// addressPayload is one order shipping address.
type addressPayload struct {
	ID          json.RawMessage `json:"id"`
	OrderID     json.RawMessage `json:"order_id"`
	FirstName   string          `json:"first_name"`
	LastName    string          `json:"last_name"`
	Company     string          `json:"company"`
	Street1     string          `json:"street_1"`
	Street2     string          `json:"street_2"`
	City        string          `json:"city"`
	State       string          `json:"state"`
	Zip         string          `json:"zip"`
	Country     string          `json:"country"`
	CountryISO2 string          `json:"country_iso2"`
	Phone       string          `json:"phone"`
}

// TranslateOrder turns a snapshot ({"order", "products",
// "shipping_addresses"}) into a canonical order. Its errors say what is
// wrong in words an operator can act on; an error never comes with a partly
// filled order.
func TranslateOrder(snapshot []byte) (canonical.Order, error) {
	o, err := translate(snapshot)
	if err != nil {
		return canonical.Order{}, fmt.Errorf("bigcommerce order: %w", err)
	}
	return o, nil
}

func translate(data []byte) (canonical.Order, error) {
	var snap Snapshot
	if err := decodeObject("snapshot", data, &snap); err != nil {
		return canonical.Order{}, err
	}
	if len(snap.Order) == 0 || string(snap.Order) == "null" {
		return canonical.Order{}, errors.New(`snapshot has no "order"`)
	}
	var p orderPayload
	if err := decodeObject("order", snap.Order, &p); err != nil {
		return canonical.Order{}, err
	}
	var products []productPayload
	if err := decodeArray("products", snap.Products, &products); err != nil {
		return canonical.Order{}, err
	}
	var addresses []addressPayload
	if err := decodeArray("shipping_addresses", snap.ShippingAddresses, &addresses); err != nil {
		return canonical.Order{}, err
	}

	id, ok, err := parseID("order id", p.ID)
	if err != nil {
		return canonical.Order{}, err
	}
	if !ok {
		return canonical.Order{}, errors.New("order id is missing")
	}
	statusID, err := quantity("status_id", p.StatusID, true)
	if err != nil {
		return canonical.Order{}, err
	}
	o := canonical.Order{
		Platform:        Platform,
		ExternalID:      strconv.FormatInt(id, 10),
		Name:            "#" + strconv.FormatInt(id, 10),
		Number:          id,
		Currency:        currency(p),
		FinancialStatus: financialStatus(statusID, p.PaymentStatus),
		Status:          strings.TrimSpace(p.Status),
		Hold:            hold(statusID, strings.TrimSpace(p.Status)),
	}
	if !jsontext.CurrencyCode(o.Currency) {
		return canonical.Order{}, fmt.Errorf("currency %q (default_currency_code %q, currency_code %q) is not an ISO 4217 code",
			o.Currency, p.DefaultCurrencyCode, p.CurrencyCode)
	}
	if p.BillingAddress != nil {
		o.CustomerEmail = strings.TrimSpace(p.BillingAddress.Email)
	}
	// A missing date_modified leaves the zero time: the oldest possible, so
	// any dated update wins over it.
	if o.UpdatedAt, err = parseDate("date_modified", p.DateModified); err != nil {
		return canonical.Order{}, err
	}
	if statusID == statusCancelled {
		// V2 orders carry no cancellation time; the status change is the
		// last modification.
		at := o.UpdatedAt
		o.CancelledAt = &at
	}
	for i := range addresses {
		if err := checkOrderID(fmt.Sprintf("shipping_addresses[%d]", i), addresses[i].OrderID, id); err != nil {
			return canonical.Order{}, err
		}
	}
	if len(addresses) > 0 {
		o.ShipTo = addresses[0].canonical()
	}
	for i := range products {
		l, err := products[i].canonical(id, o.Currency)
		if err != nil {
			return canonical.Order{}, fmt.Errorf("products[%d]: %w", i, err)
		}
		o.Lines = append(o.Lines, l)
	}
	return o, nil
}

// currency is the transactional currency, the one the shopper paid in and
// the order products are priced in: default_currency_code. currency_code is
// only the storefront's display currency (orders.v2 reference, "Currency
// Fields"); the two differ under multi-currency. Older payloads without
// default_currency_code fall back on currency_code.
func currency(p orderPayload) string {
	c := strings.ToUpper(strings.TrimSpace(p.DefaultCurrencyCode))
	if c == "" {
		c = strings.ToUpper(strings.TrimSpace(p.CurrencyCode))
	}
	return c
}

func (a *addressPayload) canonical() canonical.Address {
	return canonical.Address{
		Name:        strings.TrimSpace(strings.TrimSpace(a.FirstName) + " " + strings.TrimSpace(a.LastName)),
		Company:     strings.TrimSpace(a.Company),
		Address1:    strings.TrimSpace(a.Street1),
		Address2:    strings.TrimSpace(a.Street2),
		City:        strings.TrimSpace(a.City),
		Province:    strings.TrimSpace(a.State),
		Zip:         strings.TrimSpace(a.Zip),
		Country:     strings.TrimSpace(a.Country),
		CountryCode: strings.ToUpper(strings.TrimSpace(a.CountryISO2)),
		Phone:       strings.TrimSpace(a.Phone),
	}
}

func (li *productPayload) canonical(orderID int64, currency string) (canonical.Line, error) {
	var l canonical.Line
	id, ok, err := parseID("id", li.ID)
	if err != nil {
		return l, err
	}
	if !ok {
		return l, errors.New("id is missing")
	}
	if err := checkOrderID("product", li.OrderID, orderID); err != nil {
		return l, err
	}
	l.ExternalID = strconv.FormatInt(id, 10)
	// product_id is 0 for a custom product, variant_id 0 or absent for a
	// product without variants or a deleted variant: both stay empty then.
	if l.ProductID, err = optionalID("product_id", li.ProductID); err != nil {
		return l, err
	}
	if l.VariantID, err = optionalID("variant_id", li.VariantID); err != nil {
		return l, err
	}
	l.SKU = strings.TrimSpace(li.SKU)
	l.GTIN = strings.TrimSpace(li.UPC)
	if l.GTIN == "" {
		l.GTIN = strings.TrimSpace(li.GTIN)
	}
	l.Title = strings.TrimSpace(li.Name)
	// type is physical, digital or giftcertificate.
	typ := strings.ToLower(strings.TrimSpace(li.Type))
	l.RequiresShipping = typ == "physical"
	l.GiftCard = typ == "giftcertificate"

	if l.Quantity, err = quantity("quantity", li.Quantity, true); err != nil {
		return l, err
	}
	shipped, err := quantity("quantity_shipped", li.QuantityShipped, false)
	if err != nil {
		return l, err
	}
	l.FulfillableQuantity = max(l.Quantity-shipped, 0)

	// price_ex_tax is the unit price without tax whatever the store's tax
	// display setting; base_price is the price as the merchant entered it,
	// tax included in tax-inclusive stores. Suppliers invoice without tax.
	field, raw := "price_ex_tax", li.PriceExTax
	if text, _ := jsontext.Text(field, raw); text == "" {
		field, raw = "base_price", li.BasePrice
	}
	text, err := jsontext.Text(field, raw)
	if err != nil {
		return l, err
	}
	if text == "" {
		return l, errors.New("price_ex_tax and base_price are missing")
	}
	if l.UnitPrice, err = parseMoney(text, currency); err != nil {
		return l, fmt.Errorf("%s: %w", field, err)
	}
	return l, nil
}

// checkOrderID refuses a sub-resource that belongs to another order: a
// snapshot assembled from the wrong answers.
func checkOrderID(what string, raw json.RawMessage, orderID int64) error {
	got, ok, err := parseID(what+" order_id", raw)
	if err != nil {
		return err
	}
	if ok && got != orderID {
		return fmt.Errorf("%s belongs to order %d, not order %d", what, got, orderID)
	}
	return nil
}

func optionalID(field string, raw json.RawMessage) (string, error) {
	id, ok, err := parseID(field, raw)
	if err != nil || !ok {
		return "", err
	}
	return strconv.FormatInt(id, 10), nil
}

// parseMoney reads a V2 money string. BigCommerce keeps four decimal places
// ("55.9900"), and an ex-tax price derived from a tax-inclusive one has
// real digits there ("41.5743"): they are rounded half up to the currency's
// minor unit, on the decimal text. Negative amounts are refused.
func parseMoney(s, currency string) (money.Amount, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("amount %s is negative", s)
	}
	whole, frac, _ := strings.Cut(s, ".")
	exp := money.Exponent(currency)
	if len(frac) <= exp || !jsontext.Digits(frac) {
		return money.Parse(s, currency)
	}
	kept := whole
	if exp > 0 {
		kept += "." + frac[:exp]
	} else if kept == "" {
		kept = "0"
	}
	a, err := money.Parse(kept, currency)
	if err != nil {
		return 0, err
	}
	if frac[exp] >= '5' {
		a++
	}
	return a, nil
}

// parseDate reads a V2 date: RFC 2822 with a numeric zone, as in
// "Mon, 11 Mar 2019 15:17:25 +0000".
func parseDate(field, s string) (time.Time, error) {
	if s = strings.TrimSpace(s); s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC1123Z, time.RFC1123, time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%s %q is not an RFC 2822 date", field, s)
}
