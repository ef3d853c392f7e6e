// Package samples writes Consign's own sample data: store orders in
// Shopify's webhook shape and supplier catalogs. The demo, the benchmarks and
// the core tests use it, so none of them needs outside files.
package samples

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Product is one thing the sample store sells, and the SKU its supplier uses.
type Product struct {
	VariantID int64
	ProductID int64
	SKU       string
	GTIN      string
	Title     string
	Price     string // the store's price
	Cost      string // the supplier's cost
	Supplier  int    // index into Suppliers
}

// Suppliers are the sample suppliers, by index.
var Suppliers = []struct{ Name, Email string }{
	{"Northwind Outfitters", "orders@northwind.example"},
	{"Blue Harbor Goods", "po@blueharbor.example"},
	{"Copperline Supply", "ops@copperline.example"},
}

// Products is the sample store's catalog.
var Products = []Product{
	{44000000001, 8000000001, "NW-TENT-2P", "0840000000011", "Trail Tent 2P", "189.00", "112.50", 0},
	{44000000002, 8000000002, "NW-BAG-20F", "0840000000028", "Down Sleeping Bag 20F", "249.00", "150.00", 0},
	{44000000003, 8000000003, "NW-STOVE-1", "0840000000035", "Backpacking Stove", "59.95", "31.20", 0},
	{44000000004, 8000000004, "BH-MUG-12", "0840000000042", "Enamel Mug 12oz", "18.00", "7.25", 1},
	{44000000005, 8000000005, "BH-LAMP-LED", "0840000000059", "LED Camp Lamp", "34.50", "16.80", 1},
	{44000000006, 8000000006, "BH-CHAIR-LT", "0840000000066", "Ultralight Chair", "129.00", "74.00", 1},
	{44000000007, 8000000007, "CL-KNIFE-FX", "0840000000073", "Fixed Blade Knife", "79.00", "41.00", 2},
	{44000000008, 8000000008, "CL-ROPE-30M", "0840000000080", "Climbing Rope 30m", "149.00", "88.00", 2},
	{44000000009, 8000000009, "CL-FIRST-AID", "0840000000097", "First Aid Kit", "39.00", "19.50", 2},
}

// Unstocked is a product the sample store sells that no sample supplier
// carries: an order with it needs a person.
var Unstocked = Product{44000000099, 8000000099, "GIFT-WRAP", "", "Gift wrapping", "5.00", "", -1}

// CatalogCSV is supplier i's catalog as a CSV file, with its header.
func CatalogCSV(supplier int) string {
	var b strings.Builder
	b.WriteString("sku,gtin,title,cost,inventory\n")
	for _, p := range Products {
		if p.Supplier == supplier {
			fmt.Fprintf(&b, "%s,%s,%q,%s,%d\n", p.SKU, p.GTIN, p.Title, p.Cost, 500)
		}
	}
	return b.String()
}

// OrderLine picks a product and a quantity for a sample order.
type OrderLine struct {
	Product  Product
	Quantity int
}

// Order describes a sample order.
type Order struct {
	ID              int64
	Number          int
	FinancialStatus string // "paid" unless set
	Cancelled       bool
	Lines           []OrderLine
	UpdatedAt       time.Time
	// Notes pads the order's note to about this many bytes, to make bodies
	// of a realistic size (5-10 KB) for benchmarks.
	Notes int
}

// LineID is the store line item id sample orders give line i of order id.
func LineID(orderID int64, i int) int64 { return orderID*100 + int64(i) + 1 }

