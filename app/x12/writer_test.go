package x12

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

var (
	samplePO = &PurchaseOrder{
		Purpose: "00", Type: "DS", PONumber: "PO-1001", Date: "20240309", Currency: "USD",
		Refs:  []Ref{{"CO", "1001"}, {"IA", "V-77"}},
		Dates: []DateRef{{"002", "20240315"}},
		Parties: []Party{
			{Entity: "ST", Name: "Ada Lovelace", IDQualifier: "92", ID: "SHOP-1", Name2: "c/o Babbage",
				Address1: "12 St James's Square", Address2: "Flat 2", MoreAddress: []string{"Building B"},
				City: "London", State: "LND", Zip: "SW1Y 4JH", Country: "GB"},
			{Entity: "BT", Name: "Consign Retail"},
		},
		Lines: []POLine{
			{LineNumber: "1", Quantity: "2", Unit: "EA", Price: "19.99", PriceBasis: "PE",
				IDs: []ID{{"VN", "SKU-RED-M"}, {"UP", "012345678905"}}, Description: "Red T-shirt, medium"},
			{LineNumber: "2", Quantity: "1.5", Unit: "LB", Price: "4.10",
				IDs: []ID{{"VN", "COFFEE"}, {"EN", "4006381333931"}, {"UK", "10012345678902"}}},
		},
		LineCount: "2",
	}
	sampleAck = &POAck{
		Purpose: "00", AckType: "AC", PONumber: "PO-1001", Date: "20240310",
		Lines: []AckLine{
			{LineNumber: "1", OrderedQuantity: "2", Unit: "EA", Price: "19.99", IDs: []ID{{"VN", "SKU-RED-M"}},
				Description: "Red T-shirt, medium", Acks: []LineAck{{"IA", "1", "EA"}, {"IB", "1", "EA"}}},
			{LineNumber: "2", OrderedQuantity: "1.5", Unit: "LB", IDs: []ID{{"VN", "COFFEE"}}, Acks: []LineAck{{"IR", "0", "LB"}}},
		},
	}
	sampleShip = &ShipNotice{
		Purpose: "00", ShipmentID: "SHIP-9", Date: "20240311", Time: "0930",
		Carrier: "UPSN", Routing: "UPS GROUND", BillOfLading: "BOL-1",
		TrackingNumbers: []string{"1Z999AA10123456784"},
		Packs: []Pack{
			{Level: "P", Marks: []Mark{{"GM", "00000123450000000018"}}, TrackingNumbers: []string{"1Z999AA10123456785"}},
			{Level: "P", Marks: []Mark{{"GM", "00000123450000000025"}}},
			{Level: "T", Marks: []Mark{{"GM", "00000123450000000032"}}},
		},
		Orders: []ShipOrder{
			{PONumber: "PO-1001", PODate: "20240309", Items: []ShipItem{
				{LineNumber: "1", IDs: []ID{{"VN", "SKU-RED-M"}, {"UP", "012345678905"}}, Quantity: "1", Unit: "EA", Description: "Red T-shirt", Pack: 1},
				{LineNumber: "2", IDs: []ID{{"VN", "COFFEE"}}, Quantity: "1.5", Unit: "LB"},
				{LineNumber: "1", IDs: []ID{{"VN", "SKU-RED-M"}}, Quantity: "1", Unit: "EA", Pack: 2},
				{LineNumber: "3", IDs: []ID{{"VN", "MUG"}}, Quantity: "4", Unit: "EA", Pack: 1},
			}},
			{PONumber: "PO-1002", Items: []ShipItem{
				{LineNumber: "1", IDs: []ID{{"VN", "PALLETED"}}, Quantity: "40", Unit: "CA", Pack: 3},
			}},
		},
	}
	sampleInvoice = &Invoice{
		Date: "20240312", InvoiceNumber: "INV-55", PODate: "20240309", PONumber: "PO-1001",
		Lines: []InvoiceLine{
			{LineNumber: "1", Quantity: "2", Unit: "EA", Price: "19.99", PriceBasis: "PE", IDs: []ID{{"VN", "SKU-RED-M"}}, Description: "Red T-shirt"},
			{LineNumber: "2", Quantity: "1.5", Unit: "LB", Price: "4.10", IDs: []ID{{"VN", "COFFEE"}}},
		},
		Total: "46.13", TotalRaw: "4613",
	}
	sampleInventory = &InventoryAdvice{
		Purpose: "00", ReportType: "SI", Reference: "INV-2024-03-12", Date: "20240312",
		Items: []InventoryItem{
			{LineNumber: "1", IDs: []ID{{"VN", "SKU-RED-M"}, {"UP", "012345678905"}}, Description: "Red T-shirt",
				Quantities: []Quantity{{"33", "120", "EA"}, {"17", "130", "EA"}}},
			{LineNumber: "2", IDs: []ID{{"VN", "COFFEE"}}, Quantities: []Quantity{{"17", "0", "LB"}}},
		},
	}
)

