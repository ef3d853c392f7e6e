package x12

import (
	"errors"
	"strings"
	"testing"
)

func TestParseGood(t *testing.T) {
	f := mustParse(t, []byte(doc(goodBody...)))
	eq(t, "warnings", len(f.Warnings), 0)
	ic := f.Interchanges[0]
	eq(t, "interchange", []string{ic.SenderQualifier, ic.SenderID, ic.ReceiverID, ic.Date, ic.Time, ic.Version, ic.ControlNumber, ic.AckRequested, ic.Usage},
		[]string{"ZZ", "SENDER", "RECEIVER", "240102", "1030", "00401", "000000001", "0", "T"})
	eq(t, "delimiters", ic.Delimiters, Delimiters{Element: '*', Component: '>', Segment: '~'})
	g := ic.Groups[0]
	eq(t, "group", []string{g.FunctionalID, g.ControlNumber, g.Agency, g.Version, g.DeclaredSets}, []string{"PO", "1", "X", "004010", "1"})
	eq(t, "group span", []int{g.Start, g.End}, []int{2, 8})
	tx := g.Transactions[0]
	eq(t, "set", tx.Set+" "+tx.ControlNumber, "850 0001")
	var ids []string
	var pos []int
	for _, s := range tx.Segments {
		ids = append(ids, s.ID)
		pos = append(pos, s.Pos)
	}
	eq(t, "segments", ids, []string{"ST", "BEG", "PO1", "CTT", "SE"})
	eq(t, "ordinals", pos, []int{3, 4, 5, 6, 7})
}

func TestSegmentAccessors(t *testing.T) {
	data := strings.Replace(doc(replaced(5, "PO1*1*2*EA*9.99**VN*A>B>C*UP*X^Y")...), "*U*00401*", "*^*00501*", 1)
	f := mustParse(t, []byte(data))
	po1 := f.Interchanges[0].Groups[0].Transactions[0].Segments[2]
	eq(t, "E(1)", po1.E(1), "1")
	eq(t, "E(0)", po1.E(0), "")
	eq(t, "E past the end", po1.E(99), "")
	eq(t, "empty element", po1.E(5), "")
	eq(t, "Components", po1.Components(7), []string{"A", "B", "C"})
	eq(t, "Component", po1.Component(7, 2), "B")
	eq(t, "Component of a simple element", po1.Component(1, 1), "1")
	eq(t, "Component past the end", po1.Component(7, 4), "")
	eq(t, "Components of an empty element", po1.Components(5), []string(nil))
	eq(t, "Repeats", po1.Repeats(9), []string{"X", "Y"})
	eq(t, "Repeats of a simple element", po1.Repeats(3), []string{"EA"})
}

// TestDelimiters re-encodes documents with other delimiter sets, with and
// without line breaks and a byte order mark, and expects the same content.
func TestDelimiters(t *testing.T) {
	sets := []struct {
		name string
		d    Delimiters
	}{
		{"default", DefaultDelimiters()},
		{"pipe and newline terminator", Delimiters{'|', '^', '\\', '\n'}},
		{"NAK terminator", Delimiters{'*', '^', '>', 0x15}},
		{"EDIFACT-like", Delimiters{'+', '^', ':', '\''}},
		{"tilde elements, star terminator", Delimiters{'~', '!', '`', '*'}},
		{"ASCII separators", Delimiters{0x1D, 0x1E, 0x1F, 0x1C}},
	}
	// X12 has no escaping: a file whose text holds a byte cannot be written
	// with that byte as a delimiter, and Marshal must say so.
	unwritable := map[string]string{
		"4010_mailbag_bots_1.edi": "EDIFACT-like", // FOB*DF*AC*PPD+ADD LP STORE
	}
	for _, name := range []string{"4010_856_bots_1.edi", "4010_mailbag_bots_1.edi", "4010_850_oopf_1.edi", "5010_855_stedi_1.edi"} {
		orig := mustParse(t, readFixture(t, name))
		want := canon(orig)
		for _, s := range sets {
			for _, lineBreaks := range []bool{false, true} {
				for _, withBOM := range []bool{false, true} {
					data, err := Marshal(orig, s.d, lineBreaks)
					if unwritable[name] == s.name {
						if err == nil || !strings.Contains(err.Error(), "contains") {
							t.Errorf("%s with %s: Marshal gave %v, want a refusal", name, s.name, err)
						}
						continue
					}
					if err != nil {
						t.Fatalf("%s with %s: %v", name, s.name, err)
					}
					if withBOM {
						data = append([]byte(bom), data...)
					}
					f, err := Parse(data)
					if err != nil {
						t.Fatalf("%s with %s (line breaks %v, BOM %v): %v", name, s.name, lineBreaks, withBOM, err)
					}
					eq(t, name+" with "+s.name, canon(f), want)
					eq(t, name+" delimiters", f.Interchanges[0].Delimiters, s.d)
					for i := range f.Interchanges {
						for j, g := range f.Interchanges[i].Groups {
							for k := range g.Transactions {
								sameDocument(t, set(t, orig, i, j, k), set(t, f, i, j, k))
							}
						}
					}
				}
			}
		}
	}
}

