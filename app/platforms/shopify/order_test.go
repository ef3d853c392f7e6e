package shopify_test

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app/canonical"
	"github.com/consign/consign/app/money"
	"github.com/consign/consign/app/platforms/shopify"
)

// Shopify's docs publish one example order for every orders/* topic; these
// five files are identical. The example's ids lost their last digits in the
// scrape (see SOURCES.md): ExternalID keeps what the body says, the GID is
// exact.
var docsOrderFixtures = []string{
	"orders-create.json", "orders-updated.json", "orders-cancelled.json",
	"orders-fulfilled.json", "orders-paid.json",
}

func TestTranslateOrderDocsFixtures(t *testing.T) {
	t.Parallel()
	cancelled := time.Date(2021, 12, 31, 19, 0, 0, 0, time.FixedZone("", -5*3600))
	want := canonical.Order{
		Platform:        "shopify",
		ExternalID:      "820982911946154500",
		GID:             "gid://shopify/Order/820982911946154508",
		Name:            "#9999",
		Number:          1234,
		Currency:        "USD",
		FinancialStatus: canonical.FinancialVoided,
		CancelledAt:     &cancelled,
		CustomerEmail:   "jon@example.com",
		ShipTo: canonical.Address{
			Name: "Steve Shipper", Company: "Shipping Company", Address1: "123 Shipping Street",
			City: "Shippington", Province: "Kentucky", ProvinceCode: "KY", Zip: "40003",
			Country: "United States", CountryCode: "US", Phone: "555-555-SHIP",
		},
		Lines: []canonical.Line{
			{ExternalID: "487817672276298560", ProductID: "788032119674292900", SKU: "SKU2006-001", Title: "Aviator sunglasses", Quantity: 1, FulfillableQuantity: 1, UnitPrice: 8999, RequiresShipping: true},
			{ExternalID: "789012345678901200", SKU: "LENS-PROTECT-2YR", Title: "Lens Protection Plan (2 Year)", Quantity: 1, FulfillableQuantity: 1, UnitPrice: 1999, RequiresShipping: true},
			{ExternalID: "890123456789012400", SKU: "CASE-LEATHER-PREM", Title: "Premium Leather Case", Quantity: 1, FulfillableQuantity: 1, UnitPrice: 2499, RequiresShipping: true},
			{ExternalID: "976318377106520300", ProductID: "788032119674292900", SKU: "SKU2006-020", Title: "Mid-century lounger", Quantity: 1, FulfillableQuantity: 1, UnitPrice: 15999, RequiresShipping: true},
			{ExternalID: "315789986012684400", ProductID: "788032119674292900", SKU: "SKU2006-035", Title: "Coffee table", Quantity: 1, FulfillableQuantity: 1, UnitPrice: 11999, RequiresShipping: true},
		},
		UpdatedAt: cancelled,
	}
	for _, name := range docsOrderFixtures {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := shopify.TranslateOrder(fixture(t, name))
			if err != nil {
				t.Fatalf("TranslateOrder: %v", err)
			}
			assertOrder(t, got, want)
			if !got.Cancelled() || got.Paid() {
				t.Errorf("Cancelled() = %v, Paid() = %v; want true, false", got.Cancelled(), got.Paid())
			}
		})
	}
}

// Every orders/* fixture there is, including any added later, translates.
func TestTranslateOrderEveryFixture(t *testing.T) {
	t.Parallel()
	names, err := filepath.Glob(filepath.Join(fixtureDir(t), "orders-*.json"))
	if err != nil || len(names) < 6 {
		t.Fatalf("found %d orders-*.json fixtures (%v), want at least 6", len(names), err)
	}
	for _, name := range names {
		o, err := shopify.TranslateOrder(fixture(t, filepath.Base(name)))
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(name), err)
			continue
		}
		if o.ExternalID == "" || !strings.HasPrefix(o.GID, "gid://shopify/Order/") || o.Currency == "" || len(o.Lines) == 0 {
			t.Errorf("%s: incomplete order %+v", filepath.Base(name), o)
		}
		for i, l := range o.Lines {
			if l.ExternalID == "" || l.Title == "" || l.Quantity <= 0 || l.UnitPrice <= 0 {
				t.Errorf("%s: incomplete line %d %+v", filepath.Base(name), i, l)
			}
		}
	}
}

