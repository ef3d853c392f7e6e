package fakebigcommerce

import (
	"fmt"
	"strings"
	"time"

	"github.com/consign/consign/app/money"
)

// The V2 shapes below follow the docs' examples (orders.v2 reference:
// GET /v2/orders/{id}, /products, /shipping_addresses, shipments), field
// for field, with values a fresh store would have.

type resource struct {
	URL      string `json:"url"`
	Resource string `json:"resource"`
}

type billingAddress struct {
	FirstName   string      `json:"first_name"`
	LastName    string      `json:"last_name"`
	Company     string      `json:"company"`
	Street1     string      `json:"street_1"`
	Street2     string      `json:"street_2"`
	City        string      `json:"city"`
	State       string      `json:"state"`
	Zip         string      `json:"zip"`
	Country     string      `json:"country"`
	CountryISO2 string      `json:"country_iso2"`
	Phone       string      `json:"phone"`
	Email       string      `json:"email"`
	FormFields  []formField `json:"form_fields,omitempty"`
}

type formField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type orderJSON struct {
	ID                     int64          `json:"id"`
	CustomerID             int64          `json:"customer_id"`
	DateCreated            string         `json:"date_created"`
	DateModified           string         `json:"date_modified"`
	DateShipped            string         `json:"date_shipped"`
	StatusID               int            `json:"status_id"`
	Status                 string         `json:"status"`
	SubtotalExTax          string         `json:"subtotal_ex_tax"`
	SubtotalIncTax         string         `json:"subtotal_inc_tax"`
	SubtotalTax            string         `json:"subtotal_tax"`
	BaseShippingCost       string         `json:"base_shipping_cost"`
	ShippingCostExTax      string         `json:"shipping_cost_ex_tax"`
	ShippingCostIncTax     string         `json:"shipping_cost_inc_tax"`
	ShippingCostTax        string         `json:"shipping_cost_tax"`
	ShippingCostTaxClassID int            `json:"shipping_cost_tax_class_id"`
	BaseHandlingCost       string         `json:"base_handling_cost"`
	HandlingCostExTax      string         `json:"handling_cost_ex_tax"`
	HandlingCostIncTax     string         `json:"handling_cost_inc_tax"`
	HandlingCostTax        string         `json:"handling_cost_tax"`
	HandlingCostTaxClassID int            `json:"handling_cost_tax_class_id"`
	BaseWrappingCost       string         `json:"base_wrapping_cost"`
	WrappingCostExTax      string         `json:"wrapping_cost_ex_tax"`
	WrappingCostIncTax     string         `json:"wrapping_cost_inc_tax"`
	WrappingCostTax        string         `json:"wrapping_cost_tax"`
	WrappingCostTaxClassID int            `json:"wrapping_cost_tax_class_id"`
	TotalExTax             string         `json:"total_ex_tax"`
	TotalIncTax            string         `json:"total_inc_tax"`
	TotalTax               string         `json:"total_tax"`
	IsTaxInclusivePricing  bool           `json:"is_tax_inclusive_pricing"`
	ItemsTotal             int            `json:"items_total"`
	ItemsShipped           int            `json:"items_shipped"`
	PaymentMethod          string         `json:"payment_method"`
	PaymentProviderID      string         `json:"payment_provider_id"`
	PaymentStatus          string         `json:"payment_status"`
	RefundedAmount         string         `json:"refunded_amount"`
	OrderIsDigital         bool           `json:"order_is_digital"`
	StoreCreditAmount      string         `json:"store_credit_amount"`
	GiftCertificateAmount  string         `json:"gift_certificate_amount"`
	IPAddress              string         `json:"ip_address"`
	IPAddressV6            string         `json:"ip_address_v6"`
	GeoIPCountry           string         `json:"geoip_country"`
	GeoIPCountryISO2       string         `json:"geoip_country_iso2"`
	CurrencyID             int            `json:"currency_id"`
	CurrencyCode           string         `json:"currency_code"`
	CurrencyExchangeRate   string         `json:"currency_exchange_rate"`
	DefaultCurrencyID      int            `json:"default_currency_id"`
	DefaultCurrencyCode    string         `json:"default_currency_code"`
	StaffNotes             string         `json:"staff_notes"`
	CustomerMessage        string         `json:"customer_message"`
	DiscountAmount         string         `json:"discount_amount"`
	CouponDiscount         string         `json:"coupon_discount"`
	ShippingAddressCount   int            `json:"shipping_address_count"`
	EbayOrderID            string         `json:"ebay_order_id"`
	CartID                 string         `json:"cart_id"`
	BillingAddress         billingAddress `json:"billing_address"`
	IsEmailOptIn           bool           `json:"is_email_opt_in"`
	CreditCardType         *string        `json:"credit_card_type"`
	OrderSource            string         `json:"order_source"`
	ChannelID              int            `json:"channel_id"`
	ExternalSource         *string        `json:"external_source"`
	Products               resource       `json:"products"`
	ShippingAddresses      resource       `json:"shipping_addresses"`
	Coupons                resource       `json:"coupons"`
	ExternalID             *string        `json:"external_id"`
	ExternalMerchantID     *string        `json:"external_merchant_id"`
	TaxProviderID          string         `json:"tax_provider_id"`
	StoreDefaultCurrency   string         `json:"store_default_currency_code"`
	StoreDefaultToTxRate   string         `json:"store_default_to_transactional_exchange_rate"`
	CustomStatus           string         `json:"custom_status"`
	CustomerLocale         string         `json:"customer_locale"`
	ExternalOrderID        string         `json:"external_order_id"`
	Fees                   []any          `json:"fees"`
}

