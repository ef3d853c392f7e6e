package x12

import (
	"fmt"
	"strings"
)

// Delimiters are the separator bytes of one interchange, read from its ISA.
type Delimiters struct {
	Element    byte // the byte after "ISA"
	Repetition byte // ISA11 when it is a separator (versions 00402 and later); 0 when there is none
	Component  byte // ISA16, the sub-element separator
	Segment    byte // the byte after ISA16, the segment terminator
}

// DefaultDelimiters are the ones most trading partners use: * > ^ ~.
func DefaultDelimiters() Delimiters {
	return Delimiters{Element: '*', Component: '>', Repetition: '^', Segment: '~'}
}

// File is everything Parse read from one input.
type File struct {
	Interchanges []Interchange
	// Warnings lists every problem Parse read past, in file order; each is
	// also on the Interchange, Group or Transaction it concerns.
	Warnings []*SyntaxError
}

// Interchange is one ISA ... IEA envelope. Fixed-width ISA fields are trimmed.
type Interchange struct {
	Delimiters        Delimiters
	AuthQual          string // ISA01
	Auth              string // ISA02
	SecQual           string // ISA03
	Sec               string // ISA04
	SenderQualifier   string // ISA05
	SenderID          string // ISA06
	ReceiverQualifier string // ISA07
	ReceiverID        string // ISA08
	Date              string // ISA09, YYMMDD
	Time              string // ISA10, HHMM
	Version           string // ISA12, e.g. "00401"
	ControlNumber     string // ISA13, as text: leading zeros matter to the IEA02 match
	AckRequested      string // ISA14: "1" asks for a TA1
	Usage             string // ISA15: "P" production, "T" test
	// TA1 holds interchange acknowledgments, the only segments allowed
	// directly inside an interchange outside any group.
	TA1      []Segment
	Groups   []Group
	Warnings []*SyntaxError
}

// Group is one GS ... GE functional group. GS fields are trimmed of spaces.
type Group struct {
	FunctionalID  string // GS01, e.g. "PO" for 850s
	SenderID      string // GS02
	ReceiverID    string // GS03
	Date          string // GS04, CCYYMMDD
	Time          string // GS05
	ControlNumber string // GS06
	Agency        string // GS07, "X" for ASC X12
	Version       string // GS08, e.g. "004010" or "004010VICS"
	DeclaredSets  string // GE01 as sent: the number of sets the trailer claims
	Start, End    int    // ordinals of the GS and GE segments in the file
	Transactions  []Transaction
	Warnings      []*SyntaxError
}

// Transaction is one ST ... SE transaction set.
type Transaction struct {
	Set           string    // ST01, e.g. "850"
	ControlNumber string    // ST02
	Segments      []Segment // ST through SE inclusive
	Warnings      []*SyntaxError
}

// Segment is one X12 segment. Elements hold the raw text of XX01, XX02, ...;
// composite and repeated elements keep their separators, split them with
// Components and Repeats.
type Segment struct {
	ID       string
	Elements []string
	Pos      int // 1-based ordinal of the segment in the file; 0 for segments built in code

	// The separators Components and Repeats split on: they belong to the
	// interchange the segment came from.
	component, repetition byte
}

// E returns element i, counting from 1 as X12 does (E(1) is XX01); "" when the
// segment has no such element.
func (s Segment) E(i int) string {
	if i < 1 || i > len(s.Elements) {
		return ""
	}
	return s.Elements[i-1]
}

// Components splits element i on the component (sub-element) separator; nil
// when the element is empty.
func (s Segment) Components(i int) []string {
	return splitOn(s.E(i), s.component)
}

// Component returns component j (from 1) of element i, or "" when absent.
// Component(i, 1) of a simple element is the element itself.
func (s Segment) Component(i, j int) string {
	e := s.E(i)
	if s.component == 0 || strings.IndexByte(e, s.component) < 0 {
		if j == 1 {
			return e
		}
		return ""
	}
	parts := strings.Split(e, string(s.component))
	if j < 1 || j > len(parts) {
		return ""
	}
	return parts[j-1]
}

// Repeats splits element i on the repetition separator (00402 and later); nil
// when the element is empty.
func (s Segment) Repeats(i int) []string {
	return splitOn(s.E(i), s.repetition)
}

func splitOn(e string, sep byte) []string {
	if e == "" {
		return nil
	}
	if sep == 0 {
		return []string{e}
	}
	return strings.Split(e, string(sep))
}

// ID is a product identifier: a qualifier such as VN (vendor's item number),
// UP (UPC), EN (EAN), UK (GTIN-14), SK (SKU), BP (buyer's part number) and its value.
type ID struct {
	Qualifier string
	Value     string
}

// Ref is a REF segment: REF01 qualifier, REF02 value.
type Ref struct {
	Qualifier string
	Value     string
}

// DateRef is a DTM segment: DTM01 qualifier (e.g. 002 delivery requested), DTM02 date.
type DateRef struct {
	Qualifier string
	Value     string
}

// idPairs reads qualifier/value pairs from element from onwards (PO106/PO107,
// PO108/PO109, ...), skipping pairs that are both empty.
func idPairs(s Segment, from int) []ID {
	var slab []ID
	if n := len(s.Elements) - from + 1; n > 0 {
		slab = make([]ID, 0, (n+1)/2)
	}
	return pairsInto(&slab, s, from)
}

// pairsInto appends the pairs of idPairs to slab and returns them as their
// own slice, so that many segments' IDs can share one allocation.
func pairsInto(slab *[]ID, s Segment, from int) []ID {
	start := len(*slab)
	for i := from; i <= len(s.Elements); i += 2 {
		q, v := s.E(i), s.E(i+1)
		if q == "" && v == "" {
			continue
		}
		*slab = append(*slab, ID{Qualifier: q, Value: v})
	}
	if len(*slab) == start {
		return nil
	}
	return (*slab)[start:len(*slab):len(*slab)]
}

// idElements is the writer's side of idPairs.
func idElements(ids []ID) []string {
	out := make([]string, 0, 2*len(ids))
	for _, id := range ids {
		out = append(out, id.Qualifier, id.Value)
	}
	return out
}

// expect checks the set ID before a decoder reads the set.
func (t *Transaction) expect(set string) error {
	if t.Set != set {
		return &SyntaxError{Segment: t.start(), ID: "ST", Element: 1, Kind: KindInvalidElement,
			Reason: fmt.Sprintf("transaction set is %q, not %s", t.Set, set)}
	}
	return nil
}

// missing reports a segment the set needs and lacks, at the set's ST.
func (t *Transaction) missing(id string) error {
	return &SyntaxError{Segment: t.start(), ID: id, Kind: KindMissingSegment,
		Reason: fmt.Sprintf("the %s set %s that starts here has no %s segment", t.Set, t.ControlNumber, id)}
}

func (t *Transaction) start() int {
	if len(t.Segments) == 0 {
		return 0
	}
	return t.Segments[0].Pos
}
