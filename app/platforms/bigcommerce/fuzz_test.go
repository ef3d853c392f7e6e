package bigcommerce_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/consign/consign/app/money"
	"github.com/consign/consign/app/platforms/bigcommerce"
)

// FuzzTranslateOrder feeds the translator arbitrary snapshots. It must never
// panic, and an order it accepts must be one the pipeline can trust: an
// exact id, a currency code, quantities that add up and real prices.
//
//	go test -run='^$' -fuzz=FuzzTranslateOrder -fuzztime=10s ./app/platforms/bigcommerce
func FuzzTranslateOrder(f *testing.F) {
	f.Add([]byte(`{"order":` + string(order("")) + `,"products":[` + product("") + `],"shipping_addresses":[{"id":1,"order_id":7,"first_name":"A"}]}`))
	f.Add([]byte(`{"order":` + string(order(`, "status_id": 5`)) + `,"products":[` + product(`, "price_ex_tax": "0.9999", "quantity_shipped": 9`) + `]}`))
	f.Add([]byte(`{"order":{"id":1,"status_id":0,"currency_code":"JPY"},"products":[{"id":2,"quantity":1,"base_price":"1500.5000"}]}`))
	dir := filepath.Join("..", "..", "..", "..", "shared", "fixtures", "bigcommerce")
	if o, err := os.ReadFile(filepath.Join(dir, "v2_order_get_218.json")); err == nil {
		p, _ := os.ReadFile(filepath.Join(dir, "v2_order_products_list_order149.json"))
		a, _ := os.ReadFile(filepath.Join(dir, "v2_order_shipping_addresses_list.json"))
		snap, _ := json.Marshal(map[string]json.RawMessage{"order": o, "products": p, "shipping_addresses": a})
		f.Add(snap)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := bigcommerce.TranslateOrder(data)
		if err != nil {
			if o.ExternalID != "" || len(o.Lines) > 0 {
				t.Fatalf("an error (%v) came with a partly filled order %+v", err, o)
			}
			return
		}
		if !digits(o.ExternalID) || o.ExternalID[0] == '0' || o.Number <= 0 || o.Name != "#"+o.ExternalID {
			t.Fatalf("order id %q, number %d, name %q", o.ExternalID, o.Number, o.Name)
		}
		if len(o.Currency) != 3 {
			t.Fatalf("currency %q", o.Currency)
		}
		for i, l := range o.Lines {
			if !digits(l.ExternalID) {
				t.Fatalf("line %d id %q", i, l.ExternalID)
			}
			if l.Quantity < 0 || l.FulfillableQuantity < 0 || l.FulfillableQuantity > l.Quantity {
				t.Fatalf("line %d quantity %d, fulfillable %d", i, l.Quantity, l.FulfillableQuantity)
			}
			if l.UnitPrice < 0 {
				t.Fatalf("line %d unit price %d", i, l.UnitPrice)
			}
			if back, err := money.Parse(l.UnitPrice.Format(o.Currency), o.Currency); err != nil || back != l.UnitPrice {
				t.Fatalf("line %d price %d reads back as %d (%v)", i, l.UnitPrice, back, err)
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
