// Package canonical defines the one order shape every platform translator
// produces. Nothing behind the platform edge sees a platform's own payload.
package canonical

import (
	"time"

	"github.com/consign/consign/app/money"
)

// Financial states, normalised across platforms.
const (
	FinancialPending           = "pending"
	FinancialAuthorized        = "authorized"
	FinancialPartiallyPaid     = "partially_paid"
	FinancialPaid              = "paid"
	FinancialPartiallyRefunded = "partially_refunded"
	FinancialRefunded          = "refunded"
	FinancialVoided            = "voided"
)

// Order is a retailer's sales order as Consign understands it.
type Order struct {
	Platform        string // "shopify", "bigcommerce", "woocommerce"
	ExternalID      string // the platform's order id, as decimal text
	GID             string // the platform's stable global id, when it has one
	Name            string // what the merchant calls it, e.g. "#1001"
	Number          int64
	Currency        string // ISO 4217
	FinancialStatus string // one of the Financial* constants
	CancelledAt     *time.Time
	CustomerEmail   string
	ShipTo          Address
	Lines           []Line
	UpdatedAt       time.Time // the platform's updated-at: newer wins
	// Status is the store's own order status as its merchant reads it
	// ("Awaiting Fulfillment", "processing"); empty when the platform has
	// none beyond the financial status.
	Status string
	// Hold, when not empty, says why the store does not yet want the order
	// fulfilled (its status is not the one that means paid and ready): the
	// order is stored but not routed until an update clears it.
	Hold string
}

// Line is one line item of an Order.
type Line struct {
	ExternalID          string
	VariantID           string // empty when the platform deleted the variant
	ProductID           string
	SKU                 string
	GTIN                string
	Title               string
	Quantity            int
	FulfillableQuantity int // what is still to ship; equals Quantity when unknown
	UnitPrice           money.Amount
	RequiresShipping    bool
	GiftCard            bool
}

// Address is a shipping destination.
type Address struct {
	Name         string `json:"name,omitempty"`
	Company      string `json:"company,omitempty"`
	Address1     string `json:"address1,omitempty"`
	Address2     string `json:"address2,omitempty"`
	City         string `json:"city,omitempty"`
	Province     string `json:"province,omitempty"`
	ProvinceCode string `json:"province_code,omitempty"`
	Zip          string `json:"zip,omitempty"`
	Country      string `json:"country,omitempty"`
	CountryCode  string `json:"country_code,omitempty"`
	Phone        string `json:"phone,omitempty"`
}

// Paid reports whether money has been captured for the order, in full or in part.
func (o *Order) Paid() bool {
	switch o.FinancialStatus {
	case FinancialPaid, FinancialPartiallyPaid, FinancialPartiallyRefunded:
		return true
	}
	return false
}

// Cancelled reports whether the platform cancelled the order.
func (o *Order) Cancelled() bool { return o.CancelledAt != nil }