var (
	minimalPO   = &PurchaseOrder{Purpose: "00", Type: "SA", PONumber: "P1", Date: "20240309", LineCount: "0"}
	minimalShip = &ShipNotice{Purpose: "00", ShipmentID: "S1", Date: "20240311", Time: "0930"}
)

// TestRoundTrip writes each typed document, parses it back and expects the
// same document, in 004010 and 005010.
func TestRoundTrip(t *testing.T) {
	for _, version := range []string{"004010", "005010"} {
		for _, c := range []struct {
			name   string
			doc    any
			body   SetBody
			decode func(*Transaction) (any, error)
		}{
			{"850", samplePO, samplePO.Set(), func(tx *Transaction) (any, error) { return tx.PurchaseOrder() }},
			{"855", sampleAck, sampleAck.Set(), func(tx *Transaction) (any, error) { return tx.POAck() }},
			{"856", sampleShip, sampleShip.Set(), func(tx *Transaction) (any, error) { return tx.ShipNotice() }},
			{"810", sampleInvoice, sampleInvoice.Set(), func(tx *Transaction) (any, error) { return tx.Invoice() }},
			{"846", sampleInventory, sampleInventory.Set(), func(tx *Transaction) (any, error) { return tx.InventoryAdvice() }},
			// Minimal documents: absent lists stay nil.
			{"minimal 850", minimalPO, minimalPO.Set(), func(tx *Transaction) (any, error) { return tx.PurchaseOrder() }},
			{"minimal 856", minimalShip, minimalShip.Set(), func(tx *Transaction) (any, error) { return tx.ShipNotice() }},
		} {
			t.Run(version+"/"+c.name, func(t *testing.T) {
				data, err := Encode(testEnvelope(version), FunctionalID(c.body.ID), []SetBody{c.body, c.body})
				if err != nil {
					t.Fatal(err)
				}
				f := mustParse(t, data)
				if len(f.Warnings) != 0 {
					t.Fatalf("written data has warnings: %v\n%s", f.Warnings, data)
				}
				g := f.Interchanges[0].Groups[0]
				eq(t, "GS08", g.Version, version)
				eq(t, "ST02s", []string{g.Transactions[0].ControlNumber, g.Transactions[1].ControlNumber}, []string{"0001", "0002"})
				for i := range g.Transactions {
					got, err := c.decode(&g.Transactions[i])
					if err != nil {
						t.Fatalf("decode: %v\n%s", err, data)
					}
					eq(t, "document", got, c.doc)
				}
			})
		}
	}
}

func TestFunctionalAckRoundTrip(t *testing.T) {
	// Acknowledge a received group with a problem in each of three sets.
	body := append(append([]string{}, goodBody[:5]...), "SE*9*0001", // count wrong: R
		"ST*850*0002", "PO1*1*2*EA", "SE*3*0002", // no BEG: R once decoded
		"ST*850*0002", "BEG*00*DS*PO9**20240102", "SE*3*0002", // ST02 repeats: E
		"GE*3*1", "IEA*1*000000001")
	f := mustParse(t, []byte(doc(body...)))
	g := &f.Interchanges[0].Groups[0]
	_, decodeErr := g.Transactions[1].PurchaseOrder()
	if decodeErr == nil {
		t.Fatal("an 850 without BEG decoded")
	}
	ack := Acknowledge(g, []*SyntaxError{decodeErr.(*SyntaxError)})
	for _, version := range []string{"004010", "005010"} {
		data, err := Encode(testEnvelope(version), "FA", []SetBody{ack.Set()})
		if err != nil {
			t.Fatal(err)
		}
		back := funcAck(t, mustParse(t, data), 0, 0, 0)
		eq(t, version+" 997", back, ack)
	}
}

