// Package admin renders the embedded retailer admin: the pages Shopify shows
// inside its admin. Every page sits in Layout, which loads App Bridge (the
// one outside script) and our own htmx and admin.js.
package admin

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/views/parts"

	"github.com/consign/consign/app/money"
)

// Layout is what every admin page's shell needs.
type Layout struct {
	Title  string
	CSS    string // hashed URL of app.css
	HTMX   string // hashed URL of htmx.min.js
	JS     string // hashed URL of admin.js
	APIKey string // the Shopify client id, for App Bridge; empty outside Shopify
	Shop   string
	Nav    string // the section to mark: dashboard, orders, attention, suppliers, settings, purchase-orders
	// Retailer and Supplier say which sections the account has.
	Retailer, Supplier bool
	Flash              string // a notice after an action
	Error              string // a refusal after an action
	// CSRF is a cookie session's CSRF token, sent back by admin.js on every
	// htmx request; SignOut shows the sign-out button of such a session.
	CSRF    string
	SignOut bool
}

// StoreCard is the signed-in store on the settings page.
type StoreCard struct {
	Platform  string
	Shop      string
	Reconnect bool // a WooCommerce store may ask for new keys
}

func platformName(p string) string {
	switch p {
	case "shopify":
		return "Shopify"
	case "bigcommerce":
		return "BigCommerce"
	case "woocommerce":
		return "WooCommerce"
	}
	return p
}

type section struct{ Key, Label, URL string }

var (
	retailerSections = []section{
		{"dashboard", "Dashboard", "/app"},
		{"orders", "Orders", "/app/orders"},
		{"attention", "Needs attention", "/app/attention"},
		{"suppliers", "Suppliers", "/app/suppliers"},
		{"privacy", "Privacy", "/app/privacy"},
		{"settings", "Settings", "/app/settings"},
	}
	supplierSections = []section{{"purchase-orders", "Purchase orders", "/app/purchase-orders"}}
)

// sections are the nav links of the account's roles.
func (l Layout) sections() []section {
	var out []section
	if l.Retailer {
		out = append(out, retailerSections...)
	}
	if l.Supplier {
		out = append(out, supplierSections...)
	}
	return out
}

// htmxConfig keeps pages out of localStorage (they hold customer data),
// injects no inline styles, evaluates no strings, and swaps error pages and
// 422 forms in place of silently doing nothing.
const htmxConfig = `{"historyCacheSize":0,"refreshOnHistoryMiss":false,"includeIndicatorStyles":false,"allowEval":false,` +
	`"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},{"code":"[45]..","swap":true,"error":true}]}`

func current(on bool) string {
	if on {
		return "page"
	}
	return "false"
}

func orderURL(id int64) templ.SafeURL { return templ.SafeURL(fmt.Sprintf("/app/orders/%d", id)) }

func supplierURL(id int64) templ.SafeURL {
	return templ.SafeURL(fmt.Sprintf("/app/suppliers/%d", id))
}

func itoa[T ~int | ~int64](n T) string { return strconv.FormatInt(int64(n), 10) }

func when(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

func price(a money.Amount, currency string) string { return a.Format(currency) }

// pageURL is a list's URL with its query and another page number.
func pageURL(path string, q url.Values, page int) templ.SafeURL {
	v := url.Values{}
	for k, vs := range q {
		if vs[0] != "" {
			v.Set(k, vs[0])
		}
	}
	v.Set("page", strconv.Itoa(page))
	return templ.SafeURL(path + "?" + v.Encode())
}

// stateLabel turns a state value into words.
func stateLabel(s string) string {
	out := []rune(s)
	for i, r := range out {
		if r == '_' {
			out[i] = ' '
		}
	}
	return string(out)
}

func channelLabel(c string) string {
	switch c {
	case "portal":
		return "Supplier portal and API"
	case "store":
		return "Orders in the supplier's own store"
	case "email":
		return "Email"
	case "sftp":
		return "CSV files over SFTP"
	case "edi":
		return "EDI X12 over SFTP"
	}
	return c
}

func portText(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func secretHint(has bool) string {
	if has {
		return "stored: leave empty to keep"
	}
	return ""
}

func columnsText(cols []channels.Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c.Field
		if c.Header != "" && c.Header != c.Field {
			parts[i] += ":" + c.Header
		}
	}
	return strings.Join(parts, ",")
}

// messageViews are a PO's messages as the order page shows them; a failed
// received message can be processed again from there.
func messageViews(orderID int64, entries []channels.Entry) []parts.Message {
	out := make([]parts.Message, len(entries))
	for i, e := range entries {
		out[i] = parts.Message{At: e.At, Direction: e.Direction, Channel: e.Channel, Kind: e.Kind, Name: e.Name,
			State: e.State, Note: e.Note, Body: e.Body, Truncated: e.Truncated}
		if e.EventID != 0 {
			out[i].ReplayURL = fmt.Sprintf("/app/orders/%d/events/%d/replay", orderID, e.EventID)
		}
	}
	return out
}
