package bigcommerce_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/canonical"
	"github.com/consign/consign/app/platforms/bigcommerce"
)

// setOrderID rewrites the id (or order_id) of a fixture object or of every
// object in a fixture array: the docs' examples belong to different orders.
func setOrderID(t *testing.T, raw []byte, key string, id int64) json.RawMessage {
	t.Helper()
	var one map[string]any
	if json.Unmarshal(raw, &one) == nil {
		one[key] = id
		out, _ := json.Marshal(one)
		return out
	}
	var list []map[string]any
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		m[key] = id
	}
	out, _ := json.Marshal(list)
	return out
}

func snapshot(t *testing.T, order, products, addresses json.RawMessage) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]json.RawMessage{"order": order, "products": products, "shipping_addresses": addresses})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTranslateOrderFixtures(t *testing.T) {
	order := setOrderID(t, apptest.Fixture(t, "bigcommerce/v2_order_get_218.json"), "id", 149)
	products := apptest.Fixture(t, "bigcommerce/v2_order_products_list_order149.json")
	addresses := setOrderID(t, apptest.Fixture(t, "bigcommerce/v2_order_shipping_addresses_list.json"), "order_id", 149)

	o, err := bigcommerce.TranslateOrder(snapshot(t, order, products, addresses))
	if err != nil {
		t.Fatal(err)
	}
	if o.Platform != "bigcommerce" || o.ExternalID != "149" || o.GID != "" || o.Name != "#149" || o.Number != 149 {
		t.Errorf("identity: %+v", o)
	}
	if o.Currency != "USD" || o.CustomerEmail != "janedoe@example.com" {
		t.Errorf("currency %q, email %q", o.Currency, o.CustomerEmail)
	}
	if want := time.Date(2019, 3, 11, 15, 17, 25, 0, time.UTC); !o.UpdatedAt.Equal(want) {
		t.Errorf("UpdatedAt %v, want %v", o.UpdatedAt, want)
	}
	// The docs' order is Awaiting Payment (7): held, not paid.
	if o.Status != "Awaiting Payment" || o.Hold != `status "Awaiting Payment" (7) is not Awaiting Fulfillment` || o.FinancialStatus != canonical.FinancialPending {
		t.Errorf("status %q, hold %q, financial %q", o.Status, o.Hold, o.FinancialStatus)
	}
	if o.CancelledAt != nil {
		t.Errorf("CancelledAt %v", o.CancelledAt)
	}
	wantShipTo := canonical.Address{Name: "Trishy Smith", Company: "Acme Pty Ltd", Address1: "666 Sussex St", City: "San Antonio",
		Province: "Texas", Zip: "78251", Country: "United States", CountryCode: "US"}
	if o.ShipTo != wantShipTo {
		t.Errorf("ShipTo %+v\nwant   %+v", o.ShipTo, wantShipTo)
	}
	want := []canonical.Line{
		{ExternalID: "65", ProductID: "77", SKU: "S-ORAN", GTIN: "1234567891112", Title: "Fog Linen Chambray Towel - Beige Stripe",
			Quantity: 1, FulfillableQuantity: 1, UnitPrice: 5599, RequiresShipping: true},
		{ExternalID: "66", ProductID: "86", SKU: "ABS", Title: "Able Brewing System",
			Quantity: 1, FulfillableQuantity: 1, UnitPrice: 0, RequiresShipping: true},
	}
	if len(o.Lines) != len(want) {
		t.Fatalf("%d lines, want %d", len(o.Lines), len(want))
	}
	for i := range want {
		if o.Lines[i] != want[i] {
			t.Errorf("line %d: %+v\nwant    %+v", i, o.Lines[i], want[i])
		}
	}

	// Unchanged, the examples belong to three orders: refused.
	raw := apptest.Fixture(t, "bigcommerce/v2_order_get_218.json")
	if _, err := bigcommerce.TranslateOrder(snapshot(t, raw, products, nil)); err == nil || !strings.Contains(err.Error(), "belongs to order 149, not order 218") {
		t.Errorf("mismatched products: err = %v", err)
	}
}