type productJSON struct {
	ID                    int64   `json:"id"`
	OrderID               int64   `json:"order_id"`
	ProductID             int64   `json:"product_id"`
	VariantID             int64   `json:"variant_id,omitempty"`
	OrderAddressID        int64   `json:"order_address_id"`
	Name                  string  `json:"name"`
	NameCustomer          string  `json:"name_customer"`
	NameMerchant          string  `json:"name_merchant"`
	SKU                   string  `json:"sku"`
	UPC                   string  `json:"upc"`
	Type                  string  `json:"type"`
	BasePrice             string  `json:"base_price"`
	PriceExTax            string  `json:"price_ex_tax"`
	PriceIncTax           string  `json:"price_inc_tax"`
	PriceTax              string  `json:"price_tax"`
	BaseTotal             string  `json:"base_total"`
	TotalExTax            string  `json:"total_ex_tax"`
	TotalIncTax           string  `json:"total_inc_tax"`
	TotalTax              string  `json:"total_tax"`
	Weight                string  `json:"weight"`
	Width                 string  `json:"width"`
	Height                string  `json:"height"`
	Depth                 string  `json:"depth"`
	Quantity              int     `json:"quantity"`
	BaseCostPrice         string  `json:"base_cost_price"`
	CostPriceIncTax       string  `json:"cost_price_inc_tax"`
	CostPriceExTax        string  `json:"cost_price_ex_tax"`
	CostPriceTax          string  `json:"cost_price_tax"`
	IsRefunded            bool    `json:"is_refunded"`
	QuantityRefunded      int     `json:"quantity_refunded"`
	RefundAmount          string  `json:"refund_amount"`
	ReturnID              int     `json:"return_id"`
	WrappingID            int     `json:"wrapping_id"`
	WrappingName          string  `json:"wrapping_name"`
	BaseWrappingCost      string  `json:"base_wrapping_cost"`
	WrappingCostExTax     string  `json:"wrapping_cost_ex_tax"`
	WrappingCostIncTax    string  `json:"wrapping_cost_inc_tax"`
	WrappingCostTax       string  `json:"wrapping_cost_tax"`
	WrappingMessage       string  `json:"wrapping_message"`
	QuantityShipped       int     `json:"quantity_shipped"`
	EventName             *string `json:"event_name"`
	EventDate             *string `json:"event_date"`
	FixedShippingCost     string  `json:"fixed_shipping_cost"`
	EbayItemID            string  `json:"ebay_item_id"`
	EbayTransactionID     string  `json:"ebay_transaction_id"`
	OptionSetID           *int64  `json:"option_set_id"`
	ParentOrderProductID  *int64  `json:"parent_order_product_id"`
	IsBundledProduct      bool    `json:"is_bundled_product"`
	BinPickingNumber      string  `json:"bin_picking_number"`
	ExternalID            *string `json:"external_id"`
	Brand                 string  `json:"brand"`
	AppliedDiscounts      []any   `json:"applied_discounts"`
	ProductOptions        []any   `json:"product_options"`
	ConfigurableFields    []any   `json:"configurable_fields"`
	GiftCertificateID     *int64  `json:"gift_certificate_id"`
	DiscountedTotalIncTax string  `json:"discounted_total_inc_tax"`
}