// ShopifyOrder renders o as an orders/* webhook body in Shopify's shape:
// integer ids, decimal strings for money, the GID, addresses, line items.
func ShopifyOrder(o Order) []byte {
	status := o.FinancialStatus
	if status == "" {
		status = "paid"
	}
	updated := o.UpdatedAt
	if updated.IsZero() {
		updated = time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)
	}
	var cancelledAt any
	if o.Cancelled {
		cancelledAt = updated.Format(time.RFC3339)
	}
	addr := map[string]any{
		"first_name": "Ada", "last_name": "Lovelace", "name": "Ada Lovelace", "company": nil,
		"address1": "12 Analytical Way", "address2": "Apt 3", "city": "Portland", "province": "Oregon",
		"province_code": "OR", "zip": "97201", "country": "United States", "country_code": "US",
		"phone": "+1 503 555 0100", "latitude": 45.5152, "longitude": -122.6784,
	}
	var lines []map[string]any
	total := 0.0
	for i, l := range o.Lines {
		var price float64
		fmt.Sscanf(l.Product.Price, "%f", &price)
		total += price * float64(l.Quantity)
		id := LineID(o.ID, i)
		vendor := "Demo Outfitters" // the store's own make
		if l.Product.Supplier >= 0 {
			vendor = Suppliers[l.Product.Supplier].Name
		}
		lines = append(lines, map[string]any{
			"id": id, "admin_graphql_api_id": fmt.Sprintf("gid://shopify/LineItem/%d", id),
			"variant_id": l.Product.VariantID, "product_id": l.Product.ProductID, "sku": l.Product.SKU,
			"title": l.Product.Title, "variant_title": nil, "name": l.Product.Title, "vendor": vendor,
			"quantity": l.Quantity, "current_quantity": l.Quantity, "fulfillable_quantity": l.Quantity,
			"price": l.Product.Price, "price_set": moneySet(l.Product.Price), "total_discount": "0.00",
			"requires_shipping": true, "gift_card": false, "taxable": true, "grams": 1200,
			"fulfillment_service": "manual", "fulfillment_status": nil, "product_exists": true,
			"properties": []any{}, "tax_lines": []any{map[string]any{"title": "OR State Tax", "price": "0.00", "rate": 0.0}},
			"discount_allocations": []any{}, "duties": []any{},
		})
	}
	totalStr := fmt.Sprintf("%.2f", total)
	body := map[string]any{
		"id": o.ID, "admin_graphql_api_id": fmt.Sprintf("gid://shopify/Order/%d", o.ID),
		"name": fmt.Sprintf("#%d", o.Number), "number": o.Number - 1000, "order_number": o.Number,
		"email": "ada@example.com", "contact_email": "ada@example.com", "currency": "USD", "presentment_currency": "USD",
		"financial_status": status, "fulfillment_status": nil, "cancelled_at": cancelledAt, "cancel_reason": nil,
		"created_at": updated.Add(-time.Minute).Format(time.RFC3339), "updated_at": updated.Format(time.RFC3339),
		"processed_at": updated.Add(-time.Minute).Format(time.RFC3339),
		"total_price":  totalStr, "subtotal_price": totalStr, "total_tax": "0.00", "total_discounts": "0.00",
		"total_price_set": moneySet(totalStr), "subtotal_price_set": moneySet(totalStr),
		"taxes_included": false, "test": false, "confirmed": true, "source_name": "web",
		"tags": "", "note": padding(o.Notes), "note_attributes": []any{},
		"shipping_address": addr, "billing_address": addr,
		"customer":       map[string]any{"id": 7000000000 + o.ID%1000, "email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"},
		"line_items":     lines,
		"shipping_lines": []any{map[string]any{"id": o.ID + 5, "title": "Standard", "code": "STANDARD", "price": "0.00"}},
		"fulfillments":   []any{}, "refunds": []any{}, "discount_codes": []any{},
	}
	out, err := json.Marshal(body)
	if err != nil {
		panic(err) // the map holds only JSON-safe values
	}
	return out
}

func moneySet(amount string) map[string]any {
	m := map[string]any{"amount": amount, "currency_code": "USD"}
	return map[string]any{"shop_money": m, "presentment_money": m}
}

func padding(n int) string {
	if n <= 0 {
		return ""
	}
	const phrase = "Please leave the parcel at the side door. "
	return strings.Repeat(phrase, n/len(phrase)+1)[:n]
}
