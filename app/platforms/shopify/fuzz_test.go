package shopify_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app/money"
	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/app/samples"
)

// FuzzTranslateOrder feeds the orders/* translator arbitrary bodies. It must
// never panic, and an order it accepts must be one the pipeline can trust:
// exact ids, a currency code, quantities that add up and prices that are
// real amounts.
//
//	go test -run='^$' -fuzz=FuzzTranslateOrder -fuzztime=5s ./app/platforms/shopify
func FuzzTranslateOrder(f *testing.F) {
	p := samples.Products
	for i, o := range []samples.Order{
		{ID: 820982911946154508, Number: 1001, Lines: []samples.OrderLine{{Product: p[0], Quantity: 1}, {Product: p[3], Quantity: 2}, {Product: p[6], Quantity: 1}}},
		{ID: 1, Number: 1, FinancialStatus: "refunded", Cancelled: true, Lines: []samples.OrderLine{{Product: p[8], Quantity: 3}}},
		{ID: 2, Number: 2, FinancialStatus: "pending", Notes: 300},
	} {
		o.UpdatedAt = time.Date(2026, 1, 1+i, 0, 0, 0, 0, time.UTC)
		f.Add(samples.ShopifyOrder(o))
	}
	// Bodies these properties caught the translator accepting (now refused).
	f.Add([]byte(`{"id":1,"currency":"USD","line_items":[{"id":2,"quantity":1,"fulfillable_quantity":5,"price":"1.00"}]}`))
	f.Add([]byte(`{"id":1,"currency":"USD","line_items":[{"id":2,"quantity":1,"price":"-1.00"}]}`))
	fixtures, _ := filepath.Glob(filepath.Join("..", "..", "..", "..", "shared", "fixtures", "shopify", "orders-*.json"))
	for _, name := range fixtures {
		body, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		o, err := shopify.TranslateOrder(body)
		if err != nil {
			if o.ExternalID != "" || len(o.Lines) > 0 {
				t.Fatalf("an error (%v) came with a partly filled order %+v", err, o)
			}
			return
		}
		if !digits(o.ExternalID) || o.ExternalID[0] == '0' {
			t.Fatalf("order id %q is not an exact positive integer", o.ExternalID)
		}
		if !strings.HasPrefix(o.GID, "gid://shopify/Order/") {
			t.Fatalf("GID %q", o.GID)
		}
		if len(o.Currency) != 3 || strings.ToUpper(o.Currency) != o.Currency {
			t.Fatalf("currency %q", o.Currency)
		}
		if o.Number < 0 {
			t.Fatalf("order number %d", o.Number)
		}
		for i, l := range o.Lines {
			if !digits(l.ExternalID) {
				t.Fatalf("line %d id %q", i, l.ExternalID)
			}
			if l.Quantity < 0 || l.FulfillableQuantity < 0 || l.FulfillableQuantity > l.Quantity {
				t.Fatalf("line %d quantity %d, fulfillable %d: want 0 <= fulfillable <= quantity", i, l.Quantity, l.FulfillableQuantity)
			}
			if l.UnitPrice < 0 {
				t.Fatalf("line %d unit price %d is negative", i, l.UnitPrice)
			}
			// The amount survives a round trip through its decimal text.
			back, err := money.Parse(l.UnitPrice.Format(o.Currency), o.Currency)
			if err != nil || back != l.UnitPrice {
				t.Fatalf("line %d price %d %s reads back as %d (%v)", i, l.UnitPrice, o.Currency, back, err)
			}
		}
	})
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