type addressJSON struct {
	ID                     int64       `json:"id"`
	OrderID                int64       `json:"order_id"`
	FirstName              string      `json:"first_name"`
	LastName               string      `json:"last_name"`
	Company                string      `json:"company"`
	Street1                string      `json:"street_1"`
	Street2                string      `json:"street_2"`
	City                   string      `json:"city"`
	Zip                    string      `json:"zip"`
	Country                string      `json:"country"`
	CountryISO2            string      `json:"country_iso2"`
	State                  string      `json:"state"`
	Email                  string      `json:"email"`
	Phone                  string      `json:"phone"`
	ItemsTotal             int         `json:"items_total"`
	ItemsShipped           int         `json:"items_shipped"`
	ShippingMethod         string      `json:"shipping_method"`
	BaseCost               string      `json:"base_cost"`
	CostExTax              string      `json:"cost_ex_tax"`
	CostIncTax             string      `json:"cost_inc_tax"`
	CostTax                string      `json:"cost_tax"`
	CostTaxClassID         int         `json:"cost_tax_class_id"`
	BaseHandlingCost       string      `json:"base_handling_cost"`
	HandlingCostExTax      string      `json:"handling_cost_ex_tax"`
	HandlingCostIncTax     string      `json:"handling_cost_inc_tax"`
	HandlingCostTax        string      `json:"handling_cost_tax"`
	HandlingCostTaxClassID int         `json:"handling_cost_tax_class_id"`
	ShippingZoneID         int         `json:"shipping_zone_id"`
	ShippingZoneName       string      `json:"shipping_zone_name"`
	ShippingQuotes         resource    `json:"shipping_quotes"`
	FormFields             []formField `json:"form_fields"`
}

type shipmentAddressJSON struct {
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	Company     string `json:"company"`
	Street1     string `json:"street_1"`
	Street2     string `json:"street_2"`
	City        string `json:"city"`
	State       string `json:"state"`
	Zip         string `json:"zip"`
	Country     string `json:"country"`
	CountryISO2 string `json:"country_iso2"`
	Phone       string `json:"phone"`
	Email       string `json:"email"`
}

type shipmentJSON struct {
	ID                          int64               `json:"id"`
	OrderID                     int64               `json:"order_id"`
	CustomerID                  int64               `json:"customer_id"`
	OrderAddressID              int64               `json:"order_address_id"`
	DateCreated                 string              `json:"date_created"`
	TrackingNumber              string              `json:"tracking_number"`
	MerchantShippingCost        string              `json:"merchant_shipping_cost"`
	ShippingMethod              string              `json:"shipping_method"`
	Comments                    string              `json:"comments"`
	ShippingProvider            string              `json:"shipping_provider"`
	TrackingCarrier             string              `json:"tracking_carrier"`
	TrackingLink                string              `json:"tracking_link"`
	BillingAddress              shipmentAddressJSON `json:"billing_address"`
	ShippingAddress             shipmentAddressJSON `json:"shipping_address"`
	Items                       []shipmentItemJSON  `json:"items"`
	ShippingProviderDisplayName string              `json:"shipping_provider_display_name"`
	GeneratedTrackingLink       string              `json:"generated_tracking_link"`
}

type shipmentItemJSON struct {
	OrderProductID int64 `json:"order_product_id"`
	ProductID      int64 `json:"product_id"`
	Quantity       int   `json:"quantity"`
}

