package woocommerce_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/canonical"
	"github.com/consign/consign/app/platforms/woocommerce"
)

func TestTranslateOrderDocsFixture(t *testing.T) {
	t.Parallel()
	got, err := woocommerce.TranslateOrder(apptest.Fixture(t, "woocommerce/rest_v3_order_get_727_docs.json"))
	if err != nil {
		t.Fatalf("TranslateOrder: %v", err)
	}
	modified := time.Date(2017, 3, 22, 19, 28, 8, 0, time.UTC)
	want := canonical.Order{
		Platform: "woocommerce", ExternalID: "727", Name: "#727", Number: 727, Currency: "USD",
		FinancialStatus: canonical.FinancialPaid, CustomerEmail: "john.doe@example.com",
		ShipTo: canonical.Address{
			Name: "John Doe", Address1: "969 Market", City: "San Francisco", Province: "CA", ProvinceCode: "CA",
			Zip: "94103", Country: "US", CountryCode: "US", Phone: "(555) 555-5555",
		},
		Lines: []canonical.Line{
			{ExternalID: "315", ProductID: "93", Title: "Woo Single #1", Quantity: 2, FulfillableQuantity: 2, UnitPrice: 300, RequiresShipping: true},
			{ExternalID: "316", ProductID: "22", VariantID: "23", SKU: "Bar3", Title: "Ship Your Idea – Color: Black, Size: M Test", Quantity: 1, FulfillableQuantity: 1, UnitPrice: 1200, RequiresShipping: true},
		},
		UpdatedAt: modified,
		Status:    "processing",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestTranslateOrderWebhookFixture(t *testing.T) {
	t.Parallel()
	got, err := woocommerce.TranslateOrder(apptest.Fixture(t, "woocommerce/webhook_order_created_body_pipedream_test_event.json"))
	if err != nil {
		t.Fatalf("TranslateOrder: %v", err)
	}
	// A completed order is paid but held: it has shipped already. Its
	// shipping address is empty, so the billing one is used.
	if got.ExternalID != "15" || got.Name != "#15" || got.Status != "completed" || got.Hold != `status "completed" is not processing` {
		t.Errorf("order = %+v", got)
	}
	if got.FinancialStatus != canonical.FinancialPaid || got.Cancelled() {
		t.Errorf("financial %q, cancelled %v", got.FinancialStatus, got.Cancelled())
	}
	if want := (canonical.Address{Name: "Test Test", Address1: "Test", City: "Test", Country: "VN", CountryCode: "VN", Phone: "123"}); got.ShipTo != want {
		t.Errorf("ShipTo = %+v, want %+v", got.ShipTo, want)
	}
	if !got.UpdatedAt.Equal(time.Date(2023, 8, 16, 7, 45, 57, 0, time.UTC)) {
		t.Errorf("UpdatedAt = %v", got.UpdatedAt)
	}
	if len(got.Lines) != 1 || got.Lines[0].ProductID != "14" || got.Lines[0].VariantID != "" || got.Lines[0].UnitPrice != 0 {
		t.Errorf("lines = %+v", got.Lines)
	}
}

// order builds a minimal REST order body around the given fields.
func order(fields string) []byte {
	base := `"id":42,"number":"42","currency":"usd","status":"processing","date_modified_gmt":"2026-03-01T10:00:00","date_paid_gmt":"2026-03-01T09:00:00",` +
		`"billing":{"first_name":"Bo","last_name":"Li","email":" bo@example.com ","phone":"555","address_1":"1 Bill St","city":"Billtown","country":"us"},`
	return []byte("{" + base + fields + "}")
}

func TestTranslateOrderStatuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status, paid, financial string
		hold, cancelled         bool
	}{
		{"processing", "x", canonical.FinancialPaid, false, false},
		{"completed", "x", canonical.FinancialPaid, true, false},
		{"pending", "", canonical.FinancialPending, true, false},
		{"on-hold", "", canonical.FinancialPending, true, false},
		{"failed", "", canonical.FinancialPending, true, false},
		{"checkout-draft", "", canonical.FinancialPending, true, false},
		{"refunded", "x", canonical.FinancialRefunded, true, false},
		{"cancelled", "", canonical.FinancialVoided, true, true},
		{"cancelled", "x", canonical.FinancialPaid, true, true},
		{"trash", "x", canonical.FinancialVoided, true, false},
		{"shipped", "x", canonical.FinancialPaid, true, false},
		{"awaiting-stock", "", canonical.FinancialPending, true, false},
	} {
		paid := `""`
		if tc.paid != "" {
			paid = `"2026-03-01T09:00:00"`
		}
		body := []byte(`{"id":7,"currency":"USD","status":"` + tc.status + `","date_modified_gmt":"2026-03-01T10:00:00","date_paid_gmt":` + paid + `}`)
		o, err := woocommerce.TranslateOrder(body)
		if err != nil {
			t.Errorf("%s: %v", tc.status, err)
			continue
		}
		if o.Status != tc.status || o.FinancialStatus != tc.financial || (o.Hold != "") != tc.hold || o.Cancelled() != tc.cancelled {
			t.Errorf("%s paid=%v: status %q financial %q hold %q cancelled %v", tc.status, tc.paid != "", o.Status, o.FinancialStatus, o.Hold, o.Cancelled())
		}
		if tc.cancelled && !o.CancelledAt.Equal(o.UpdatedAt) {
			t.Errorf("%s: CancelledAt %v, want date_modified_gmt %v", tc.status, o.CancelledAt, o.UpdatedAt)
		}
	}
}

