package x12

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// fixtureFacts are what reading each published sample by eye says it holds.
type fixtureFacts struct {
	delims  Delimiters // of the first interchange
	version string     // ISA12 of the first interchange
	bom     bool       // starts with a UTF-8 byte order mark
	groups  int        // in the whole file
	sets    string     // ST01 of every set in the file, in order
	// warnings are the kinds Parse must report, in file order; a published
	// sample that breaks the standard says why in a comment.
	warnings []Kind
	check    func(t *testing.T, f *File)
}

var fixtures = map[string]fixtureFacts{
	"4010_810_bots_1.edi": {
		delims: Delimiters{'*', '^', '>', '~'}, version: "00403", groups: 1, sets: "810",
		check: func(t *testing.T, f *File) {
			inv := invoice(t, f, 0, 0, 0)
			eq(t, "invoice number", inv.InvoiceNumber, "95018017")
			eq(t, "PO number", inv.PONumber, "ordernumber")
			eq(t, "total (TDS*1234579 in N2)", inv.Total, "12345.79")
			eq(t, "lines", len(inv.Lines), 1)
			eq(t, "line 1", inv.Lines[0], InvoiceLine{LineNumber: "001", Quantity: "4", Unit: "EA", Price: "330",
				IDs: []ID{{"VN", "X357-W2"}, {"BP", "525"}}, Description: "HIGH PERFORMANCE WIDGET"})
		},
	},
	"4010_810_bots_2.edi": {
		delims: Delimiters{'*', 0, ':', '~'}, version: "00401", groups: 1, sets: "810,810",
		check: func(t *testing.T, f *File) {
			inv := invoice(t, f, 0, 0, 0)
			eq(t, "invoice number", inv.InvoiceNumber, "465266")
			eq(t, "total", inv.Total, "8432.02")
			eq(t, "lines", len(inv.Lines), 4)
			eq(t, "line 4 UPC case code", inv.Lines[3].IDs, []ID{{"UA", "001055503441"}})
			eq(t, "second invoice total", invoice(t, f, 0, 0, 1).Total, "1129.92")
		},
	},
	"4010_810_oopf_1.edi": {
		delims: Delimiters{'*', 0, ':', '~'}, version: "00401", groups: 1, sets: "810",
		check: func(t *testing.T, f *File) {
			inv := invoice(t, f, 0, 0, 0)
			eq(t, "PO number", inv.PONumber, "981903")
			eq(t, "lines", len(inv.Lines), 7)
			eq(t, "total", inv.Total, "56358.00")
		},
	},
	"4010_832_oopf_1.edi": {
		delims: Delimiters{'^', 0, '>', '~'}, version: "00040", bom: true, groups: 1, sets: "832",
		check: func(t *testing.T, f *File) {
			cat, err := f.Interchanges[0].Groups[0].Transactions[0].PriceCatalog()
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "items", len(cat.Items), 1)
			it := cat.Items[0]
			eq(t, "GTIN-14", it.IDs[1], ID{"UK", "50387698433528"})
			eq(t, "description", it.Description, "DRAPE, SMALL TOWEL, CLEAR PLASTIC, ADHESIVE STRIP")
			eq(t, "prices", it.Prices, []Price{{Class: "DI", Qualifier: "CAT", Value: "66.50", Quantity: "1", Unit: "CA"}, {Qualifier: "SLP", Value: "88.50"}})
		},
	},
	"4010_846_oopf_1.edi": {
		// ISA11 is a space: no repetition separator.
		delims: Delimiters{'~', 0, '>', '}'}, version: "00401", bom: true, groups: 1, sets: "846",
		check: func(t *testing.T, f *File) {
			g := f.Interchanges[0].Groups[0]
			eq(t, "GS02 trimmed", g.ReceiverID, "SANMINACORP")
			adv, err := g.Transactions[0].InventoryAdvice()
			if err != nil {
				t.Fatal(err)
			}
			it := adv.Items[0]
			eq(t, "buyer part", it.IDs[0], ID{"BP", "46L5055"})
			eq(t, "QTY*34 with UIT unit", it.Quantities[0], Quantity{"34", "5250", "EA"})
			onHand, ok := it.OnHand()
			eq(t, "on hand (34: noncommitted on shelf)", onHand, "5250")
			eq(t, "on hand found", ok, true)
		},
	},
	"4010_850_bots_1.edi": {
		delims: Delimiters{'|', 0, '>', '~'}, version: "00305", groups: 1, sets: "850,850,850,850",
		check: func(t *testing.T, f *File) {
			for i, want := range []struct {
				po    string
				lines int
			}{{"P1234567", 5}, {"Q1234567", 2}, {"V1234567", 1}, {"W1234567", 11}} {
				po := order(t, f, 0, 0, i)
				eq(t, "PO number", po.PONumber, want.po)
				eq(t, "lines of "+want.po, len(po.Lines), want.lines)
				eq(t, "CTT01 of "+want.po, po.LineCount, strconv.Itoa(want.lines))
			}
			eq(t, "first UPC", order(t, f, 0, 0, 0).Lines[0].IDs, []ID{{"UP", "717119850241"}})
		},
	},
	"4010_850_edinet_1.edi": {
		// The ISA is padded with no-break spaces (UTF-8 C2 A0), so it is
		// wider than 106 bytes; and IEA02 000000001 is not ISA13 000000055.
		delims: Delimiters{'*', 0, '>', '~'}, version: "00401", bom: true, groups: 1, sets: "850",
		warnings: []Kind{KindInterchangeControl},
		check: func(t *testing.T, f *File) {
			ic := f.Interchanges[0]
			eq(t, "sender trimmed of no-break spaces", ic.SenderID, "000123456")
			eq(t, "ISA02 trimmed", ic.Auth, "")
			po := order(t, f, 0, 0, 0)
			eq(t, "PO number", po.PONumber, "1000012")
			eq(t, "line", po.Lines[0], POLine{LineNumber: "1", Quantity: "1", Unit: "EA", Price: "19.95", IDs: []ID{{"VN", "0054321"}}})
			eq(t, "ship to", po.Parties[0], Party{Entity: "ST", Name: "John Doe", Address1: "126 Any St", City: "Hauppauge", State: "NY", Zip: "11788-1234", Country: "US"})
		},
	},
	"4010_850_nodex12_1.edi": {
		delims: Delimiters{'*', 0, '>', '~'}, version: "00400", groups: 1, sets: "850",
		check: func(t *testing.T, f *File) {
			eq(t, "GS08", f.Interchanges[0].Groups[0].Version, "004010VICS")
			po := order(t, f, 0, 0, 0)
			eq(t, "PO number", po.PONumber, "08292233294")
			eq(t, "lines", len(po.Lines), 6)
			eq(t, "line 1", po.Lines[0], POLine{LineNumber: "1", Quantity: "120", Unit: "EA", Price: "9.25", PriceBasis: "TE",
				IDs: []ID{{"CB", "065322-117"}, {"PR", "RO"}, {"VN", "AB3542"}}, Description: "SMALL WIDGET"})
			eq(t, "ship to", po.Parties[0].Name, "XYZ RETAIL")
		},
	},
	"4010_850_nodex12_2.edi": {
		// The same order as nodex12_1 with a newline as segment terminator.
		delims: Delimiters{'*', 0, '>', '\n'}, version: "00400", groups: 1, sets: "850",
		check: func(t *testing.T, f *File) {
			other := mustParse(t, readFixture(t, "4010_850_nodex12_1.edi"))
			eq(t, "same order as with ~", order(t, f, 0, 0, 0), order(t, other, 0, 0, 0))
		},
	},
	"4010_850_nodex12_3.edi": {
		// The same interchange twice: ISA13 000003438 repeats.
		delims: Delimiters{'*', 0, '>', '~'}, version: "00400", groups: 2, sets: "850,850",
		warnings: []Kind{KindDuplicateInterchange},
		check: func(t *testing.T, f *File) {
			eq(t, "interchanges", len(f.Interchanges), 2)
			eq(t, "warning on the second", len(f.Interchanges[1].Warnings), 1)
			eq(t, "warning at the second ISA", f.Warnings[0].Segment, 38)
		},
	},
	"4010_850_nodex12_4.edi": {
		delims: Delimiters{'*', 0, '>', '\n'}, version: "00401", groups: 1, sets: "850",
		check: func(t *testing.T, f *File) {
			po := order(t, f, 0, 0, 0)
			eq(t, "PO number", po.PONumber, "----------")
			eq(t, "CTT01 as sent", po.LineCount, "000001")
			eq(t, "line without PO101", po.Lines[0].LineNumber, "")
			eq(t, "unit", po.Lines[0].Unit, "KI")
			eq(t, "parties", len(po.Parties), 2)
		},
	},
	"4010_850_oopf_1.edi": {
		// ~ is the component separator here and | the terminator.
		delims: Delimiters{'*', 0, '~', '|'}, version: "00400", bom: true, groups: 1, sets: "850",
		check: func(t *testing.T, f *File) {
			po := order(t, f, 0, 0, 0)
			eq(t, "purpose", po.Purpose, "05")
			eq(t, "currency", po.Currency, "USD")
			eq(t, "PO number", po.PONumber, "S41000439")
			eq(t, "lines", len(po.Lines), 4)
			eq(t, "description", po.Lines[0].Description, "FUSE, BUSSMAN FNA-4/10")
			eq(t, "ship to street", po.Parties[1].Address2, "2290 MENELAUS ROAD")
		},
	},
	"4010_855_bots_1.edi": {
		delims: Delimiters{'*', 0, '>', '~'}, version: "00401", groups: 1, sets: "855,855,855,855,855,855",
		check: func(t *testing.T, f *File) {
			ack := poAck(t, f, 0)
			eq(t, "PO number", ack.PONumber, "194207")
			eq(t, "ack type", ack.AckType, "AP")
			eq(t, "lines", len(ack.Lines), 26)
			eq(t, "no ACK segments", len(ack.Lines[0].Acks), 0)
			eq(t, "group version", f.Interchanges[0].Groups[0].Version, "004010UCS")
		},
	},
	"4010_855_nodex12_1.edi": {
		delims: Delimiters{'*', 0, '>', '~'}, version: "00401", groups: 1, sets: "855",
		check: func(t *testing.T, f *File) {
			ack := poAck(t, f, 0)
			eq(t, "PO number", ack.PONumber, "POTEST1112")
			var got []string
			for _, l := range ack.Lines {
				for _, a := range l.Acks {
					got = append(got, a.Status+" "+a.Quantity)
				}
			}
			eq(t, "ACKs", got, []string{"IA 3", "IR 0", "IR 0", "IA 2"})
			eq(t, "rejected", ack.Lines[1].Acks[0].Rejected(), true)
			eq(t, "accepted", ack.Lines[0].Acks[0].Accepted(), true)
			eq(t, "N3 lines kept", len(ack.Lines), 4)
		},
	},
	"4010_855_oopf_1.edi": {
		delims: Delimiters{'*', 0, '>', '~'}, version: "00401", groups: 1, sets: "855,855",
		check: func(t *testing.T, f *File) {
			eq(t, "first PO", poAck(t, f, 0).PONumber, "7542")
			eq(t, "second PO", poAck(t, f, 1).PONumber, "99035")
			eq(t, "line numbers", poAck(t, f, 0).Lines[1].LineNumber, "200")
		},
	},
	"4010_856_bots_1.edi": {
		delims: Delimiters{'*', '^', '>', '~'}, version: "00403", groups: 1, sets: "856,856",
		check: func(t *testing.T, f *File) {
			sn := shipNotice(t, f, 0, 0, 0)
			eq(t, "shipment", sn.ShipmentID, "4167427123")
			eq(t, "carrier", sn.Carrier, "SCAC")
			eq(t, "bill of lading", sn.BillOfLading, "bill of lading number")
			eq(t, "tracking", sn.TrackingNumbers, []string{"carrierreferencenumber"})
			eq(t, "orders", len(sn.Orders), 3)
			eq(t, "packs", len(sn.Packs), 5)
			eq(t, "first pack SSCC", sn.Packs[0].Marks, []Mark{{"GM", "0000123456781234567891"}})
			o2 := sn.Orders[1]
			eq(t, "PO", o2.PONumber, "ordernumber2")
			eq(t, "two items share pack HL10", []int{o2.Items[1].Pack, o2.Items[2].Pack}, []int{4, 4})
			eq(t, "item", o2.Items[2], ShipItem{LineNumber: "5", IDs: []ID{{"UP", "8712345678920"}, {"VN", "suart"}, {"BP", "byart"}},
				Quantity: "24", Unit: "EA", Description: "description", Pack: 4})
		},
	},
	"4010_856_bots_2.edi": {
		delims: Delimiters{'+', '^', ':', '\''}, version: "00403", groups: 1, sets: "856,856",
		check: func(t *testing.T, f *File) {
			sn := shipNotice(t, f, 0, 0, 0)
			eq(t, "orders", len(sn.Orders), 3)
			eq(t, "item IDs", sn.Orders[0].Items[0].IDs, []ID{{"UP", "8712345678913"}, {"VN", "suart"}, {"IN", "byart"}, {"XX", "ADD VALUE"}})
			eq(t, "shipment PO of second set", shipNotice(t, f, 0, 0, 1).Orders[0].PONumber, "ordernumber")
		},
	},
	"4010_856_oopf_1.edi": {
		delims: Delimiters{'*', 0, '>', '~'}, version: "00401", bom: true, groups: 1, sets: "856",
		check: func(t *testing.T, f *File) {
			sn := shipNotice(t, f, 0, 0, 0)
			eq(t, "carrier", sn.Carrier, "FED2")
			eq(t, "routing", sn.Routing, "FEDX 2 DAY")
			eq(t, "tracking", sn.AllTrackingNumbers(), []string{"521649209219"})
			eq(t, "PO", sn.Orders[0].PONumber, "SO/VINCE1")
			eq(t, "SSCC", sn.Packs[0].Marks[0].Value, "00007121610006156802")
			eq(t, "item in pack 1", sn.Orders[0].Items[0].Pack, 1)
		},
	},
	"4010_856_oopf_2.edi": {
		// ~ separates elements, ` components and * ends segments.
		delims: Delimiters{'~', 0, '`', '*'}, version: "00401", bom: true, groups: 1, sets: "856",
		check: func(t *testing.T, f *File) {
			sn := shipNotice(t, f, 0, 0, 0)
			eq(t, "no packs", len(sn.Packs), 0)
			eq(t, "PO", sn.Orders[0].PONumber, "123456")
			var got []string
			for _, it := range sn.Orders[0].Items {
				got = append(got, it.LineNumber+" "+it.Quantity+" "+it.Unit+" "+string(rune('0'+it.Pack)))
			}
			eq(t, "items directly under the order", got, []string{"001 16 PC 0", "002 23 LB 0", "004 16 PC 0"})
		},
	},
	"4010_860_oopf_1.edi": {
		// "N1*BY*RETAILER*92*1129" has no terminator, so it runs on into
		// the next line's N3: SE01 counts 10 segments, the set has 9.
		delims: Delimiters{'*', 0, '>', '~'}, version: "00401", bom: true, groups: 1, sets: "860",
		warnings: []Kind{KindSegmentCount},
		check: func(t *testing.T, f *File) {
			n1 := f.Interchanges[0].Groups[0].Transactions[0].Segments[3]
			eq(t, "N1 joined over the line break", n1.Elements, []string{"BY", "RETAILER", "92", "1129N3", "123 THISRD", "SUITE11"})
		},
	},
	"4010_865_oopf_1.edi": {
		delims: Delimiters{'*', 0, ':', '~'}, version: "00401", bom: true, groups: 1, sets: "865",
		check: func(t *testing.T, f *File) {
			tx := f.Interchanges[0].Groups[0].Transactions[0]
			eq(t, "segments", len(tx.Segments), 11)
			eq(t, "POC07", tx.Segments[8].E(7), "TE")
		},
	},
	"4010_997_bots_1.edi": {
		// 0x15 (NAK) ends segments.
		delims: Delimiters{'*', 0, '>', 0x15}, version: "00401", groups: 1, sets: "997",
		check: func(t *testing.T, f *File) {
			fa := funcAck(t, f, 0, 0, 0)
			eq(t, "ack", *fa, FunctionalAck{GroupFunctionalID: "PR", GroupControlNumber: "10001", Status: "A", Included: "1", Received: "1", Accepted: "1",
				Transactions: []TxAck{{Set: "855", ControlNumber: "1294", Status: "A"}}})
		},
	},
	"4010_997_bots_2.edi": {
		delims: Delimiters{'*', '^', '>', '~'}, version: "00403", groups: 1, sets: "997,997,997,997",
		check: func(t *testing.T, f *File) {
			fa := funcAck(t, f, 0, 0, 3)
			eq(t, "group", fa.GroupControlNumber, "5")
			eq(t, "sets acknowledged", len(fa.Transactions), 2)
			eq(t, "counts", []string{fa.Included, fa.Received, fa.Accepted}, []string{"2", "2", "2"})
		},
	},
	"4010_mailbag_bots_1.edi": {
		// Eight interchanges with their own delimiters. The 00300 one holds
		// two groups, both GS06 5, each with two sets ST02 000000001.
		delims: Delimiters{'*', 0, '>', 0x15}, version: "00401", groups: 9,
		sets:     "997,850,820,820,850,850,850,850,850,850,850,850,850,850",
		warnings: []Kind{KindDuplicateSet, KindDuplicateGroup, KindDuplicateSet},
		check: func(t *testing.T, f *File) {
			eq(t, "interchanges", len(f.Interchanges), 8)
			var terms []byte
			for _, ic := range f.Interchanges {
				terms = append(terms, ic.Delimiters.Segment)
			}
			eq(t, "terminators", string(terms), "\x15\x15\x15\n~\x15~~")
			eq(t, "@ components with newline terminator", f.Interchanges[3].Delimiters.Component, byte('@'))
			eq(t, "00302 PO", order(t, f, 3, 0, 0).PONumber, "91393058")
			eq(t, "00302 lines", len(order(t, f, 3, 0, 0).Lines), 8)
			eq(t, "last PO after Ctrl-Z-ended file", order(t, f, 7, 0, 0).PONumber, "12345678")
			eq(t, "820 kept generic", f.Interchanges[2].Groups[0].Transactions[1].Segments[1].E(2), "236.33")
		},
	},
	"4060_856_nodex12_1.edi": {
		// ISA11 "-" is the repetition separator of 00406.
		delims: Delimiters{'*', '-', '>', '~'}, version: "00406", groups: 1, sets: "856",
		check: func(t *testing.T, f *File) {
			sn := shipNotice(t, f, 0, 0, 0)
			eq(t, "tracking", sn.TrackingNumbers, []string{"5787970539"})
			eq(t, "carrier", sn.Carrier, "XXXX")
			eq(t, "PO", sn.Orders[0].PONumber, "99999817")
			eq(t, "items", len(sn.Orders[0].Items), 2)
			eq(t, "vendor part", sn.Orders[0].Items[0].IDs[0], ID{"VP", "87787D"})
			bol := f.Interchanges[0].Groups[0].Transactions[0].Segments[5]
			eq(t, "REF02 split on the repetition separator", bol.Repeats(2), []string{"999999", "001"})
		},
	},
	"5010_810_x12types_1.edi": {
		delims: Delimiters{'*', 0, '>', '~'}, version: "00501", groups: 1, sets: "810",
		check: func(t *testing.T, f *File) {
			inv := invoice(t, f, 0, 0, 0)
			eq(t, "invoice", inv.InvoiceNumber, "INV123")
			eq(t, "total (TDS*130)", inv.Total, "1.30")
		},
	},
	"5010_846_x12types_1.edi": {
		delims: Delimiters{'*', 0, '>', '~'}, version: "00501", groups: 1, sets: "846",
		check: func(t *testing.T, f *File) {
			adv, err := f.Interchanges[0].Groups[0].Transactions[0].InventoryAdvice()
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "item", adv.Items[0], InventoryItem{LineNumber: "1", IDs: []ID{{"VN", "ABC123"}}, Quantities: []Quantity{{"33", "100", "EA"}}})
			onHand, _ := adv.Items[0].OnHand()
			eq(t, "on hand", onHand, "100")
		},
	},
	"5010_850_stedi_1.edi": {
		delims: Delimiters{'*', 0, '>', '~'}, version: "00501", groups: 1, sets: "850",
		check: func(t *testing.T, f *File) {
			po := order(t, f, 0, 0, 0)
			eq(t, "PO", po.PONumber, "365465413")
			eq(t, "drop ship", po.Type, "DS")
			eq(t, "quantity text kept", po.Lines[0].Quantity, "0008")
			eq(t, "SKU", po.Lines[0].IDs[1], ID{"SK", "ACM/8900-400"})
			eq(t, "ship to", po.Parties[0].City, "Phoenix")
			eq(t, "refs", po.Refs, []Ref{{"CO", "ACME-4567"}, {"ZZ", "Thank you for your business"}})
		},
	},
	"5010_855_stedi_1.edi": {
		delims: Delimiters{'*', '^', '>', '~'}, version: "00501", groups: 1, sets: "855",
		check: func(t *testing.T, f *File) {
			ack := poAck(t, f, 0)
			eq(t, "line 1", ack.Lines[0], AckLine{LineNumber: "item-1", OrderedQuantity: "8", Unit: "EA", Price: "400",
				IDs: []ID{{"VC", "VND1234567"}, {"SK", "ACM/8900-400"}}, Description: "400 pound anvil", Acks: []LineAck{{"IA", "8", "EA"}}})
		},
	},
	"5010_855_stedi_2.edi": {
		// ISA11 is "U" although 00501 wants a separator; a stray ~ follows IEA.
		delims: Delimiters{'*', 0, '>', '~'}, version: "00501", groups: 1, sets: "855",
		check: func(t *testing.T, f *File) {
			eq(t, "PO", poAck(t, f, 0).PONumber, "365465413")
		},
	},
	"5010_856_x12types_1.edi": {
		// SE*5 for a set of six segments.
		delims: Delimiters{'*', 0, '>', '~'}, version: "00501", groups: 1, sets: "856",
		warnings: []Kind{KindSegmentCount},
		check: func(t *testing.T, f *File) {
			sn := shipNotice(t, f, 0, 0, 0)
			eq(t, "shipment", sn.ShipmentID, "0001")
			eq(t, "no orders", len(sn.Orders), 0)
			eq(t, "warning on the set", len(f.Interchanges[0].Groups[0].Transactions[0].Warnings), 1)
		},
	},
	"5010_860_x12types_1.edi": {
		delims: Delimiters{'*', 0, '>', '~'}, version: "00501", groups: 1, sets: "860",
		check: func(t *testing.T, f *File) {
			eq(t, "BCH03", f.Interchanges[0].Groups[0].Transactions[0].Segments[1].E(3), "PO123")
		},
	},
	"5010_997_x12types_1.edi": {
		delims: Delimiters{'*', 0, '>', '~'}, version: "00501", groups: 1, sets: "997",
		check: func(t *testing.T, f *File) {
			fa := funcAck(t, f, 0, 0, 0)
			eq(t, "group answered", fa.GroupFunctionalID+" "+fa.GroupControlNumber, "HC 17456")
			eq(t, "set answered", fa.Transactions[0], TxAck{Set: "837", ControlNumber: "0001", Status: "A"})
		},
	},
}