func TestEncodeEnvelope(t *testing.T) {
	env := testEnvelope("005010")
	env.LineBreaks = true
	data, err := Encode(env, "PO", []SetBody{samplePO.Set()})
	if err != nil {
		t.Fatal(err)
	}
	isa := string(data[:107])
	eq(t, "ISA", isa, "ISA*00*          *00*          *ZZ*CONSIGN        *ZZ*SUPPLIER01     *240309*1405*^*00501*000000042*0*T*>~\n")
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	eq(t, "GS", lines[1], "GS*PO*CONSIGN*SUPPLIER01*20240309*1405*7*X*005010~")
	eq(t, "ST", lines[2], "ST*850*0001~")
	eq(t, "trailing empty elements dropped", lines[len(lines)-5], "PO1*2*1.5*LB*4.10**VN*COFFEE*EN*4006381333931*UK*10012345678902~")
	eq(t, "SE", lines[len(lines)-3], "SE*17*0001~")
	eq(t, "GE", lines[len(lines)-2], "GE*1*7~")
	eq(t, "IEA", lines[len(lines)-1], "IEA*1*000000042~")

	env = testEnvelope("004010")
	env.Delimiters = Delimiters{'|', '^', ':', '\n'}
	env.LineBreaks = true
	data, err = Encode(env, "PO", []SetBody{samplePO.Set()})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("\n\n")) {
		t.Error("a newline terminator got a second newline")
	}
	eq(t, "004010 ISA11 and ISA16", string(data[82:84])+string(data[103:106]), "U||:\n")
}

func TestEncodeRefuses(t *testing.T) {
	po := *samplePO
	po.PONumber = "PO*1"
	inv := *sampleInvoice
	inv.Total = "46.125"
	cases := []struct {
		name   string
		env    Envelope
		sets   []SetBody
		reason string
	}{
		{"delimiter in a value", testEnvelope("004010"), []SetBody{po.Set()}, `BEG03 "PO*1" contains '*'`},
		{"line break in a value", testEnvelope("004010"), []SetBody{{ID: "850", Segments: []Segment{{ID: "NTE", Elements: []string{"GEN", "a\nb"}}}}}, "line break"},
		{"too many decimals in TDS", testEnvelope("004010"), []SetBody{inv.Set()}, "more than 2 decimal places"},
		{"long sender", func() Envelope { e := testEnvelope("004010"); e.SenderID = "A-VERY-LONG-SENDER-ID"; return e }(), []SetBody{po.Set()}, "longer than 15"},
		{"bad version", testEnvelope("4010"), []SetBody{samplePO.Set()}, "version"},
		{"control number out of range", func() Envelope { e := testEnvelope("004010"); e.InterchangeControl = 1e9; return e }(), []SetBody{samplePO.Set()}, "outside 1..999999999"},
		{"clashing delimiters", func() Envelope {
			e := testEnvelope("004010")
			e.Delimiters = Delimiters{'*', '^', '*', '~'}
			return e
		}(), []SetBody{samplePO.Set()}, "used twice"},
		{"5010 without a repetition separator", func() Envelope {
			e := testEnvelope("005010")
			e.Delimiters = Delimiters{Element: '*', Component: '>', Segment: '~'}
			return e
		}(), []SetBody{samplePO.Set()}, "repetition separator"},
		{"envelope segment in a body", testEnvelope("004010"), []SetBody{{ID: "850", Segments: []Segment{{ID: "SE", Elements: []string{"1"}}}}}, "envelope segment"},
		{"no sets", testEnvelope("004010"), nil, "no transaction sets"},
		{"no time", func() Envelope { e := testEnvelope("004010"); e.Time = time.Time{}; return e }(), []SetBody{samplePO.Set()}, "time is not set"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Encode(c.env, "PO", c.sets)
			if err == nil || !strings.Contains(err.Error(), c.reason) {
				t.Fatalf("got %v, want an error saying %q", err, c.reason)
			}
		})
	}
	// Clean makes the refused value writable.
	po.PONumber = Clean(po.PONumber)
	if _, err := Encode(testEnvelope("004010"), "PO", []SetBody{po.Set()}); err != nil {
		t.Errorf("after Clean: %v", err)
	}
}

func TestClean(t *testing.T) {
	eq(t, "default", Clean("a*b>c^d~e\r\nf\tg"), "a b c d e  f g")
	eq(t, "custom", Delimiters{'|', 0, ':', '\''}.Clean("it's a|b:c*d"), "it s a b c*d")
	eq(t, "non-ASCII kept", Clean("Café ~ Zürich"), "Café   Zürich")
}