// v2Date is the V2 date format: RFC 2822 with a numeric zone.
func v2Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC1123Z)
}

// amount4 writes an amount with the four decimal places V2 uses.
func amount4(a money.Amount, currency string) string {
	s := a.Format(currency)
	whole, frac, _ := strings.Cut(s, ".")
	return whole + "." + (frac + "0000")[:4]
}

func price(p Product, currency string) money.Amount {
	a, _ := money.Parse(p.Price, currency) // checked by AddOrder
	return a
}

func (s *Server) renderOrder(hash string, o *order) orderJSON {
	zero := amount4(0, o.Currency)
	var subtotal money.Amount
	items, shipped, digital := 0, 0, true
	for _, p := range o.Products {
		subtotal += price(p, o.Currency) * money.Amount(p.Quantity)
		items += p.Quantity
		shipped += p.QuantityShipped
		digital = digital && p.Type != "physical"
	}
	total := amount4(subtotal, o.Currency)
	base := fmt.Sprintf("https://api.bigcommerce.com/stores/%s/v2/orders/%d", hash, o.ID)
	path := fmt.Sprintf("/orders/%d", o.ID)
	return orderJSON{
		ID: o.ID, CustomerID: 0,
		DateCreated: v2Date(o.created), DateModified: v2Date(o.DateModified), DateShipped: v2Date(o.shipped),
		StatusID: o.StatusID, Status: o.Status,
		SubtotalExTax: total, SubtotalIncTax: total, SubtotalTax: zero,
		BaseShippingCost: zero, ShippingCostExTax: zero, ShippingCostIncTax: zero, ShippingCostTax: zero,
		BaseHandlingCost: zero, HandlingCostExTax: zero, HandlingCostIncTax: zero, HandlingCostTax: zero,
		BaseWrappingCost: zero, WrappingCostExTax: zero, WrappingCostIncTax: zero, WrappingCostTax: zero,
		TotalExTax: total, TotalIncTax: total, TotalTax: zero,
		ItemsTotal: items, ItemsShipped: shipped,
		PaymentMethod: "Credit Card", PaymentStatus: o.PaymentStatus,
		RefundedAmount: zero, OrderIsDigital: digital, StoreCreditAmount: zero, GiftCertificateAmount: zero,
		CurrencyID: 1, CurrencyCode: o.Currency, CurrencyExchangeRate: "1.0000000000",
		DefaultCurrencyID: 1, DefaultCurrencyCode: o.Currency,
		DiscountAmount: zero, CouponDiscount: zero,
		ShippingAddressCount: 1 + len(o.ExtraShipTo), EbayOrderID: "0",
		CartID: fmt.Sprintf("00000000-0000-4000-8000-%012d", o.ID),
		BillingAddress: billingAddress{
			FirstName: o.ShipTo.FirstName, LastName: o.ShipTo.LastName, Company: o.ShipTo.Company,
			Street1: o.ShipTo.Street1, Street2: o.ShipTo.Street2, City: o.ShipTo.City, State: o.ShipTo.State,
			Zip: o.ShipTo.Zip, Country: o.ShipTo.Country, CountryISO2: o.ShipTo.CountryISO2,
			Phone: o.ShipTo.Phone, Email: o.Email, FormFields: []formField{},
		},
		OrderSource: "www", ChannelID: 1,
		Products:          resource{base + "/products", path + "/products"},
		ShippingAddresses: resource{base + "/shippingaddresses", path + "/shippingaddresses"},
		Coupons:           resource{base + "/coupons", path + "/coupons"},
		TaxProviderID:     "BasicTaxProvider", StoreDefaultToTxRate: "1.0000000000",
		CustomStatus: o.Status, CustomerLocale: "en", Fees: []any{},
	}
}