func TestFixtures(t *testing.T) {
	dir := fixtureDir(t)
	names, err := filepath.Glob(filepath.Join(dir, "*.edi"))
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != len(fixtures) {
		t.Errorf("%d fixture files, %d described here: describe every file", len(names), len(fixtures))
	}
	for _, path := range names {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			want, ok := fixtures[name]
			if !ok {
				t.Fatalf("no facts for %s", name)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "BOM", strings.HasPrefix(string(data), bom), want.bom)
			f := mustParse(t, data)
			ic := f.Interchanges[0]
			eq(t, "delimiters", ic.Delimiters, want.delims)
			eq(t, "ISA12", ic.Version, want.version)
			var sets []string
			groups := 0
			for _, ic := range f.Interchanges {
				groups += len(ic.Groups)
				for _, g := range ic.Groups {
					for _, tx := range g.Transactions {
						sets = append(sets, tx.Set)
					}
				}
			}
			eq(t, "groups", groups, want.groups)
			eq(t, "sets", strings.Join(sets, ","), want.sets)
			var kinds []Kind
			for _, w := range f.Warnings {
				kinds = append(kinds, w.Kind)
			}
			eq(t, "warnings", kinds, want.warnings)
			if want.check != nil {
				want.check(t, f)
			}
		})
	}
}