func TestTranslateOrderVariantFixture(t *testing.T) {
	order := setOrderID(t, apptest.Fixture(t, "bigcommerce/v2_order_get_218.json"), "id", 125)
	product := apptest.Fixture(t, "bigcommerce/v2_order_product_get_with_variant.json")
	o, err := bigcommerce.TranslateOrder(snapshot(t, order, json.RawMessage("["+string(product)+"]"), nil))
	if err != nil {
		t.Fatal(err)
	}
	l := o.Lines[0]
	// base_price 45.0000 includes tax; price_ex_tax 41.5700 is what the line costs.
	if l.ExternalID != "35" || l.ProductID != "127" || l.VariantID != "99" || l.SKU != "Jour-BLK" || l.GTIN != "" || l.UnitPrice != 4157 {
		t.Errorf("line %+v", l)
	}
	if o.ShipTo != (canonical.Address{}) {
		t.Errorf("ShipTo without addresses: %+v", o.ShipTo)
	}
}

// order builds a V2 order object for self-made snapshots.
func order(fields string) json.RawMessage {
	return json.RawMessage(`{"id": 7, "status_id": 11, "status": "Awaiting Fulfillment", "currency_code": "EUR",
		"default_currency_code": "USD", "date_modified": "Tue, 05 Mar 2019 21:40:11 +0000",
		"billing_address": {"email": " jo@example.com "}` + fields + `}`)
}

func product(fields string) string {
	return `{"id": 3, "order_id": 7, "product_id": 5, "variant_id": 9, "order_address_id": 1, "name": "Mug", "sku": "MUG",
		"type": "physical", "base_price": "12.0000", "price_ex_tax": "10.0000", "quantity": 2, "quantity_shipped": 0` + fields + `}`
}

func TestTranslateOrderStatuses(t *testing.T) {
	for _, tc := range []struct {
		extra, financial string
		held, cancelled  bool
	}{
		{`, "status_id": 11`, canonical.FinancialPaid, false, false},
		{`, "status_id": 9, "status": "Awaiting Shipment"`, canonical.FinancialPaid, true, false},
		{`, "status_id": 7, "status": "Awaiting Payment"`, canonical.FinancialPending, true, false},
		{`, "status_id": 4, "status": "Refunded"`, canonical.FinancialRefunded, true, false},
		{`, "status_id": 14, "status": "Partially Refunded"`, canonical.FinancialPartiallyRefunded, true, false},
		{`, "status_id": 6, "status": "Declined"`, canonical.FinancialVoided, true, false},
		{`, "status_id": 5, "status": "Cancelled", "payment_status": "void"`, canonical.FinancialVoided, true, true},
		{`, "status_id": 5, "status": "Cancelled", "payment_status": "captured"`, canonical.FinancialPaid, true, true},
	} {
		o, err := bigcommerce.TranslateOrder(snapshot(t, order(tc.extra), json.RawMessage("["+product("")+"]"), nil))
		if err != nil {
			t.Fatalf("%s: %v", tc.extra, err)
		}
		if o.FinancialStatus != tc.financial || (o.Hold != "") != tc.held || (o.CancelledAt != nil) != tc.cancelled {
			t.Errorf("%s: financial %q hold %q cancelled %v", tc.extra, o.FinancialStatus, o.Hold, o.CancelledAt)
		}
		if tc.cancelled && !o.CancelledAt.Equal(o.UpdatedAt) {
			t.Errorf("%s: CancelledAt %v, want date_modified %v", tc.extra, o.CancelledAt, o.UpdatedAt)
		}
	}
}