func TestTranslateOrder2025Fixture(t *testing.T) {
	t.Parallel()
	got, err := shopify.TranslateOrder(fixture(t, "orders-create.2025-01.json"))
	if err != nil {
		t.Fatalf("TranslateOrder: %v", err)
	}
	if got.ExternalID != "820982911946154500" || got.GID != "gid://shopify/Order/820982911946154508" {
		t.Errorf("ids = %s, %s", got.ExternalID, got.GID)
	}
	if len(got.Lines) != 2 {
		t.Fatalf("got %d lines, want 2", len(got.Lines))
	}
	want := canonical.Line{
		ExternalID: "866550311766439000", VariantID: "808950810", ProductID: "632910392",
		SKU: "IPOD2008PINK", Title: "IPod Nano - 8GB", Quantity: 1, FulfillableQuantity: 1,
		UnitPrice: 19900, RequiresShipping: true,
	}
	if !reflect.DeepEqual(got.Lines[0], want) {
		t.Errorf("line 0 =\n%+v\nwant\n%+v", got.Lines[0], want)
	}
	if got.Lines[1].ExternalID != "141249953214522980" {
		t.Errorf("line 1 id = %s", got.Lines[1].ExternalID)
	}
}

// minimalOrder is a well-formed body that each test below bends one way.
func minimalOrder(mutate func(o, line map[string]any)) []byte {
	line := map[string]any{
		"id":                   json.Number("9007199254740993"), // 2^53+1: a float64 would make it ...992
		"variant_id":           json.Number("18446744073709551615"),
		"product_id":           json.Number("7"),
		"sku":                  " SKU-1 ",
		"title":                "T-shirt",
		"variant_title":        "Large",
		"quantity":             json.Number("3"),
		"fulfillable_quantity": json.Number("2"),
		"price":                "19.90",
		"requires_shipping":    true,
		"gift_card":            false,
	}
	o := map[string]any{
		"id":                   json.Number("5000000000000000001"),
		"admin_graphql_api_id": "gid://shopify/Order/5000000000000000001",
		"name":                 "#1001",
		"order_number":         json.Number("1001"),
		"currency":             "usd",
		"financial_status":     "PAID",
		"cancelled_at":         nil,
		"updated_at":           "2026-02-03T04:05:06Z",
		"email":                "",
		"contact_email":        "buyer@example.com",
		"shipping_address":     map[string]any{"first_name": "Ada", "last_name": "Lovelace", "address1": "1 Main St", "city": "London", "country_code": "GB"},
		"line_items":           []any{line},
	}
	if mutate != nil {
		mutate(o, line)
	}
	b, err := json.Marshal(o)
	if err != nil {
		panic(err)
	}
	return b
}