// TestFixturesDecode decodes every set of every fixture with its typed
// decoder and reports it: none may fail.
func TestFixturesDecode(t *testing.T) {
	dir := fixtureDir(t)
	names, _ := filepath.Glob(filepath.Join(dir, "*.edi"))
	for _, path := range names {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f := mustParse(t, data)
		for _, ic := range f.Interchanges {
			for _, g := range ic.Groups {
				for i := range g.Transactions {
					tx := &g.Transactions[i]
					if err := decode(tx); err != nil {
						t.Errorf("%s set %s %s: %v", filepath.Base(path), tx.Set, tx.ControlNumber, err)
					}
				}
			}
		}
		for _, ic := range Report(f).Interchanges {
			for _, g := range ic.Groups {
				for _, tx := range g.Transactions {
					if e, ok := tx["error"]; ok {
						t.Errorf("%s: report of set %v: %v", filepath.Base(path), tx["control_number"], e)
					}
				}
			}
		}
	}
}

// decode runs the typed decoder of a set, if there is one.
func decode(tx *Transaction) error {
	var err error
	switch tx.Set {
	case "850":
		_, err = tx.PurchaseOrder()
	case "855":
		_, err = tx.POAck()
	case "856":
		_, err = tx.ShipNotice()
	case "810":
		_, err = tx.Invoice()
	case "846":
		_, err = tx.InventoryAdvice()
	case "832":
		_, err = tx.PriceCatalog()
	case "997":
		_, err = tx.FunctionalAck()
	}
	return err
}