func TestTranslateOrderLines(t *testing.T) {
	products := "[" + strings.Join([]string{
		product(""),
		product(`, "id": 4, "variant_id": 0, "product_id": 0, "type": "digital", "quantity": 3, "quantity_shipped": 1, "price_ex_tax": "41.5743"`),
		product(`, "id": 5, "type": "giftcertificate", "quantity_shipped": 5, "price_ex_tax": "41.575", "upc": "", "gtin": "00012345678905"`),
		product(`, "id": 6, "price_ex_tax": null`),
	}, ",") + "]"
	o, err := bigcommerce.TranslateOrder(snapshot(t, order(""), json.RawMessage(products), nil))
	if err != nil {
		t.Fatal(err)
	}
	// default_currency_code (what the shopper paid in) wins over the display currency.
	if o.Currency != "USD" || o.CustomerEmail != "jo@example.com" || o.Hold != "" {
		t.Errorf("order %+v", o)
	}
	want := []canonical.Line{
		{ExternalID: "3", ProductID: "5", VariantID: "9", SKU: "MUG", Title: "Mug", Quantity: 2, FulfillableQuantity: 2, UnitPrice: 1000, RequiresShipping: true},
		{ExternalID: "4", SKU: "MUG", Title: "Mug", Quantity: 3, FulfillableQuantity: 2, UnitPrice: 4157},
		{ExternalID: "5", ProductID: "5", VariantID: "9", SKU: "MUG", GTIN: "00012345678905", Title: "Mug", Quantity: 2, FulfillableQuantity: 0, UnitPrice: 4158, GiftCard: true},
		{ExternalID: "6", ProductID: "5", VariantID: "9", SKU: "MUG", Title: "Mug", Quantity: 2, FulfillableQuantity: 2, UnitPrice: 1200, RequiresShipping: true},
	}
	for i := range want {
		if o.Lines[i] != want[i] {
			t.Errorf("line %d: %+v\nwant    %+v", i, o.Lines[i], want[i])
		}
	}
}

func TestTranslateOrderRejects(t *testing.T) {
	good := json.RawMessage("[" + product("") + "]")
	for name, tc := range map[string]struct {
		snap []byte
		want string
	}{
		"not JSON":          {[]byte(`{"order":`), "not valid JSON"},
		"no order":          {[]byte(`{"products": []}`), `no "order"`},
		"order not object":  {snapshot(t, json.RawMessage(`[1]`), good, nil), "not an object"},
		"no id":             {snapshot(t, json.RawMessage(`{"status_id": 11, "currency_code": "USD"}`), good, nil), "order id is missing"},
		"float id":          {snapshot(t, order(`, "id": 7.5`), good, nil), "not a whole number"},
		"string status_id":  {snapshot(t, order(`, "status_id": "eleven"`), good, nil), "status_id"},
		"no status_id":      {snapshot(t, json.RawMessage(`{"id": 7, "currency_code": "USD"}`), good, nil), "status_id is missing"},
		"bad currency":      {snapshot(t, order(`, "default_currency_code": "dollars"`), good, nil), "ISO 4217"},
		"bad date":          {snapshot(t, order(`, "date_modified": "yesterday"`), good, nil), "RFC 2822"},
		"other order":       {snapshot(t, order(""), json.RawMessage("["+product(`, "order_id": 8`)+"]"), nil), "belongs to order 8"},
		"other address":     {snapshot(t, order(""), good, json.RawMessage(`[{"id": 1, "order_id": 9}]`)), "belongs to order 9"},
		"negative quantity": {snapshot(t, order(""), json.RawMessage("["+product(`, "quantity": -1`)+"]"), nil), "quantity is negative"},
		"no quantity":       {snapshot(t, order(""), json.RawMessage("["+product(`, "quantity": null`)+"]"), nil), "quantity is missing"},
		"negative price":    {snapshot(t, order(""), json.RawMessage("["+product(`, "price_ex_tax": "-1.0000"`)+"]"), nil), "negative"},
		"no price":          {snapshot(t, order(""), json.RawMessage("["+product(`, "price_ex_tax": null, "base_price": null`)+"]"), nil), "missing"},
		"float price":       {snapshot(t, order(""), json.RawMessage("["+product(`, "price_ex_tax": "1e3"`)+"]"), nil), "price_ex_tax"},
		"line id string":    {snapshot(t, order(""), json.RawMessage("["+product(`, "id": "x"`)+"]"), nil), "not a whole number"},
		"products object":   {snapshot(t, order(""), json.RawMessage(`{}`), nil), "not an array"},
	} {
		o, err := bigcommerce.TranslateOrder(tc.snap)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", name, err, tc.want)
		}
		if o.ExternalID != "" || o.Lines != nil {
			t.Errorf("%s: an error came with a partly filled order", name)
		}
	}
}