func TestTranslateOrderLines(t *testing.T) {
	t.Parallel()
	body := order(`"shipping":{"first_name":"Cy","last_name":"Ng","company":"Acme","address_1":"2 Ship Rd","address_2":"Unit 5","city":"Shipton","state":"NY","postcode":"10001","country":"US","phone":""},
		"line_items":[
		 {"id":1,"name":"Deleted thing","product_id":0,"variation_id":0,"quantity":3,"subtotal":"30.00","price":9.3333333333333339,"sku":null},
		 {"id":"2","name":"Gtin thing","product_id":"5","variation_id":6,"quantity":2,"subtotal":"5.00","total":"4.00","price":2,"sku":"G-1",
		  "meta_data":[{"id":9,"key":"_global_unique_id","value":"0012345678905"}]},
		 {"id":3,"name":"No subtotal","product_id":7,"quantity":1,"price":4.5,"sku":""}]`)
	o, err := woocommerce.TranslateOrder(body)
	if err != nil {
		t.Fatalf("TranslateOrder: %v", err)
	}
	if o.Currency != "USD" || o.CustomerEmail != "bo@example.com" || o.Name != "#42" || o.Number != 42 {
		t.Errorf("order = %+v", o)
	}
	// Shipping is used, with the billing phone since shipping has none.
	wantAddr := canonical.Address{Name: "Cy Ng", Company: "Acme", Address1: "2 Ship Rd", Address2: "Unit 5", City: "Shipton",
		Province: "NY", ProvinceCode: "NY", Zip: "10001", Country: "US", CountryCode: "US", Phone: "555"}
	if o.ShipTo != wantAddr {
		t.Errorf("ShipTo = %+v, want %+v", o.ShipTo, wantAddr)
	}
	want := []canonical.Line{
		// The unit price is the subtotal's (before the coupon), not price's float.
		{ExternalID: "1", Title: "Deleted thing", Quantity: 3, FulfillableQuantity: 3, UnitPrice: 1000, RequiresShipping: true},
		{ExternalID: "2", ProductID: "5", VariantID: "6", SKU: "G-1", GTIN: "0012345678905", Title: "Gtin thing", Quantity: 2, FulfillableQuantity: 2, UnitPrice: 250, RequiresShipping: true},
		{ExternalID: "3", ProductID: "7", Title: "No subtotal", Quantity: 1, FulfillableQuantity: 1, UnitPrice: 450, RequiresShipping: true},
	}
	if !reflect.DeepEqual(o.Lines, want) {
		t.Errorf("lines = %+v\nwant    %+v", o.Lines, want)
	}
}

