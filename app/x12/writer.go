package x12

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SetBody is one transaction set to write: its ID and the segments between
// ST and SE. The typed documents' Set methods build them; Add builds others.
type SetBody struct {
	ID            string    // ST01, e.g. "850"
	ControlNumber string    // ST02; empty means the set's place in the group: "0001", "0002", ...
	Segments      []Segment // the body, without ST and SE
	err           error     // a builder's problem, reported by Encode
}

// Add appends a segment to the body.
func (b *SetBody) Add(id string, elements ...string) {
	b.Segments = append(b.Segments, Segment{ID: id, Elements: elements})
}

// Err is the problem a builder met (such as a total with too many decimal
// places); Encode refuses a body that has one.
func (b SetBody) Err() error { return b.err }

func (b *SetBody) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

// Envelope is what Encode needs for the ISA and GS around the sets.
type Envelope struct {
	SenderQualifier   string // ISA05, e.g. "ZZ" mutually defined, "01" DUNS
	SenderID          string // ISA06, at most 15 characters
	ReceiverQualifier string // ISA07
	ReceiverID        string // ISA08
	GroupSenderID     string // GS02; empty means SenderID
	GroupReceiverID   string // GS03; empty means ReceiverID
	// Version is GS08, "004010" or "005010" (suffixes such as "004010VICS"
	// are allowed); ISA12 is its first five digits, 00401 or 00501.
	Version      string
	Usage        string // ISA15: "P" production or "T" test
	AckRequested bool   // ISA14: ask the receiver for a TA1
	// Delimiters to write with; the zero value means DefaultDelimiters. Before
	// 00402 there is no repetition separator and ISA11 is "U".
	Delimiters         Delimiters
	InterchangeControl int64     // ISA13, 1..999999999, written zero-padded to 9 digits
	GroupControl       int64     // GS06, 1..999999999
	Time               time.Time // ISA09/10 and GS04/05
	LineBreaks         bool      // write a newline after each terminator (unless the terminator is one)
}

// isaWidths are the fixed widths of ISA01..ISA15.
var isaWidths = [15]int{2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1}

// Encode writes one interchange holding one functional group of sets. It
// refuses element values that contain a delimiter, a carriage return or a
// line feed: X12 has no escaping, so such a value would change the structure.
// Clean makes text safe.
func Encode(env Envelope, functionalID string, sets []SetBody) ([]byte, error) {
	d, err := env.check(functionalID, len(sets))
	if err != nil {
		return nil, fmt.Errorf("x12: encode: %w", err)
	}
	w := &writer{d: d, lineBreaks: env.LineBreaks}
	isa11 := "U"
	if d.Repetition != 0 {
		isa11 = string(d.Repetition)
	}
	ack := "0"
	if env.AckRequested {
		ack = "1"
	}
	control := fmt.Sprintf("%09d", env.InterchangeControl)
	if err := w.isa([15]string{"00", "", "00", "", env.SenderQualifier, env.SenderID, env.ReceiverQualifier, env.ReceiverID,
		env.Time.Format("060102"), env.Time.Format("1504"), isa11, env.Version[:5], control, ack, env.Usage}); err != nil {
		return nil, fmt.Errorf("x12: encode: %w", err)
	}
	gsSender, gsReceiver := env.GroupSenderID, env.GroupReceiverID
	if gsSender == "" {
		gsSender = env.SenderID
	}
	if gsReceiver == "" {
		gsReceiver = env.ReceiverID
	}
	group := fmt.Sprint(env.GroupControl)
	if err := w.segment("GS", functionalID, gsSender, gsReceiver, env.Time.Format("20060102"), env.Time.Format("1504"), group, "X", env.Version); err != nil {
		return nil, fmt.Errorf("x12: encode: %w", err)
	}
	for i, set := range sets {
		if err := w.set(set, i); err != nil {
			return nil, fmt.Errorf("x12: encode set %d (%s): %w", i+1, set.ID, err)
		}
	}
	if err := w.segment("GE", fmt.Sprint(len(sets)), group); err != nil {
		return nil, fmt.Errorf("x12: encode: %w", err)
	}
	if err := w.segment("IEA", "1", control); err != nil {
		return nil, fmt.Errorf("x12: encode: %w", err)
	}
	return w.buf, nil
}