func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %#v, want %#v", what, got, want)
	}
}

func set(t *testing.T, f *File, ic, g, tx int) *Transaction {
	t.Helper()
	if ic >= len(f.Interchanges) || g >= len(f.Interchanges[ic].Groups) || tx >= len(f.Interchanges[ic].Groups[g].Transactions) {
		t.Fatalf("no set %d in group %d of interchange %d", tx, g, ic)
	}
	return &f.Interchanges[ic].Groups[g].Transactions[tx]
}

func order(t *testing.T, f *File, ic, g, tx int) *PurchaseOrder {
	t.Helper()
	po, err := set(t, f, ic, g, tx).PurchaseOrder()
	if err != nil {
		t.Fatal(err)
	}
	return po
}

func poAck(t *testing.T, f *File, tx int) *POAck {
	t.Helper()
	a, err := set(t, f, 0, 0, tx).POAck()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func shipNotice(t *testing.T, f *File, ic, g, tx int) *ShipNotice {
	t.Helper()
	sn, err := set(t, f, ic, g, tx).ShipNotice()
	if err != nil {
		t.Fatal(err)
	}
	return sn
}

func invoice(t *testing.T, f *File, ic, g, tx int) *Invoice {
	t.Helper()
	inv, err := set(t, f, ic, g, tx).Invoice()
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func funcAck(t *testing.T, f *File, ic, g, tx int) *FunctionalAck {
	t.Helper()
	fa, err := set(t, f, ic, g, tx).FunctionalAck()
	if err != nil {
		t.Fatal(err)
	}
	return fa
}