func renderProduct(o *order, p Product) productJSON {
	zero := amount4(0, o.Currency)
	unit := price(p, o.Currency)
	each := amount4(unit, o.Currency)
	line := amount4(unit*money.Amount(p.Quantity), o.Currency)
	return productJSON{
		ID: p.ID, OrderID: o.ID, ProductID: p.ProductID, VariantID: p.VariantID, OrderAddressID: p.OrderAddressID,
		Name: p.Name, NameCustomer: p.Name, NameMerchant: p.Name, SKU: p.SKU, UPC: p.UPC, Type: p.Type,
		BasePrice: each, PriceExTax: each, PriceIncTax: each, PriceTax: zero,
		BaseTotal: line, TotalExTax: line, TotalIncTax: line, TotalTax: zero,
		Weight: "1.0000", Width: "0.0000", Height: "0.0000", Depth: "0.0000",
		Quantity: p.Quantity, BaseCostPrice: zero, CostPriceIncTax: zero, CostPriceExTax: zero, CostPriceTax: zero,
		RefundAmount: zero, BaseWrappingCost: zero, WrappingCostExTax: zero, WrappingCostIncTax: zero, WrappingCostTax: zero,
		QuantityShipped: p.QuantityShipped, FixedShippingCost: zero, Brand: "",
		AppliedDiscounts: []any{}, ProductOptions: []any{}, ConfigurableFields: []any{},
		DiscountedTotalIncTax: line,
	}
}

func renderAddress(hash string, o *order, a Address) addressJSON {
	zero := amount4(0, o.Currency)
	items, shipped := 0, 0
	for _, p := range o.Products {
		if p.OrderAddressID == a.ID {
			items += p.Quantity
			shipped += p.QuantityShipped
		}
	}
	quotes := fmt.Sprintf("/orders/%d/shippingaddresses/%d/shippingquotes", o.ID, a.ID)
	return addressJSON{
		ID: a.ID, OrderID: o.ID, FirstName: a.FirstName, LastName: a.LastName, Company: a.Company,
		Street1: a.Street1, Street2: a.Street2, City: a.City, Zip: a.Zip, Country: a.Country,
		CountryISO2: a.CountryISO2, State: a.State, Email: a.Email, Phone: a.Phone,
		ItemsTotal: items, ItemsShipped: shipped, ShippingMethod: "Free Shipping",
		BaseCost: zero, CostExTax: zero, CostIncTax: zero, CostTax: zero,
		BaseHandlingCost: zero, HandlingCostExTax: zero, HandlingCostIncTax: zero, HandlingCostTax: zero,
		ShippingZoneID: 1, ShippingZoneName: "United States",
		ShippingQuotes: resource{"https://api.bigcommerce.com/stores/" + hash + "/v2" + quotes, quotes},
		FormFields:     []formField{},
	}
}

func renderShipment(o *order, sh Shipment) shipmentJSON {
	addr, _ := o.address(sh.OrderAddressID)
	items := make([]shipmentItemJSON, len(sh.Items))
	for i, it := range sh.Items {
		items[i] = shipmentItemJSON{OrderProductID: it.OrderProductID, ProductID: it.ProductID, Quantity: it.Quantity}
	}
	return shipmentJSON{
		ID: sh.ID, OrderID: o.ID, OrderAddressID: sh.OrderAddressID, DateCreated: v2Date(sh.DateCreated),
		TrackingNumber: sh.TrackingNumber, MerchantShippingCost: amount4(0, o.Currency), ShippingMethod: "None",
		Comments: sh.Comments, ShippingProvider: sh.ShippingProvider, TrackingCarrier: sh.TrackingCarrier,
		TrackingLink: sh.TrackingLink, BillingAddress: shipmentAddress(o.ShipTo, o.Email),
		ShippingAddress: shipmentAddress(addr, addr.Email), Items: items,
		ShippingProviderDisplayName: strings.ToUpper(sh.ShippingProvider),
	}
}

func shipmentAddress(a Address, email string) shipmentAddressJSON {
	return shipmentAddressJSON{
		FirstName: a.FirstName, LastName: a.LastName, Company: a.Company, Street1: a.Street1, Street2: a.Street2,
		City: a.City, State: a.State, Zip: a.Zip, Country: a.Country, CountryISO2: a.CountryISO2,
		Phone: a.Phone, Email: email,
	}
}