// check validates the envelope and returns the delimiters to write with.
func (env Envelope) check(functionalID string, sets int) (Delimiters, error) {
	d := env.Delimiters
	if d == (Delimiters{}) {
		d = DefaultDelimiters()
	}
	if len(env.Version) < 6 || !isDigits(env.Version[:6]) {
		return d, fmt.Errorf("version %q is not a GS08 version such as 004010 or 005010", env.Version)
	}
	if env.Version[:5] < "00402" {
		d.Repetition = 0 // ISA11 is the standards identifier "U" before 00402
	} else if d.Repetition == 0 {
		return d, fmt.Errorf("version %s needs a repetition separator", env.Version)
	}
	if err := d.check(env.LineBreaks); err != nil {
		return d, err
	}
	if env.Usage != "P" && env.Usage != "T" {
		return d, fmt.Errorf("usage %q is not P or T", env.Usage)
	}
	for _, q := range []string{env.SenderQualifier, env.ReceiverQualifier} {
		if len(q) != 2 {
			return d, fmt.Errorf("interchange ID qualifier %q is not two characters", q)
		}
	}
	for _, id := range []string{env.SenderID, env.ReceiverID} {
		if id == "" || len(id) > 15 {
			return d, fmt.Errorf("interchange ID %q is empty or longer than 15 characters", id)
		}
	}
	if env.InterchangeControl < 1 || env.InterchangeControl > 999999999 {
		return d, fmt.Errorf("interchange control number %d is outside 1..999999999", env.InterchangeControl)
	}
	if env.GroupControl < 1 || env.GroupControl > 999999999 {
		return d, fmt.Errorf("group control number %d is outside 1..999999999", env.GroupControl)
	}
	if env.Time.IsZero() {
		return d, errors.New("envelope time is not set")
	}
	if len(functionalID) != 2 {
		return d, fmt.Errorf("functional identifier %q is not two characters", functionalID)
	}
	if sets == 0 {
		return d, errors.New("no transaction sets")
	}
	return d, nil
}

// check reports delimiters a writer cannot use: zero, repeated, ones that
// would be read as data, or a line break that is a separator when line
// breaks are to go between segments.
func (d Delimiters) check(lineBreaks bool) error {
	all := []byte{d.Element, d.Component, d.Segment}
	if d.Repetition != 0 {
		all = append(all, d.Repetition)
	}
	for i, c := range all {
		if c == 0 || c == ' ' || isAlnum(c) {
			return fmt.Errorf("delimiter %q is not usable", c)
		}
		for _, o := range all[:i] {
			if o == c {
				return fmt.Errorf("delimiter %q is used twice", c)
			}
		}
		if lineBreaks && (c == '\n' || c == '\r') && c != d.Segment {
			return fmt.Errorf("delimiter %q cannot be a separator when line breaks go between segments", c)
		}
	}
	return nil
}

// Clean replaces the default delimiters (* > ^ ~) and control characters in
// s with spaces, so that free text can go into an element.
func Clean(s string) string {
	return DefaultDelimiters().Clean(s)
}

// Clean replaces d's delimiters and control characters in s with spaces.
func (d Delimiters) Clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7F || (r < 0x80 && d.isDelim(byte(r))) {
			return ' '
		}
		return r
	}, s)
}

func (d Delimiters) isDelim(c byte) bool {
	return c == d.Element || c == d.Component || c == d.Segment || (d.Repetition != 0 && c == d.Repetition)
}

// FunctionalID is the GS01 code for a transaction set: "PO" for 850, "SH"
// for 856, ...; "" for sets this package does not know.
func FunctionalID(set string) string {
	switch set {
	case "850":
		return "PO"
	case "855":
		return "PR"
	case "856":
		return "SH"
	case "810":
		return "IN"
	case "846":
		return "IB"
	case "832":
		return "SC"
	case "860":
		return "PC"
	case "865":
		return "CA"
	case "997":
		return "FA"
	case "820":
		return "RA"
	}
	return ""
}

// writer appends segments to a buffer.
type writer struct {
	buf        []byte
	d          Delimiters
	lineBreaks bool
}

func (w *writer) end() {
	w.buf = append(w.buf, w.d.Segment)
	if w.lineBreaks && w.d.Segment != '\n' {
		w.buf = append(w.buf, '\n')
	}
}

// isa writes an ISA with its fields padded to their fixed widths; fields
// longer than the width (only from a parsed file) are kept whole.
func (w *writer) isa(f [15]string) error {
	w.buf = append(w.buf, "ISA"...)
	for i, v := range f {
		for j := 0; j < len(v); j++ {
			// The repetition separator means nothing in the ISA but ISA11,
			// which may be any byte.
			if c := v[j]; (i != 10 && (c < ' ' || c == 0x7F)) || c == w.d.Element || c == w.d.Component || c == w.d.Segment {
				return fmt.Errorf("ISA%02d %q contains the byte %q", i+1, v, c)
			}
		}
		w.buf = append(w.buf, w.d.Element)
		w.buf = append(w.buf, v...)
		for n := len(v); n < isaWidths[i]; n++ {
			w.buf = append(w.buf, ' ')
		}
	}
	w.buf = append(w.buf, w.d.Element, w.d.Component)
	w.end()
	return nil
}

// segment writes one segment of plain values, dropping trailing empty
// elements (X12 forbids trailing separators).
func (w *writer) segment(id string, elements ...string) error {
	if !validID(id) {
		return fmt.Errorf("%q is not a segment ID", id)
	}
	n := len(elements)
	for n > 0 && elements[n-1] == "" {
		n--
	}
	w.buf = append(w.buf, id...)
	for i, e := range elements[:n] {
		for j := 0; j < len(e); j++ {
			if c := e[j]; w.d.isDelim(c) || c == '\r' || c == '\n' {
				return fmt.Errorf("%s%02d %q contains %q, a delimiter or line break: X12 has no escaping (see Clean)", id, i+1, e, c)
			}
		}
		w.buf = append(w.buf, w.d.Element)
		w.buf = append(w.buf, e...)
	}
	w.end()
	return nil
}

