package fakewoocommerce

import (
	"strconv"
	"strings"

	"github.com/consign/consign/app/money"
)

// The REST v3 order shape of WooCommerce 8-9 (compare the fixture
// webhook_order_created_body_pipedream_test_event.json), in its field order.
type wireOrder struct {
	ID                 int64          `json:"id"`
	ParentID           int64          `json:"parent_id"`
	Status             string         `json:"status"`
	Currency           string         `json:"currency"`
	Version            string         `json:"version"`
	PricesIncludeTax   bool           `json:"prices_include_tax"`
	DateCreated        string         `json:"date_created"`
	DateModified       string         `json:"date_modified"`
	DiscountTotal      string         `json:"discount_total"`
	DiscountTax        string         `json:"discount_tax"`
	ShippingTotal      string         `json:"shipping_total"`
	ShippingTax        string         `json:"shipping_tax"`
	CartTax            string         `json:"cart_tax"`
	Total              string         `json:"total"`
	TotalTax           string         `json:"total_tax"`
	CustomerID         int64          `json:"customer_id"`
	OrderKey           string         `json:"order_key"`
	Billing            wireAddress    `json:"billing"`
	Shipping           wireAddress    `json:"shipping"`
	PaymentMethod      string         `json:"payment_method"`
	PaymentMethodTitle string         `json:"payment_method_title"`
	TransactionID      string         `json:"transaction_id"`
	CustomerIPAddress  string         `json:"customer_ip_address"`
	CustomerUserAgent  string         `json:"customer_user_agent"`
	CreatedVia         string         `json:"created_via"`
	CustomerNote       string         `json:"customer_note"`
	DateCompleted      *string        `json:"date_completed"`
	DatePaid           *string        `json:"date_paid"`
	CartHash           string         `json:"cart_hash"`
	Number             string         `json:"number"`
	MetaData           []wireMeta     `json:"meta_data"`
	LineItems          []wireLineItem `json:"line_items"`
	TaxLines           []any          `json:"tax_lines"`
	ShippingLines      []any          `json:"shipping_lines"`
	FeeLines           []any          `json:"fee_lines"`
	CouponLines        []any          `json:"coupon_lines"`
	Refunds            []any          `json:"refunds"`
	PaymentURL         string         `json:"payment_url"`
	IsEditable         bool           `json:"is_editable"`
	NeedsPayment       bool           `json:"needs_payment"`
	NeedsProcessing    bool           `json:"needs_processing"`
	DateCreatedGMT     string         `json:"date_created_gmt"`
	DateModifiedGMT    string         `json:"date_modified_gmt"`
	DateCompletedGMT   *string        `json:"date_completed_gmt"`
	DatePaidGMT        *string        `json:"date_paid_gmt"`
	CurrencySymbol     string         `json:"currency_symbol"`
	Links              map[string]any `json:"_links"`
}

// wireAddress is billing (with email) or shipping (with phone, no email).
type wireAddress struct {
	FirstName string  `json:"first_name"`
	LastName  string  `json:"last_name"`
	Company   string  `json:"company"`
	Address1  string  `json:"address_1"`
	Address2  string  `json:"address_2"`
	City      string  `json:"city"`
	State     string  `json:"state"`
	Postcode  string  `json:"postcode"`
	Country   string  `json:"country"`
	Email     *string `json:"email,omitempty"`
	Phone     string  `json:"phone"`
}

type wireMeta struct {
	ID    int64  `json:"id"`
	Key   string `json:"key"`
	Value string `json:"value"`
}

type wireLineItem struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	ProductID   int64      `json:"product_id"`
	VariationID int64      `json:"variation_id"`
	Quantity    int        `json:"quantity"`
	TaxClass    string     `json:"tax_class"`
	Subtotal    string     `json:"subtotal"`
	SubtotalTax string     `json:"subtotal_tax"`
	Total       string     `json:"total"`
	TotalTax    string     `json:"total_tax"`
	Taxes       []any      `json:"taxes"`
	MetaData    []wireMeta `json:"meta_data"`
	SKU         *string    `json:"sku"`
	Price       phpNumber  `json:"price"`
	Image       wireImage  `json:"image"`
	ParentName  *string    `json:"parent_name"`
}

