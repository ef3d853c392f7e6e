// Package portal renders the supplier's pages: the PO inbox, a PO's detail
// with its actions, API keys and sign-in. The inbox and PO detail are
// content components with a URL prefix, so the embedded admin can show them
// to suppliers with their own store under its own layout and guard.
package portal

import (
	"fmt"
	"net/url"

	"github.com/consign/consign/views/parts"
)

// CSRFField is the form field the portal's CSRF check reads.
const CSRFField = "_csrf"

// StateFilter is one tab of the inbox's state filter.
type StateFilter struct {
	State  string // "" for every state
	Label  string
	Count  int
	Active bool
}

// InboxRow is one PO line of the inbox, ready to show.
type InboxRow struct {
	ID        int64
	Number    string
	Retailer  string
	OrderName string
	State     string
	Lines     int
	Total     string // formatted with its currency
	Created   string
}

// InboxProps are what the inbox shows.
type InboxProps struct {
	// Prefix starts every link ("/portal", or the admin's mount point).
	Prefix    string
	Filters   []StateFilter
	Rows      []InboxRow
	NextURL   string // next page, "" on the last
	ExportURL string // CSV of open POs, "" to hide the link
}

// POURL is a PO's page under prefix.
func POURL(prefix string, id int64) string { return fmt.Sprintf("%s/purchase-orders/%d", prefix, id) }

// LineView is one PO line, ready to show.
type LineView struct {
	ID        int64
	SKU       string
	Title     string
	Quantity  int
	Unshipped int
	Cost      string
	Subtotal  string
	State     string
	Reason    string
}

// EventView is one history row.
type EventView struct {
	At     string
	From   string
	To     string
	Reason string
	Actor  string
}

// Summary says what happened: "Sent → Accepted: reason".
func (e EventView) Summary() string {
	out := StateLabel(e.To)
	if e.From != "" && e.From != e.To {
		out = StateLabel(e.From) + " → " + out
	}
	if e.Reason != "" {
		out += ": " + e.Reason
	}
	return out
}

// ShipmentView is one shipment already recorded.
type ShipmentView struct {
	Carrier        string
	TrackingNumber string
	TrackingURL    string
	State          string
	Units          string // "SKU x2, SKU x1"
	Created        string
}

// ShipmentForm is what the supplier typed in the shipment form, kept when
// it is shown again with an error.
type ShipmentForm struct {
	Carrier        string
	CustomCarrier  string
	TrackingNumber string
	TrackingURL    string
	Quantities     map[int64]string // by line id
}

// PODetailProps are what a PO's page shows.
type PODetailProps struct {
	Prefix string
	// CSRF goes in every form as CSRFField; empty leaves the field out (a
	// guard that does not use it, such as the embedded admin's session token).
	CSRF      string
	ID        int64
	Number    string
	State     string
	Retailer  string
	OrderName string
	Total     string
	Created   string
	ShipTo    []string // address lines
	// ShipToRedacted: the store withheld the recipient's name and address
	// (protected customer data) or they were erased.
	ShipToRedacted bool
	Lines          []LineView
	History        []EventView
	// Messages the PO went out and came back in (email, files, EDI).
	Messages  []parts.Message
	Shipments []ShipmentView
	// CanAnswer: the PO waits for accept or reject (whole or by line).
	CanAnswer bool
	// CanShip: accepted lines have units without tracking.
	CanShip  bool
	Carriers []string // names offered; "Other" lets the supplier type one
	Form     ShipmentForm
	Notice   string // what the last action did
	Error    string // why the last action was refused
}

// quantity is the shipment form's value for a line: what was typed, or every
// unit still unshipped.
func (p PODetailProps) quantity(l LineView) string {
	if v, ok := p.Form.Quantities[l.ID]; ok {
		return v
	}
	return fmt.Sprint(l.Unshipped)
}

// KeyView is one API key in the list.
type KeyView struct {
	ID      int64
	Prefix  string
	Created string
	Revoked string // when, or "" while it works
}

// KeysProps are what the API keys page shows.
type KeysProps struct {
	CSRF   string
	Keys   []KeyView
	NewKey string // the key just created, shown this once
	Notice string
}

// SignInProps are what the sign-in pages show.
type SignInProps struct {
	CSRF   string
	Email  string
	Notice string
	Error  string
	// DemoLink is the sign-in link itself, shown only in demo mode where no
	// mail is sent.
	DemoLink string
}

// ConfirmProps are what the page behind a login link shows.
type ConfirmProps struct {
	CSRF     string
	Action   string // where the form posts to use the link
	Supplier string
}

// StateLabel is a state as people read it: "partially_shipped" -> "Partially shipped".
func StateLabel(state string) string {
	if state == "" {
		return "All"
	}
	b := []byte(state)
	for i, c := range b {
		if c == '_' {
			b[i] = ' '
		}
	}
	if b[0] >= 'a' && b[0] <= 'z' {
		b[0] -= 'a' - 'A'
	}
	return string(b)
}

func filterURL(prefix, state string) string {
	if state == "" {
		return prefix + "/purchase-orders"
	}
	return prefix + "/purchase-orders?state=" + url.QueryEscape(state)
}