func TestTranslateOrderFields(t *testing.T) {
	t.Parallel()
	got, err := shopify.TranslateOrder(minimalOrder(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := canonical.Order{
		Platform:        "shopify",
		ExternalID:      "5000000000000000001",
		GID:             "gid://shopify/Order/5000000000000000001",
		Name:            "#1001",
		Number:          1001,
		Currency:        "USD",
		FinancialStatus: canonical.FinancialPaid,
		CustomerEmail:   "buyer@example.com",
		ShipTo:          canonical.Address{Name: "Ada Lovelace", Address1: "1 Main St", City: "London", CountryCode: "GB"},
		Lines: []canonical.Line{{
			ExternalID: "9007199254740993", VariantID: "18446744073709551615", ProductID: "7",
			SKU: "SKU-1", Title: "T-shirt - Large", Quantity: 3, FulfillableQuantity: 2,
			UnitPrice: 1990, RequiresShipping: true,
		}},
		UpdatedAt: time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC),
	}
	assertOrder(t, got, want)
}

func TestTranslateOrderVariations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(o, line map[string]any)
		check  func(t *testing.T, o canonical.Order)
	}{
		{"default title not appended", func(_, l map[string]any) { l["variant_title"] = "Default Title" },
			func(t *testing.T, o canonical.Order) { eq(t, o.Lines[0].Title, "T-shirt") }},
		{"null variant title", func(_, l map[string]any) { l["variant_title"] = nil },
			func(t *testing.T, o canonical.Order) { eq(t, o.Lines[0].Title, "T-shirt") }},
		{"deleted variant", func(_, l map[string]any) { l["variant_id"] = nil; l["product_id"] = nil },
			func(t *testing.T, o canonical.Order) {
				eq(t, o.Lines[0].VariantID, "")
				eq(t, o.Lines[0].ProductID, "")
			}},
		{"fulfillable quantity absent", func(_, l map[string]any) { delete(l, "fulfillable_quantity") },
			func(t *testing.T, o canonical.Order) { eq(t, o.Lines[0].FulfillableQuantity, 3) }},
		{"fulfillable quantity zero", func(_, l map[string]any) { l["fulfillable_quantity"] = 0 },
			func(t *testing.T, o canonical.Order) { eq(t, o.Lines[0].FulfillableQuantity, 0) }},
		{"id as digit string", func(o, _ map[string]any) { o["id"] = "5000000000000000001" },
			func(t *testing.T, o canonical.Order) { eq(t, o.ExternalID, "5000000000000000001") }},
		{"GID falls back to id", func(o, _ map[string]any) { delete(o, "admin_graphql_api_id") },
			func(t *testing.T, o canonical.Order) { eq(t, o.GID, "gid://shopify/Order/5000000000000000001") }},
		{"email preferred to contact_email", func(o, _ map[string]any) { o["email"] = "a@example.com" },
			func(t *testing.T, o canonical.Order) { eq(t, o.CustomerEmail, "a@example.com") }},
		{"no shipping address", func(o, _ map[string]any) { o["shipping_address"] = nil },
			func(t *testing.T, o canonical.Order) { eq(t, o.ShipTo, canonical.Address{}) }},
		{"address name wins over parts", func(o, _ map[string]any) {
			o["shipping_address"] = map[string]any{"name": "Dr Ada", "first_name": "Ada", "company": "Engines Ltd", "address2": "Flat 2", "province": "Greater London", "province_code": "LND", "zip": "N1", "country": "United Kingdom", "phone": "+44 20"}
		}, func(t *testing.T, o canonical.Order) {
			eq(t, o.ShipTo, canonical.Address{Name: "Dr Ada", Company: "Engines Ltd", Address2: "Flat 2", Province: "Greater London", ProvinceCode: "LND", Zip: "N1", Country: "United Kingdom", Phone: "+44 20"})
		}},
		{"price in a zero-decimal currency", func(o, l map[string]any) { o["currency"] = "JPY"; l["price"] = "1500" },
			func(t *testing.T, o canonical.Order) { eq(t, o.Lines[0].UnitPrice, money.Amount(1500)) }},
		{"price as a JSON number", func(_, l map[string]any) { l["price"] = json.Number("19.90") },
			func(t *testing.T, o canonical.Order) { eq(t, o.Lines[0].UnitPrice, money.Amount(1990)) }},
		{"gift card", func(_, l map[string]any) { l["gift_card"] = true; l["requires_shipping"] = false },
			func(t *testing.T, o canonical.Order) {
				eq(t, o.Lines[0].GiftCard, true)
				eq(t, o.Lines[0].RequiresShipping, false)
			}},
		{"cancelled", func(o, _ map[string]any) { o["cancelled_at"] = "2026-02-04T10:00:00+01:00" },
			func(t *testing.T, o canonical.Order) {
				if o.CancelledAt == nil || !o.CancelledAt.Equal(time.Date(2026, 2, 4, 9, 0, 0, 0, time.UTC)) {
					t.Errorf("CancelledAt = %v", o.CancelledAt)
				}
			}},
		{"no line items", func(o, _ map[string]any) { delete(o, "line_items") },
			func(t *testing.T, o canonical.Order) { eq(t, len(o.Lines), 0) }},
		{"title falls back to name", func(_, l map[string]any) { l["title"] = ""; l["name"] = "Mystery box" },
			func(t *testing.T, o canonical.Order) { eq(t, o.Lines[0].Title, "Mystery box") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, err := shopify.TranslateOrder(minimalOrder(tt.mutate))
			if err != nil {
				t.Fatalf("TranslateOrder: %v", err)
			}
			tt.check(t, o)
		})
	}
}

