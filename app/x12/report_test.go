package x12

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestReportContract checks the JSON field names and values the CLI relies on.
func TestReportContract(t *testing.T) {
	ackData, err := Encode(testEnvelope("004010"), "PR", []SetBody{sampleAck.Set()})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		data []byte
		want map[string]any // JSON path -> value
	}{
		{"850", readFixture(t, "4010_850_nodex12_1.edi"), map[string]any{
			"interchanges.0.sender_id":                                   "4405197800",
			"interchanges.0.receiver_id":                                 "999999999",
			"interchanges.0.control_number":                              "000003438",
			"interchanges.0.groups.0.functional_id":                      "PO",
			"interchanges.0.groups.0.version":                            "004010VICS",
			"interchanges.0.groups.0.control_number":                     "1421",
			"interchanges.0.groups.0.transactions.0.set":                 "850",
			"interchanges.0.groups.0.transactions.0.control_number":      "000000010",
			"interchanges.0.groups.0.transactions.0.po_number":           "08292233294",
			"interchanges.0.groups.0.transactions.0.lines.#":             6,
			"interchanges.0.groups.0.transactions.0.lines.0.line_number": "1",
			"interchanges.0.groups.0.transactions.0.lines.0.quantity":    "120",
			"interchanges.0.groups.0.transactions.0.lines.0.unit":        "EA",
			"interchanges.0.groups.0.transactions.0.lines.4.price":       "7.5",
			"interchanges.0.groups.0.transactions.0.lines.0.ids.VN":      "AB3542",
			"interchanges.0.groups.0.transactions.0.lines.0.ids.CB":      "065322-117",
		}},
		{"855 with several ACKs on a line", ackData, map[string]any{
			"interchanges.0.groups.0.transactions.0.po_number":           "PO-1001",
			"interchanges.0.groups.0.transactions.0.lines.#":             3,
			"interchanges.0.groups.0.transactions.0.lines.0.line_number": "1",
			"interchanges.0.groups.0.transactions.0.lines.0.status":      "IA",
			"interchanges.0.groups.0.transactions.0.lines.0.quantity":    "1",
			"interchanges.0.groups.0.transactions.0.lines.1.line_number": "1",
			"interchanges.0.groups.0.transactions.0.lines.1.status":      "IB",
			"interchanges.0.groups.0.transactions.0.lines.2.line_number": "2",
			"interchanges.0.groups.0.transactions.0.lines.2.status":      "IR",
			"interchanges.0.groups.0.transactions.0.lines.2.quantity":    "0",
		}},
		{"855 without ACKs", readFixture(t, "4010_855_bots_1.edi"), map[string]any{
			"interchanges.0.groups.0.transactions.0.lines.0.status":   "",
			"interchanges.0.groups.0.transactions.0.lines.0.quantity": "102",
		}},
		{"856", readFixture(t, "4010_856_oopf_1.edi"), map[string]any{
			"interchanges.0.groups.0.transactions.0.shipment_id":               "521649209219",
			"interchanges.0.groups.0.transactions.0.tracking_numbers.0":        "521649209219",
			"interchanges.0.groups.0.transactions.0.orders.0.po_number":        "SO/VINCE1",
			"interchanges.0.groups.0.transactions.0.orders.0.items.0.quantity": "1",
			"interchanges.0.groups.0.transactions.0.orders.0.items.0.ids.UP":   "883932284904",
			"interchanges.0.groups.0.transactions.0.carrier":                   "FED2",
		}},
		{"856 empty", readFixture(t, "5010_856_x12types_1.edi"), map[string]any{
			"interchanges.0.groups.0.transactions.0.orders.#":           0,
			"interchanges.0.groups.0.transactions.0.tracking_numbers.#": 0,
			"interchanges.0.groups.0.transactions.0.warnings.#":         1,
		}},
		{"810", readFixture(t, "4010_810_bots_1.edi"), map[string]any{
			"interchanges.0.groups.0.transactions.0.invoice_number": "95018017",
			"interchanges.0.groups.0.transactions.0.po_number":      "ordernumber",
			"interchanges.0.groups.0.transactions.0.total":          "12345.79",
		}},
		{"846", readFixture(t, "5010_846_x12types_1.edi"), map[string]any{
			"interchanges.0.groups.0.transactions.0.items.0.ids.VN":   "ABC123",
			"interchanges.0.groups.0.transactions.0.items.0.quantity": "100",
		}},
		{"997", readFixture(t, "4010_997_bots_1.edi"), map[string]any{
			"interchanges.0.groups.0.transactions.0.group_control_number": "10001",
			"interchanges.0.groups.0.transactions.0.status":               "A",
		}},
		{"warnings", readFixture(t, "4010_850_edinet_1.edi"), map[string]any{
			"interchanges.0.warnings.0": `segment 15 (IEA02): IEA02 "000000001" does not match ISA13 "000000055"`,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := json.Marshal(Report(mustParse(t, c.data)))
			if err != nil {
				t.Fatal(err)
			}
			var v any
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatal(err)
			}
			noNumbers(t, v, "")
			for path, want := range c.want {
				eq(t, path, jsonAt(t, v, path), want)
			}
		})
	}
}

// jsonAt follows a dotted path of keys and indexes; a final "#" is the
// length of the list there.
func jsonAt(t *testing.T, v any, path string) any {
	t.Helper()
	for _, key := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[key]; !ok {
				t.Fatalf("%s: no %q", path, key)
			}
		case []any:
			if key == "#" {
				return len(x)
			}
			var i int
			if _, err := fmt.Sscan(key, &i); err != nil || i >= len(x) {
				t.Fatalf("%s: no index %q in a list of %d", path, key, len(x))
			}
			v = x[i]
		default:
			t.Fatalf("%s: %q under a %T", path, key, v)
		}
	}
	return v
}

// noNumbers fails on any JSON number or null: numbers travel as exact
// decimal strings and lists are never null.
func noNumbers(t *testing.T, v any, path string) {
	t.Helper()
	switch x := v.(type) {
	case float64:
		t.Errorf("%s is the JSON number %v, want a string", path, x)
	case nil:
		t.Errorf("%s is null", path)
	case map[string]any:
		for k, e := range x {
			noNumbers(t, e, path+"."+k)
		}
	case []any:
		for i, e := range x {
			noNumbers(t, e, fmt.Sprintf("%s.%d", path, i))
		}
	}
}