func TestTranslateOrderRejects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body, want string
	}{
		{"empty", ``, "body is empty"},
		{"not json", `{"id":`, "not valid JSON"},
		{"array", `[1]`, "not an object"},
		{"missing id", `{"currency":"USD","status":"processing","date_modified_gmt":"2026-03-01T10:00:00"}`, "id is missing"},
		{"float id", `{"id":1.5,"currency":"USD"}`, "not a valid id"},
		{"text id", `{"id":"abc","currency":"USD"}`, "not a valid id"},
		{"negative id", `{"id":-3,"currency":"USD"}`, "not a valid id"},
		{"bad currency", `{"id":1,"currency":"dollars","status":"processing","date_modified_gmt":"2026-03-01T10:00:00"}`, "ISO 4217"},
		{"no modified", `{"id":1,"currency":"USD","status":"processing"}`, "date_modified_gmt is missing"},
		{"bad modified", `{"id":1,"currency":"USD","status":"processing","date_modified_gmt":"yesterday"}`, "date_modified_gmt"},
		{"no status", `{"id":1,"currency":"USD","date_modified_gmt":"2026-03-01T10:00:00"}`, "status is missing"},
		{"status type", `{"id":1,"currency":"USD","status":5}`, "field status is a JSON number"},
		{"negative quantity", string(order(`"line_items":[{"id":1,"quantity":-1,"subtotal":"1.00"}]`)), "line_items[0]: quantity is negative"},
		{"no quantity", string(order(`"line_items":[{"id":1,"subtotal":"1.00"}]`)), "quantity is missing"},
		{"line id", string(order(`"line_items":[{"id":"x","quantity":1,"subtotal":"1.00"}]`)), "line_items[0]: id"},
		{"product id", string(order(`"line_items":[{"id":1,"product_id":"p-1","quantity":1,"subtotal":"1.00"}]`)), "product_id"},
		{"bad subtotal", string(order(`"line_items":[{"id":1,"quantity":1,"subtotal":"1,00"}]`)), "subtotal"},
		{"float price", string(order(`"line_items":[{"id":1,"quantity":3,"price":3.3333333333333335}]`)), "price"},
		{"no price", string(order(`"line_items":[{"id":1,"quantity":1}]`)), "subtotal and price are missing"},
	} {
		o, err := woocommerce.TranslateOrder([]byte(tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to say %q", tc.name, err, tc.want)
		}
		if o.ExternalID != "" || len(o.Lines) != 0 {
			t.Errorf("%s: an error came with a partly filled order", tc.name)
		}
	}
}

// A subtotal that does not split into whole cents is a real order: its
// unit price is rounded half up, never refused.
func TestTranslateOrderUnevenSubtotal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		subtotal string
		qty      int
		want     int64
	}{{"10.00", 3, 333}, {"10.01", 2, 501}, {"0.05", 2, 3}, {"9.99", 1, 999}} {
		body := fmt.Sprintf(`{"id":1,"currency":"USD","status":"processing","date_modified_gmt":"2026-03-01T10:00:00",
			"line_items":[{"id":1,"quantity":%d,"subtotal":%q}]}`, tc.qty, tc.subtotal)
		o, err := woocommerce.TranslateOrder([]byte(body))
		if err != nil {
			t.Fatalf("%s x%d: %v", tc.subtotal, tc.qty, err)
		}
		if got := int64(o.Lines[0].UnitPrice); got != tc.want {
			t.Errorf("%s x%d: unit price %d, want %d", tc.subtotal, tc.qty, got, tc.want)
		}
	}
}

func TestOrderVersion(t *testing.T) {
	t.Parallel()
	id, modified, err := woocommerce.OrderVersion(apptest.Fixture(t, "woocommerce/rest_v3_order_get_727_docs.json"))
	if err != nil || id != 727 || !modified.Equal(time.Date(2017, 3, 22, 19, 28, 8, 0, time.UTC)) {
		t.Errorf("OrderVersion = %d, %v, %v", id, modified, err)
	}
	for _, body := range []string{`{"id":727}`, `{"date_modified_gmt":"2017-03-22T19:28:08"}`, `nope`} {
		if _, _, err := woocommerce.OrderVersion([]byte(body)); err == nil {
			t.Errorf("OrderVersion(%s) gave no error", body)
		}
	}
}