// set writes ST, the body and SE.
func (w *writer) set(b SetBody, i int) error {
	if b.err != nil {
		return b.err
	}
	control := b.ControlNumber
	if control == "" {
		control = fmt.Sprintf("%04d", i+1)
	}
	if err := w.segment("ST", b.ID, control); err != nil {
		return err
	}
	for _, seg := range b.Segments {
		if isEnvelope(seg.ID) {
			return fmt.Errorf("envelope segment %s inside a set body", seg.ID)
		}
		if err := w.segment(seg.ID, seg.Elements...); err != nil {
			return err
		}
	}
	return w.segment("SE", fmt.Sprint(len(b.Segments)+2), control)
}

// Marshal writes a parsed file back out: every interchange, group and set,
// with trailers recounted (GE01, IEA01) and set segments as they were. With
// zero d each interchange keeps its own delimiters; otherwise all are written
// with d, composite and repeated elements translated. It is the generic
// re-encoder: Parse(Marshal(f)) has f's segments.
func Marshal(f *File, d Delimiters, lineBreaks bool) ([]byte, error) {
	var out []byte
	for n, ic := range f.Interchanges {
		to := d
		if to == (Delimiters{}) {
			to = ic.Delimiters // usable, since Parse read them
			if lineBreaks && (to.Element == '\n' || to.Component == '\n' || to.Repetition == '\n') {
				return nil, fmt.Errorf("x12: marshal interchange %d: a line feed is one of its separators, so no line breaks can go between segments", n+1)
			}
		} else if err := to.check(lineBreaks); err != nil {
			return nil, fmt.Errorf("x12: marshal interchange %d: %w", n+1, err)
		}
		w := &writer{buf: out, d: to, lineBreaks: lineBreaks}
		if err := w.interchange(ic); err != nil {
			return nil, fmt.Errorf("x12: marshal interchange %d (%s): %w", n+1, ic.ControlNumber, err)
		}
		out = w.buf
	}
	return out, nil
}

func (w *writer) interchange(ic Interchange) error {
	isa11 := "U"
	if w.d.Repetition != 0 {
		isa11 = string(w.d.Repetition)
	}
	if err := w.isa([15]string{ic.AuthQual, ic.Auth, ic.SecQual, ic.Sec, ic.SenderQualifier, ic.SenderID, ic.ReceiverQualifier, ic.ReceiverID,
		ic.Date, ic.Time, isa11, ic.Version, ic.ControlNumber, ic.AckRequested, ic.Usage}); err != nil {
		return err
	}
	from := ic.Delimiters
	for _, seg := range ic.TA1 {
		if err := w.raw(seg, from); err != nil {
			return err
		}
	}
	for _, g := range ic.Groups {
		gs := Segment{ID: "GS", Elements: []string{g.FunctionalID, g.SenderID, g.ReceiverID, g.Date, g.Time, g.ControlNumber, g.Agency, g.Version}}
		if err := w.raw(gs, from); err != nil {
			return err
		}
		for _, t := range g.Transactions {
			for _, seg := range t.Segments {
				if err := w.raw(seg, from); err != nil {
					return err
				}
			}
		}
		if err := w.raw(Segment{ID: "GE", Elements: []string{fmt.Sprint(len(g.Transactions)), g.ControlNumber}}, from); err != nil {
			return err
		}
	}
	return w.raw(Segment{ID: "IEA", Elements: []string{fmt.Sprint(len(ic.Groups)), ic.ControlNumber}}, from)
}

// raw writes a parsed segment, translating the component and repetition
// separators of the interchange it came from (from) to the writer's.
func (w *writer) raw(seg Segment, from Delimiters) error {
	if !validID(seg.ID) {
		return fmt.Errorf("%q is not a segment ID", seg.ID)
	}
	n := len(seg.Elements)
	for n > 0 && seg.Elements[n-1] == "" {
		n--
	}
	w.buf = append(w.buf, seg.ID...)
	for i, e := range seg.Elements[:n] {
		w.buf = append(w.buf, w.d.Element)
		for j := 0; j < len(e); j++ {
			c := e[j]
			switch {
			case from.Component != 0 && c == from.Component:
				c = w.d.Component
			case from.Repetition != 0 && c == from.Repetition:
				if w.d.Repetition == 0 {
					return fmt.Errorf("%s%02d repeats, and the delimiters have no repetition separator", seg.ID, i+1)
				}
				c = w.d.Repetition
			case w.d.isDelim(c) || c == '\r' || c == '\n':
				return fmt.Errorf("%s%02d %q contains %q, a delimiter or line break", seg.ID, i+1, e, c)
			}
			w.buf = append(w.buf, c)
		}
	}
	w.end()
	return nil
}

// countOr is a builder's count element: s when given, else n.
func countOr(s string, n int) string {
	if s != "" {
		return s
	}
	return strconv.Itoa(n)
}