// sameDocument decodes both sets and expects equal documents.
func sameDocument(t *testing.T, a, b *Transaction) {
	t.Helper()
	type decoded struct {
		v   any
		err error
	}
	dec := func(tx *Transaction) decoded {
		switch tx.Set {
		case "850":
			v, err := tx.PurchaseOrder()
			return decoded{v, err}
		case "855":
			v, err := tx.POAck()
			return decoded{v, err}
		case "856":
			v, err := tx.ShipNotice()
			return decoded{v, err}
		case "997":
			v, err := tx.FunctionalAck()
			return decoded{v, err}
		}
		return decoded{}
	}
	da, db := dec(a), dec(b)
	if da.err != nil || db.err != nil {
		t.Fatalf("decode set %s: %v / %v", a.ControlNumber, da.err, db.err)
	}
	eq(t, "document of set "+a.ControlNumber, db.v, da.v)
}

func TestLayout(t *testing.T) {
	base := doc(goodBody...)
	want := canon(mustParse(t, []byte(base)))
	cases := map[string]string{
		"CRLF after each segment":      strings.ReplaceAll(base, "~", "~\r\n"),
		"indented":                     strings.ReplaceAll(base, "~", "~\n    "),
		"BOM and blank lines":          bom + "\n\n" + strings.ReplaceAll(base, "~", "~\n\n"),
		"trailing whitespace, Ctrl-Z":  base + "\r\n\x1a",
		"stray terminators after IEA":  base + "\n~\n~",
		"segment split over lines":     strings.Replace(base, "PO1*1*2*EA*9.99**VN*SKU-1", "PO1*1*2*EA*9.99*\r\n   *VN*SK\n  U-1", 1),
		"newline terminator with CRLF": strings.ReplaceAll(strings.Replace(base, "*>~", "*>\n", 1), "~", "\r\n"),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			f := mustParse(t, []byte(data))
			eq(t, "content", canon(f), want)
			eq(t, "warnings", len(f.Warnings), 0)
		})
	}
}

func TestHardErrors(t *testing.T) {
	cases := []struct {
		name    string
		data    string
		segment int
		id      string
		reason  string
	}{
		{"empty input", "", 0, "", "empty input"},
		{"only whitespace", " \r\n\t", 0, "", "empty input"},
		{"garbage", "hello, world~", 1, "hello, w...", "does not start with an ISA"},
		{"truncated ISA", "ISA*00*          *00*    ", 1, "ISA", "truncated ISA"},
		{"ISA without terminator", doc()[:105], 1, "ISA", "truncated ISA"},
		{"ISA short of a field", strings.Replace(doc(goodBody...), "*ZZ*SENDER         ", "", 1), 1, "ISA", "is not a number"},
		{"clashing delimiters", strings.Replace(doc(goodBody...), "*T*>~", "*T*~~", 1), 1, "ISA", "not distinct"},
		{"letter as terminator", strings.Replace(doc(goodBody...), "*T*>~", "*T*>X", 1), 1, "ISA", "letter or a digit"},
		{"missing IEA", doc(goodBody[:7]...), 1, "ISA", "has no IEA"},
		{"missing GE", doc(replaced(8)...), 8, "IEA", "before the GE of group 1"},
		{"missing SE", doc(replaced(7)...), 7, "GE", "before the SE of set 0001"},
		{"SE before ST", doc(replaced(3, "SE*1*0001", "ST*850*0001")...), 3, "SE", "SE without an ST"},
		{"ST outside GS", doc(goodBody[1:]...), 2, "ST", "outside a functional group"},
		{"data segment between GS and ST", doc(replaced(3, "N1*ST*X", "ST*850*0001")...), 3, "N1", "outside a transaction set"},
		{"GS inside a group", doc(replaced(8, "GS*PO*A*B*20240102*1030*2*X*004010")...), 8, "GS", "before the GE"},
		{"ISA before IEA", doc(goodBody[:7]...) + doc(goodBody...), 9, "ISA", "before the IEA"},
		{"garbage segment ID", doc(replaced(4, "beg*00*DS*PO123")...), 4, "beg", "not a segment ID"},
		{"binary junk in a set", doc(replaced(5, "\x00\x01\x02")...), 5, "\x00\x01\x02", "not a segment ID"},
		{"unterminated last segment", strings.TrimSuffix(doc(goodBody...), "~"), 9, "IEA", "unterminated segment"},
		{"data after IEA", doc(goodBody...) + "\nGS*PO*X~", 10, "GS", "not another ISA"},
		{"GE without GS", doc("GE*1*1", "IEA*0*000000001"), 2, "GE", "without a GS"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Parse([]byte(c.data))
			if err == nil {
				t.Fatalf("parsed into %d interchanges, want an error", len(f.Interchanges))
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v is not a *SyntaxError", err, err)
			}
			eq(t, "segment", se.Segment, c.segment)
			eq(t, "ID", se.ID, c.id)
			if !strings.Contains(se.Reason, c.reason) {
				t.Errorf("reason %q does not say %q", se.Reason, c.reason)
			}
		})
	}
}

