package fakeshopify

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// maxQueryCost is the most a single query may ask for; Shopify refuses more.
const maxQueryCost = 1000

// Order is an order with everything the orders query returns, given to
// PutOrder. Numeric ids are text, as in Line.
type Order struct {
	GID             string // gid://shopify/Order/N
	Name            string // "#1001"
	Email           string
	Currency        string // shop currency, e.g. USD
	FinancialStatus string // OrderDisplayFinancialStatus: PAID, PENDING, REFUNDED...
	CancelledAt     *time.Time
	UpdatedAt       time.Time
	ShippingAddress *ShipTo
	Lines           []OrderLine
}

// OrderLine is one line item of an Order.
type OrderLine struct {
	ID               string // numeric line item id
	VariantID        string // numeric; "" for a deleted variant
	ProductID        string // numeric; "" for a deleted product
	SKU              string
	Title            string
	VariantTitle     string
	Quantity         int
	Unfulfilled      int    // unfulfilledQuantity; PutOrder takes Quantity when 0
	Price            string // unit price in shop currency, e.g. "19.99"
	RequiresShipping bool
	GiftCard         bool
}

// ShipTo is the shipping address of an Order (PutOrder).
type ShipTo struct {
	Name, FirstName, LastName, Company, Address1, Address2  string
	City, Province, ProvinceCode, Zip, Country, CountryCode string
	Phone                                                   string
}

// PutOrder creates or replaces an order with its full details, so the
// orders query lists it. A new order also gets one open fulfillment order
// holding its shippable lines, as AddOrder makes.
func (s *Server) PutOrder(shopDomain string, o Order) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range o.Lines {
		if o.Lines[i].Unfulfilled == 0 {
			o.Lines[i].Unfulfilled = o.Lines[i].Quantity
		}
	}
	o.Lines = append([]OrderLine(nil), o.Lines...)
	sh := s.shop(shopDomain)
	existing := sh.orders[o.GID]
	if existing != nil {
		existing.details = &o
		return
	}
	var lines []Line
	for _, l := range o.Lines {
		if l.RequiresShipping && l.Unfulfilled > 0 {
			lines = append(lines, Line{ID: l.ID, Quantity: l.Unfulfilled})
		}
	}
	ord := &order{gid: o.GID, details: &o}
	ord.fos = append(ord.fos, s.newFulfillmentOrder("OPEN", lines))
	sh.orders[o.GID] = ord
}

// ordersVars are the variables of the client's orders query.
type ordersVars struct {
	First *int    `json:"first"`
	Lines *int    `json:"lines"`
	After *string `json:"after"`
	Query string  `json:"query"`
}

// ordersQueryCost prices the client's orders document as Shopify does: the
// connection 2 plus first times an order, an order 1 + 1 (address) + its
// lineItems connection 2 plus lines times a line item of 5 (itself, variant,
// product, MoneyBag, MoneyV2).
func ordersQueryCost(raw json.RawMessage) float64 {
	var v ordersVars
	if json.Unmarshal(raw, &v) != nil || v.First == nil || v.Lines == nil {
		return otherCost
	}
	return float64(2 + *v.First*(1+1+2+*v.Lines*5))
}

func maxCostExceeded(ext map[string]any) response {
	c := ext["cost"].(cost)
	return response{
		Errors: []gqlError{{
			Message: fmt.Sprintf("Query cost is %.0f, which exceeds the single query max cost limit (%d).",
				c.RequestedQueryCost, maxQueryCost),
			Extensions: map[string]string{"code": "MAX_COST_EXCEEDED"},
		}},
		Extensions: ext,
	}
}

var updatedSince = regexp.MustCompile(`updated_at:(>=?)'([^']+)'`)

