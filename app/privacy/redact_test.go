package privacy

import (
	"strings"
	"testing"
)

func TestRedactBodyKeepsIDsAmountsAndSKUs(t *testing.T) {
	in := `{"id":820982911946154508,"name":"#9999","email":"jon@example.com","total_price":"89.99",
		"customer":{"id":115310627314723954,"email":"john@example.com","first_name":"John","name":"John Smith"},
		"shipping_address":{"name":"Steve Shipper","address1":"123 Shipping Street","city":"Shippington","country_code":"US"},
		"line_items":[{"name":"Aviator","sku":"SKU2006-001","quantity":1,"price":"89.99"}]}`
	out := string(RedactBody([]byte(in)))
	for _, gone := range []string{"jon@example.com", "john@example.com", "John", "Steve Shipper", "123 Shipping Street", "Shippington"} {
		if strings.Contains(out, gone) {
			t.Errorf("redacted body still holds %q: %s", gone, out)
		}
	}
	for _, kept := range []string{"820982911946154508", "115310627314723954", `"#9999"`, `"Aviator"`, "SKU2006-001", `"89.99"`, `"quantity":1`, `"US"`} {
		if !strings.Contains(out, kept) {
			t.Errorf("redacted body lost %s: %s", kept, out)
		}
	}
	if again := string(RedactBody([]byte(out))); again != out {
		t.Errorf("redacting twice changed the body:\n%s\n%s", out, again)
	}
	if got := string(RedactBody([]byte("not json"))); got != `{"redacted":true}` {
		t.Errorf("non-JSON body became %s", got)
	}
}