func TestSyntaxErrorMessage(t *testing.T) {
	eq(t, "segment", (&SyntaxError{Segment: 14, ID: "SE", Reason: "bad"}).Error(), "segment 14 (SE): bad")
	eq(t, "element", (&SyntaxError{Segment: 14, ID: "SE", Element: 1, Reason: "bad"}).Error(), "segment 14 (SE01): bad")
	eq(t, "no segment", (&SyntaxError{Reason: "empty input"}).Error(), "x12: empty input")
}

// TestWarnings: counts and control numbers that disagree, and duplicates,
// are read past and reported on the file and on what they concern.
func TestWarnings(t *testing.T) {
	// A second set (segments 8 to 10) with the first one's control number.
	twoSets := append(append([]string{}, goodBody[:6]...), "ST*850*0001", "BEG*00*DS*PO124**20240102", "SE*3*0001", "GE*2*1", "IEA*1*000000001")
	cases := []struct {
		name    string
		body    []string
		kind    Kind
		segment int
		element int
		owner   func(f *File) []*SyntaxError
	}{
		{"SE01 wrong", replaced(7, "SE*6*0001"), KindSegmentCount, 7, 1, onSet},
		{"SE01 not a number", replaced(7, "SE*five*0001"), KindSegmentCount, 7, 1, onSet},
		{"SE02 wrong", replaced(7, "SE*5*0002"), KindSetControl, 7, 2, onSet},
		{"GE01 wrong", replaced(8, "GE*2*1"), KindSetCount, 8, 1, onGroup},
		{"GE02 wrong", replaced(8, "GE*1*9"), KindGroupControl, 8, 2, onGroup},
		{"IEA01 wrong", replaced(9, "IEA*3*000000001"), KindGroupCount, 9, 1, onInterchange},
		{"IEA02 wrong", replaced(9, "IEA*1*000000002"), KindInterchangeControl, 9, 2, onInterchange},
		{"ST02 twice", twoSets, KindDuplicateSet, 8, 2, func(f *File) []*SyntaxError { return f.Interchanges[0].Groups[0].Transactions[1].Warnings }},
		{"empty segment in a set", replaced(5, "", "PO1*1*2*EA*9.99"), KindEmptySegment, 4, 0, onSet},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := mustParse(t, []byte(doc(c.body...)))
			if len(f.Warnings) != 1 {
				t.Fatalf("warnings %v, want one", f.Warnings)
			}
			w := f.Warnings[0]
			eq(t, "kind", w.Kind, c.kind)
			eq(t, "segment", w.Segment, c.segment)
			eq(t, "element", w.Element, c.element)
			owned := c.owner(f)
			if len(owned) != 1 || owned[0] != w {
				t.Errorf("the warning is not on what it concerns: %v", owned)
			}
		})
	}
}

func onSet(f *File) []*SyntaxError { return f.Interchanges[0].Groups[0].Transactions[0].Warnings }
func onGroup(f *File) []*SyntaxError {
	return f.Interchanges[0].Groups[0].Warnings
}
func onInterchange(f *File) []*SyntaxError { return f.Interchanges[0].Warnings }

func TestTA1(t *testing.T) {
	body := append([]string{"TA1*000000001*240102*1030*A*000"}, goodBody...)
	f := mustParse(t, []byte(doc(body...)))
	eq(t, "TA1", f.Interchanges[0].TA1[0].E(4), "A")
	eq(t, "groups", len(f.Interchanges[0].Groups), 1)
}