// ordersQuery answers orders(first, after, query: "updated_at:>='T'",
// sortKey: UPDATED_AT): the orders PutOrder made, oldest update first.
func (sh *shop) ordersQuery(raw json.RawMessage) response {
	var v ordersVars
	if err := json.Unmarshal(raw, &v); err != nil || v.First == nil || *v.First < 1 || *v.First > 250 {
		return invalidVariable("first", "Int!")
	}
	if v.Lines == nil || *v.Lines < 1 || *v.Lines > 250 {
		return invalidVariable("lines", "Int!")
	}
	var since time.Time
	inclusive := true
	if m := updatedSince.FindStringSubmatch(v.Query); m != nil {
		t, err := time.Parse(time.RFC3339, m[2])
		if err != nil {
			return invalidVariable("query", "String")
		}
		since, inclusive = t, m[1] == ">="
	}
	var all []*Order
	for _, o := range sh.orders {
		d := o.details
		if d == nil || d.UpdatedAt.Before(since) || (!inclusive && d.UpdatedAt.Equal(since)) {
			continue
		}
		all = append(all, d)
	}
	sort.Slice(all, func(i, j int) bool { return orderKeyLess(all[i], all[j]) })
	if v.After != nil && *v.After != "" {
		at, gid, ok := decodeCursor(*v.After)
		if !ok {
			return response{Errors: []gqlError{{Message: "Invalid cursor for current pagination sort.", Extensions: map[string]string{"code": "BAD_REQUEST"}}}}
		}
		cut := sort.Search(len(all), func(i int) bool {
			return orderKeyLess(&Order{UpdatedAt: at, GID: gid}, all[i])
		})
		all = all[cut:]
	}
	hasNext := len(all) > *v.First
	if hasNext {
		all = all[:*v.First]
	}
	nodes := []map[string]any{}
	actual := 2.0
	for _, o := range all {
		nodes = append(nodes, orderNode(o, *v.Lines))
		actual += 4 + 5*float64(min(len(o.Lines), *v.Lines))
	}
	var end any
	if len(all) > 0 {
		last := all[len(all)-1]
		end = encodeCursor(last.UpdatedAt, last.GID)
	}
	return response{Data: map[string]any{"orders": map[string]any{
		"nodes":    nodes,
		"pageInfo": map[string]any{"hasNextPage": hasNext, "endCursor": end},
	}}, actualCost: actual}
}

// orderKeyLess orders by update time, then by numeric id.
func orderKeyLess(a, b *Order) bool {
	if !a.UpdatedAt.Equal(b.UpdatedAt) {
		return a.UpdatedAt.Before(b.UpdatedAt)
	}
	return gidNumber(a.GID) < gidNumber(b.GID)
}

func gidNumber(gid string) uint64 {
	n, _ := strconv.ParseUint(gid[strings.LastIndex(gid, "/")+1:], 10, 64)
	return n
}

func encodeCursor(at time.Time, gid string) string {
	return base64.StdEncoding.EncodeToString([]byte(at.UTC().Format(time.RFC3339Nano) + "|" + gid))
}

func decodeCursor(c string) (time.Time, string, bool) {
	raw, err := base64.StdEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", false
	}
	ts, gid, ok := strings.Cut(string(raw), "|")
	t, err := time.Parse(time.RFC3339Nano, ts)
	return t, gid, ok && err == nil
}

// orderNode is an order as the orders query selects it.
func orderNode(o *Order, lines int) map[string]any {
	var cancelled any
	if o.CancelledAt != nil {
		cancelled = o.CancelledAt.UTC().Format(time.RFC3339)
	}
	var addr any
	if a := o.ShippingAddress; a != nil {
		addr = map[string]any{
			"name": nullable(a.Name), "firstName": nullable(a.FirstName), "lastName": nullable(a.LastName),
			"company": nullable(a.Company), "address1": nullable(a.Address1), "address2": nullable(a.Address2),
			"city": nullable(a.City), "province": nullable(a.Province), "provinceCode": nullable(a.ProvinceCode),
			"zip": nullable(a.Zip), "country": nullable(a.Country), "countryCodeV2": nullable(a.CountryCode),
			"phone": nullable(a.Phone),
		}
	}
	items := []map[string]any{}
	for _, l := range o.Lines[:min(len(o.Lines), lines)] {
		var variant, product any
		if l.VariantID != "" {
			variant = map[string]any{"id": "gid://shopify/ProductVariant/" + l.VariantID}
		}
		if l.ProductID != "" {
			product = map[string]any{"id": "gid://shopify/Product/" + l.ProductID}
		}
		items = append(items, map[string]any{
			"id": "gid://shopify/LineItem/" + l.ID, "sku": nullable(l.SKU), "title": l.Title,
			"variantTitle": nullable(l.VariantTitle), "name": strings.TrimSuffix(l.Title+" - "+l.VariantTitle, " - "),
			"quantity": l.Quantity, "unfulfilledQuantity": l.Unfulfilled,
			"requiresShipping": l.RequiresShipping, "isGiftCard": l.GiftCard,
			"originalUnitPriceSet": map[string]any{"shopMoney": map[string]any{"amount": l.Price, "currencyCode": o.Currency}},
			"variant":              variant, "product": product,
		})
	}
	return map[string]any{
		"id": o.GID, "name": o.Name, "email": nullable(o.Email), "currencyCode": o.Currency,
		"displayFinancialStatus": nullable(o.FinancialStatus), "cancelledAt": cancelled,
		"updatedAt":       o.UpdatedAt.UTC().Format(time.RFC3339),
		"shippingAddress": addr,
		"lineItems": map[string]any{
			"nodes":    items,
			"pageInfo": map[string]any{"hasNextPage": len(o.Lines) > lines},
		},
	}
}