type wireImage struct {
	ID  string `json:"id"`
	Src string `json:"src"`
}

// phpNumber is a decimal written as PHP writes a float or int: "3", "12.5".
type phpNumber string

func (n phpNumber) MarshalJSON() ([]byte, error) { return []byte(n), nil }

// render builds the REST shape of o. The caller holds mu.
func (s *Server) render(o *order) wireOrder {
	cur := o.Currency
	var total money.Amount
	lines := make([]wireLineItem, 0, len(o.Lines))
	for _, l := range o.Lines {
		unit, _ := money.Parse(l.Price, cur) // checked by AddOrder
		sub := unit * money.Amount(l.Quantity)
		total += sub
		lines = append(lines, wireLineItem{
			ID: l.ID, Name: l.Name, ProductID: l.ProductID, VariationID: l.VariationID,
			Quantity: l.Quantity, Subtotal: sub.Format(cur), SubtotalTax: zero(cur),
			Total: sub.Format(cur), TotalTax: zero(cur), Taxes: []any{}, MetaData: []wireMeta{},
			SKU: l.SKU, Price: phpNumber(trimDecimal(unit.Format(cur))), Image: wireImage{},
		})
	}
	email := o.Email
	billing := address(o.Billing)
	billing.Email = &email
	key := "wc_order_" + strconv.FormatInt(o.ID*7919, 36)
	base := s.URL
	w := wireOrder{
		ID: o.ID, Status: o.Status, Currency: cur, Version: "9.9.3",
		DateCreated: stamp(o.created), DateModified: stamp(o.DateModified),
		DiscountTotal: zero(cur), DiscountTax: zero(cur), ShippingTotal: zero(cur), ShippingTax: zero(cur),
		CartTax: zero(cur), Total: total.Format(cur), TotalTax: zero(cur),
		OrderKey: key, Billing: billing, Shipping: address(o.Shipping),
		PaymentMethod: "bacs", PaymentMethodTitle: "Direct bank transfer",
		CustomerIPAddress: "127.0.0.1", CustomerUserAgent: "Mozilla/5.0 (X11; Linux x86_64)", CreatedVia: "checkout",
		Number:    o.Number,
		MetaData:  []wireMeta{{ID: o.ID*10 + 1, Key: "is_vat_exempt", Value: "no"}},
		LineItems: lines, TaxLines: []any{}, ShippingLines: []any{}, FeeLines: []any{}, CouponLines: []any{}, Refunds: []any{},
		PaymentURL:      base + "/checkout/order-pay/" + strconv.FormatInt(o.ID, 10) + "/?pay_for_order=true&key=" + key,
		IsEditable:      o.Status == "pending" || o.Status == "on-hold",
		NeedsPayment:    o.Status == "pending" || o.Status == "failed",
		NeedsProcessing: true,
		DateCreatedGMT:  stamp(o.created), DateModifiedGMT: stamp(o.DateModified),
		CurrencySymbol: currencySymbol(cur),
		Links: map[string]any{
			"self":       []map[string]string{{"href": base + "/wp-json/wc/v3/orders/" + strconv.FormatInt(o.ID, 10)}},
			"collection": []map[string]string{{"href": base + "/wp-json/wc/v3/orders"}},
		},
	}
	if !o.paid.IsZero() {
		p := stamp(o.paid)
		w.DatePaid, w.DatePaidGMT = &p, &p
	}
	if !o.completed.IsZero() {
		c := stamp(o.completed)
		w.DateCompleted, w.DateCompletedGMT = &c, &c
	}
	return w
}

func address(a Address) wireAddress {
	return wireAddress{
		FirstName: a.FirstName, LastName: a.LastName, Company: a.Company,
		Address1: a.Address1, Address2: a.Address2, City: a.City, State: a.State,
		Postcode: a.Postcode, Country: a.Country, Phone: a.Phone,
	}
}

func zero(currency string) string { return money.Amount(0).Format(currency) }

// trimDecimal writes "12.50" as PHP prints the float 12.5, and "3.00" as 3.
func trimDecimal(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func currencySymbol(cur string) string {
	switch cur {
	case "USD", "CAD", "AUD":
		return "$"
	case "EUR":
		return "€"
	case "GBP":
		return "£"
	case "JPY":
		return "¥"
	}
	return cur
}