func TestTranslateOrderFinancialStatus(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"pending":            canonical.FinancialPending,
		"authorized":         canonical.FinancialAuthorized,
		"partially_paid":     canonical.FinancialPartiallyPaid,
		"paid":               canonical.FinancialPaid,
		"PAID":               canonical.FinancialPaid,
		"partially_refunded": canonical.FinancialPartiallyRefunded,
		"refunded":           canonical.FinancialRefunded,
		"voided":             canonical.FinancialVoided,
		"Expired":            "expired", // unknown: kept, lower-cased
		"":                   "",
	}
	for in, want := range tests {
		o, err := shopify.TranslateOrder(minimalOrder(func(o, _ map[string]any) { o["financial_status"] = in }))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if o.FinancialStatus != want {
			t.Errorf("financial_status %q -> %q, want %q", in, o.FinancialStatus, want)
		}
	}
}

func TestTranslateOrderMalformed(t *testing.T) {
	t.Parallel()
	raw := func(s string) []byte { return []byte(s) }
	body := func(mutate func(o, line map[string]any)) []byte { return minimalOrder(mutate) }
	tests := []struct {
		name string
		body []byte
		want string // part of the error text
	}{
		{"empty", raw(""), "body is empty"},
		{"not JSON", raw("id=1&name=x"), "not valid JSON"},
		{"truncated JSON", raw(`{"id": 1, "line_items": [`), "not valid JSON"},
		{"JSON array", raw(`[{"id": 1}]`), "JSON array, not an object"},
		{"JSON string", raw(`"order"`), "JSON string, not an object"},
		{"JSON null", raw(`null`), "JSON null, not an object"},
		{"two objects", raw(`{"id":1}{"id":2}`), "not valid JSON"},
		{"missing id", body(func(o, _ map[string]any) { delete(o, "id") }), "id is missing"},
		{"null id", body(func(o, _ map[string]any) { o["id"] = nil }), "id is missing"},
		{"float id", body(func(o, _ map[string]any) { o["id"] = json.Number("1.5e18") }), "id 1.5e18 is not a valid id"},
		{"decimal id", body(func(o, _ map[string]any) { o["id"] = json.Number("820982911946154508.0") }), "is not a valid id"},
		{"negative id", body(func(o, _ map[string]any) { o["id"] = json.Number("-4") }), "is not a valid id"},
		{"zero id", body(func(o, _ map[string]any) { o["id"] = 0 }), "id is 0"},
		{"id too large", body(func(o, _ map[string]any) { o["id"] = json.Number("18446744073709551616") }), "is not a valid id"},
		{"non-digit string id", body(func(o, _ map[string]any) { o["id"] = "gid://shopify/Order/1" }), "is not a valid id"},
		{"boolean id", body(func(o, _ map[string]any) { o["id"] = true }), "id is a JSON boolean, want a number"},
		{"wrong GID type", body(func(o, _ map[string]any) { o["admin_graphql_api_id"] = "gid://shopify/Customer/1" }), "is not an order GID"},
		{"missing currency", body(func(o, _ map[string]any) { delete(o, "currency") }), "currency"},
		{"bad currency", body(func(o, _ map[string]any) { o["currency"] = "dollars" }), "not an ISO 4217 code"},
		{"name is a number", body(func(o, _ map[string]any) { o["name"] = 1001 }), "field name is a JSON number, want string"},
		{"line_items not a list", body(func(o, _ map[string]any) { o["line_items"] = map[string]any{} }), "field line_items is a JSON object"},
		{"bad updated_at", body(func(o, _ map[string]any) { o["updated_at"] = "yesterday" }), "updated_at \"yesterday\" is not an RFC 3339 time"},
		{"bad cancelled_at", body(func(o, _ map[string]any) { o["cancelled_at"] = "2026-13-01" }), "cancelled_at"},
		{"fractional order_number", body(func(o, _ map[string]any) { o["order_number"] = 10.5 }), "order_number 10.5 is not a whole number"},
		{"missing line id", body(func(_, l map[string]any) { delete(l, "id") }), "line_items[0]: id is missing"},
		{"float line id", body(func(_, l map[string]any) { l["id"] = json.Number("8.66550311766439e17") }), "line_items[0]: id 8.66550311766439e17 is not a valid id"},
		{"float variant id", body(func(_, l map[string]any) { l["variant_id"] = 1.5 }), "line_items[0]: variant_id 1.5 is not a valid id"},
		{"negative quantity", body(func(_, l map[string]any) { l["quantity"] = -1 }), "line_items[0]: quantity is negative (-1)"},
		{"fractional quantity", body(func(_, l map[string]any) { l["quantity"] = 1.5 }), "quantity 1.5 is not a whole number"},
		{"missing quantity", body(func(_, l map[string]any) { delete(l, "quantity") }), "quantity is missing"},
		{"huge quantity", body(func(_, l map[string]any) { l["quantity"] = json.Number("99999999999") }), "implausibly large"},
		{"negative fulfillable quantity", body(func(_, l map[string]any) { l["fulfillable_quantity"] = -2 }), "fulfillable_quantity is negative"},
		{"unparseable price", body(func(_, l map[string]any) { l["price"] = "19,90" }), "line_items[0]: price"},
		{"price with too many decimals", body(func(_, l map[string]any) { l["price"] = "19.999" }), "more than 2 decimal places"},
		{"missing price", body(func(_, l map[string]any) { delete(l, "price") }), "price is missing"},
		{"price as object", body(func(_, l map[string]any) { l["price"] = map[string]any{"amount": "1"} }), "price is a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := shopify.TranslateOrder(tt.body)
			if err == nil {
				t.Fatalf("no error for %s", tt.body)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "shopify order: ") {
				t.Errorf("error %q lacks the shopify order prefix", err)
			}
		})
	}
}

func assertOrder(t *testing.T, got, want canonical.Order) {
	t.Helper()
	if (got.CancelledAt == nil) != (want.CancelledAt == nil) ||
		(got.CancelledAt != nil && !got.CancelledAt.Equal(*want.CancelledAt)) {
		t.Errorf("CancelledAt = %v, want %v", got.CancelledAt, want.CancelledAt)
	}
	if !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Errorf("UpdatedAt = %v, want %v", got.UpdatedAt, want.UpdatedAt)
	}
	got.CancelledAt, want.CancelledAt = nil, nil
	got.UpdatedAt, want.UpdatedAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got.Lines, want.Lines) {
		for i := range max(len(got.Lines), len(want.Lines)) {
			var g, w canonical.Line
			if i < len(got.Lines) {
				g = got.Lines[i]
			}
			if i < len(want.Lines) {
				w = want.Lines[i]
			}
			if g != w {
				t.Errorf("line %d =\n%+v\nwant\n%+v", i, g, w)
			}
		}
	}
	got.Lines, want.Lines = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("order =\n%+v\nwant\n%+v", got, want)
	}
}

func eq[T comparable](t *testing.T, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}