func TestDecimals(t *testing.T) {
	for raw, want := range map[string]string{"1999": "19.99", "130": "1.30", "5": "0.05", "0": "0.00", "-130": "-1.30", "-0": "0.00", "0001999": "19.99"} {
		got, err := impliedDecimal(raw, 2)
		if err != nil || got != want {
			t.Errorf("impliedDecimal(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
	for _, bad := range []string{"", "19.99", "1e3", "--1", "12a"} {
		if _, err := impliedDecimal(bad, 2); err == nil {
			t.Errorf("impliedDecimal(%q) accepted", bad)
		}
	}
	for s, want := range map[string]string{"19.99": "1999", "19.9": "1990", "19": "1900", ".5": "50", "0.05": "5", "0": "0", "-1.30": "-130", "19.990": "1999"} {
		got, err := toImplied(s, 2)
		if err != nil || got != want {
			t.Errorf("toImplied(%q) = %q, %v; want %q", s, got, err, want)
		}
	}
	for _, bad := range []string{"", "19.999", "1,00", "abc", "."} {
		if _, err := toImplied(bad, 2); err == nil {
			t.Errorf("toImplied(%q) accepted", bad)
		}
	}
	for s, want := range map[string]bool{"1": true, "-1.5": true, ".5": true, "5.": true, "1.5E3": true, "1E-2": true, "": false, ".": false, "1.2.3": false, "+1": false, "1,5": false, "E3": false} {
		eq(t, "isDecimal("+s+")", isDecimal(s), want)
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		name    string
		body    []string
		decode  func(*Transaction) error
		kind    Kind
		segment int
		element int
	}{
		{"850 without BEG", replaced(4), func(tx *Transaction) error { _, err := tx.PurchaseOrder(); return err }, KindMissingSegment, 3, 0},
		{"850 without PO number", replaced(4, "BEG*00*DS***20240102"), func(tx *Transaction) error { _, err := tx.PurchaseOrder(); return err }, KindMissingElement, 4, 3},
		{"850 quantity not a number", replaced(5, "PO1*1*two*EA"), func(tx *Transaction) error { _, err := tx.PurchaseOrder(); return err }, KindInvalidElement, 5, 2},
		{"850 read as 856", goodBody, func(tx *Transaction) error { _, err := tx.ShipNotice(); return err }, KindInvalidElement, 3, 1},
		{"856 HL parent unknown", []string{"GS*SH*A*B*20240102*1030*1*X*004010", "ST*856*0001", "BSN*00*S1*20240102*1030", "HL*1**S", "HL*2*7*O", "SE*5*0001", "GE*1*1", "IEA*1*000000001"},
			func(tx *Transaction) error { _, err := tx.ShipNotice(); return err }, KindInvalidElement, 6, 2},
		{"856 HL ID twice", []string{"GS*SH*A*B*20240102*1030*1*X*004010", "ST*856*0001", "BSN*00*S1*20240102*1030", "HL*1**S", "HL*1*1*O", "SE*5*0001", "GE*1*1", "IEA*1*000000001"},
			func(tx *Transaction) error { _, err := tx.ShipNotice(); return err }, KindInvalidElement, 6, 1},
		{"856 HL its own parent", []string{"GS*SH*A*B*20240102*1030*1*X*004010", "ST*856*0001", "BSN*00*S1*20240102*1030", "HL*1*1*S", "SE*4*0001", "GE*1*1", "IEA*1*000000001"},
			func(tx *Transaction) error { _, err := tx.ShipNotice(); return err }, KindInvalidElement, 5, 2},
		{"810 TDS not N2", []string{"GS*IN*A*B*20240102*1030*1*X*004010", "ST*810*0001", "BIG*20240102*INV1", "TDS*19.99", "SE*4*0001", "GE*1*1", "IEA*1*000000001"},
			func(tx *Transaction) error { _, err := tx.Invoice(); return err }, KindInvalidElement, 5, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := mustParse(t, []byte(doc(c.body...)))
			err := c.decode(set(t, f, 0, 0, 0))
			se, ok := err.(*SyntaxError)
			if !ok {
				t.Fatalf("got %v, want a *SyntaxError", err)
			}
			eq(t, "kind", se.Kind, c.kind)
			eq(t, "segment", se.Segment, c.segment)
			eq(t, "element", se.Element, c.element)
		})
	}
}
