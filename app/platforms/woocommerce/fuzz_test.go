package woocommerce_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/consign/consign/app/money"
	"github.com/consign/consign/app/platforms/woocommerce"
	"github.com/consign/consign/app/platforms/woocommerce/fakewoocommerce"
)

// FuzzTranslateOrder feeds the translator arbitrary bodies. It must never
// panic, and an order it accepts must be one the pipeline can trust.
//
//	go test -run='^$' -fuzz=FuzzTranslateOrder -fuzztime=5s ./app/platforms/woocommerce
func FuzzTranslateOrder(f *testing.F) {
	store := fakewoocommerce.New(testKey, testSecret)
	defer store.Close()
	store.AddOrder(sampleOrder(1001, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)))
	f.Add(store.OrderJSON(1001))
	f.Add(order(`"line_items":[{"id":1,"quantity":3,"subtotal":"30.00","sku":null,"meta_data":[{"key":"gtin","value":123}]}]`))
	f.Add(order(`"line_items":[{"id":1,"quantity":0,"subtotal":"0.00"}]`))
	fixtures, _ := filepath.Glob(filepath.Join("..", "..", "..", "..", "shared", "fixtures", "woocommerce", "*order*.json"))
	for _, name := range fixtures {
		body, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		o, err := woocommerce.TranslateOrder(body)
		if err != nil {
			if o.ExternalID != "" || len(o.Lines) > 0 {
				t.Fatalf("an error (%v) came with a partly filled order %+v", err, o)
			}
			return
		}
		if n, err := strconv.ParseInt(o.ExternalID, 10, 64); err != nil || n <= 0 || strconv.FormatInt(n, 10) != o.ExternalID || n != o.Number {
			t.Fatalf("order id %q / number %d is not one exact positive integer", o.ExternalID, o.Number)
		}
		if len(o.Currency) != 3 || o.UpdatedAt.IsZero() || o.Status == "" || o.Name == "" {
			t.Fatalf("order %+v lacks currency, date, status or name", o)
		}
		if (o.Hold == "") != (o.Status == "processing") {
			t.Fatalf("status %q with hold %q", o.Status, o.Hold)
		}
		for i, l := range o.Lines {
			if l.ExternalID == "" || l.Quantity < 0 || l.FulfillableQuantity != l.Quantity || l.UnitPrice < 0 {
				t.Fatalf("line %d = %+v", i, l)
			}
			back, err := money.Parse(l.UnitPrice.Format(o.Currency), o.Currency)
			if err != nil || back != l.UnitPrice {
				t.Fatalf("line %d price %d %s reads back as %d (%v)", i, l.UnitPrice, o.Currency, back, err)
			}
		}
	})
}
