package x12

import (
	"fmt"
	"strconv"
)

// FunctionalAck is a 997: the syntax answer to one functional group.
type FunctionalAck struct {
	GroupFunctionalID  string // AK101, GS01 of the group answered
	GroupControlNumber string // AK102, its GS06
	GroupVersion       string // AK103, its GS08 (005010 and later only)
	Transactions       []TxAck
	Status             string   // AK901: A accepted, E accepted with errors, P partially accepted, R rejected, M, W, X rejected for security reasons
	Included           string   // AK902: sets the group's GE01 declared
	Received           string   // AK903: sets received
	Accepted           string   // AK904: sets accepted (status A or E)
	Codes              []string // AK905-AK909: functional group syntax error codes
}

// TxAck is an AK2 loop: the answer to one transaction set.
type TxAck struct {
	Set           string        // AK201
	ControlNumber string        // AK202
	Status        string        // AK501: A, E or R (M, W, X for security failures)
	Codes         []string      // AK502-AK506: transaction set syntax error codes
	Notes         []SegmentNote // AK3 segments, each with its AK4s
	// Errors are the AK3/AK4 notes as text, one line each, such as
	// "AK3 PO1 at 5: 8 segment has data element errors".
	Errors []string
}

// SegmentNote is an AK3 segment: an error in one segment of the set.
type SegmentNote struct {
	ID       string // AK301, the segment ID
	Position string // AK302, its position in the set counting ST as 1
	Loop     string // AK303, loop identifier
	Code     string // AK304, see segmentErrors
	Elements []ElementNote
}

// ElementNote is an AK4 segment: an error in one element.
type ElementNote struct {
	Position string // AK401, element position in the segment
	Ref      string // AK402, data element reference number
	Code     string // AK403, see elementErrors
	Data     string // AK404, copy of the bad data
}

// segmentErrors are the AK304 segment syntax error codes.
var segmentErrors = map[string]string{
	"1": "unrecognized segment ID",
	"2": "unexpected segment",
	"3": "mandatory segment missing",
	"4": "loop occurs over maximum times",
	"5": "segment exceeds maximum use",
	"6": "segment not in defined transaction set",
	"7": "segment not in proper sequence",
	"8": "segment has data element errors",
}

// elementErrors are the AK403 data element syntax error codes.
var elementErrors = map[string]string{
	"1":  "mandatory data element missing",
	"2":  "conditional required data element missing",
	"3":  "too many data elements",
	"4":  "data element too short",
	"5":  "data element too long",
	"6":  "invalid character in data element",
	"7":  "invalid code value",
	"8":  "invalid date",
	"9":  "invalid time",
	"10": "exclusion condition violated",
}

// errorText renders notes as TxAck.Errors.
func errorText(notes []SegmentNote) []string {
	var out []string
	describe := func(codes map[string]string, c string) string {
		if d, ok := codes[c]; ok {
			return c + " " + d
		}
		return c
	}
	for _, n := range notes {
		out = append(out, fmt.Sprintf("AK3 %s at %s: %s", n.ID, n.Position, describe(segmentErrors, n.Code)))
		for _, e := range n.Elements {
			out = append(out, fmt.Sprintf("AK4 %s element %s: %s", n.ID, e.Position, describe(elementErrors, e.Code)))
		}
	}
	return out
}

// FunctionalAck decodes a 997.
func (t *Transaction) FunctionalAck() (*FunctionalAck, error) {
	if err := t.expect("997"); err != nil {
		return nil, err
	}
	fa := &FunctionalAck{}
	sawAK1, sawAK9 := false, false
	tx := -1
	for _, seg := range t.Segments {
		switch seg.ID {
		case "AK1":
			sawAK1 = true
			fa.GroupFunctionalID, fa.GroupControlNumber, fa.GroupVersion = seg.E(1), seg.E(2), seg.E(3)
		case "AK2":
			fa.Transactions = append(fa.Transactions, TxAck{Set: seg.E(1), ControlNumber: seg.E(2)})
			tx = len(fa.Transactions) - 1
		case "AK3":
			if tx < 0 {
				return nil, problem(KindSyntax, seg, 0, "AK3 before any AK2")
			}
			a := &fa.Transactions[tx]
			a.Notes = append(a.Notes, SegmentNote{ID: seg.E(1), Position: seg.E(2), Loop: seg.E(3), Code: seg.E(4)})
		case "AK4":
			if tx < 0 || len(fa.Transactions[tx].Notes) == 0 {
				return nil, problem(KindSyntax, seg, 0, "AK4 before any AK3")
			}
			notes := fa.Transactions[tx].Notes
			n := &notes[len(notes)-1]
			n.Elements = append(n.Elements, ElementNote{Position: seg.Component(1, 1), Ref: seg.E(2), Code: seg.E(3), Data: seg.E(4)})
		case "AK5":
			if tx < 0 {
				return nil, problem(KindSyntax, seg, 0, "AK5 before any AK2")
			}
			a := &fa.Transactions[tx]
			a.Status, a.Codes = seg.E(1), nonEmpty(seg.Elements[min(1, len(seg.Elements)):])
		case "AK9":
			sawAK9 = true
			fa.Status, fa.Included, fa.Received, fa.Accepted = seg.E(1), seg.E(2), seg.E(3), seg.E(4)
			fa.Codes = nonEmpty(seg.Elements[min(4, len(seg.Elements)):])
		}
	}
	if !sawAK1 {
		return nil, t.missing("AK1")
	}
	if !sawAK9 {
		return nil, t.missing("AK9")
	}
	for i := range fa.Transactions {
		fa.Transactions[i].Errors = errorText(fa.Transactions[i].Notes)
	}
	return fa, nil
}

func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// Set writes the acknowledgment as a 997 body: AK1, an AK2 loop per set (AK3
// and AK4 notes, AK5), AK9.
func (fa *FunctionalAck) Set() SetBody {
	b := SetBody{ID: "997"}
	b.Add("AK1", fa.GroupFunctionalID, fa.GroupControlNumber, fa.GroupVersion)
	for _, a := range fa.Transactions {
		b.Add("AK2", a.Set, a.ControlNumber)
		for _, n := range a.Notes {
			b.Add("AK3", n.ID, n.Position, n.Loop, n.Code)
			for _, e := range n.Elements {
				b.Add("AK4", e.Position, e.Ref, e.Code, e.Data)
			}
		}
		b.Add("AK5", append([]string{a.Status}, a.Codes...)...)
	}
	b.Add("AK9", append([]string{fa.Status, fa.Included, fa.Received, fa.Accepted}, fa.Codes...)...)
	return b
}

// Acknowledge builds the 997 answering a received group. It weighs the
// group's and its sets' warnings and the problems passed in (a decoder's
// errors, say; the same pointer twice counts once), placing each by its
// segment ordinal: inside a set's ST..SE it concerns that set, elsewhere in
// the group's GS..GE the group, outside the group it is ignored.
//
// A set is rejected (AK501 R) when it cannot be trusted to be what the sender
// meant, and accepted with errors (E) when it can:
//
//	kind                 AK5 code  AK3/AK4               answer
//	SegmentCount         4         -                     R  segments may be lost or merged
//	SetControl           3         -                     R  ST and SE may not pair up
//	MissingSegment       5         AK304 3               R
//	MissingElement       5         AK304 8, AK403 1      R
//	InvalidElement       5         AK304 8, AK403 6      R
//	Syntax and others    5         AK304 8               R
//	DuplicateSet         23        -                     E  the content is whole
//	EmptySegment         -         -                     E
//
// Group problems do not reject sets: GE01 wrong (AK905 5), GE02 wrong (AK905
// 4) and a repeated GS06 (AK905 19 from 005010) make the group E unless sets
// were rejected. The group is R when every set is, P when some are, else E
// when anything was noted, else A. Interchange problems belong in a TA1 and
// are not reported here.
func Acknowledge(g *Group, problems []*SyntaxError) *FunctionalAck {
	fa := &FunctionalAck{GroupFunctionalID: g.FunctionalID, GroupControlNumber: g.ControlNumber}
	v5 := g.Version >= "005"
	if v5 {
		fa.GroupVersion = g.Version
	}
	all := gather(g, problems)
	placed := make([]bool, len(all))
	rejected, noted := 0, false
	for _, t := range g.Transactions {
		a := TxAck{Set: t.Set, ControlNumber: t.ControlNumber, Status: "A"}
		first, last := t.start(), 0
		if n := len(t.Segments); n > 0 {
			last = t.Segments[n-1].Pos
		}
		reject := false
		for i, p := range all {
			if placed[i] || last == 0 || p.Segment < first || p.Segment > last {
				continue
			}
			placed[i] = true
			code, note, rej := judgeSet(p, first)
			if code != "" {
				a.Codes = addCode(a.Codes, code)
			}
			if note != nil {
				a.Notes = append(a.Notes, *note)
			}
			reject = reject || rej
			if a.Status == "A" {
				a.Status = "E"
			}
		}
		if reject {
			a.Status = "R"
			rejected++
		}
		noted = noted || a.Status != "A"
		a.Errors = errorText(a.Notes)
		fa.Transactions = append(fa.Transactions, a)
	}
	for i, p := range all {
		if placed[i] || p.Segment < g.Start || p.Segment > g.End {
			continue
		}
		switch p.Kind {
		case KindGroupCount, KindInterchangeControl, KindDuplicateInterchange:
			continue // TA1 matters
		case KindSetCount:
			fa.Codes = addCode(fa.Codes, "5")
		case KindGroupControl:
			fa.Codes = addCode(fa.Codes, "4")
		case KindDuplicateGroup:
			if v5 {
				fa.Codes = addCode(fa.Codes, "19")
			}
		}
		noted = true
	}
	n := len(g.Transactions)
	switch {
	case n > 0 && rejected == n:
		fa.Status = "R"
	case rejected > 0:
		fa.Status = "P"
	case noted:
		fa.Status = "E"
	default:
		fa.Status = "A"
	}
	fa.Included = strconv.Itoa(n)
	if declared, ok := count(g.DeclaredSets); ok {
		fa.Included = strconv.Itoa(declared)
	}
	fa.Received, fa.Accepted = strconv.Itoa(n), strconv.Itoa(n-rejected)
	return fa
}

// judgeSet turns a problem inside a set (which starts at ordinal first) into
// an AK5 code, an optional AK3 note, and whether it rejects the set.
func judgeSet(p *SyntaxError, first int) (code string, note *SegmentNote, reject bool) {
	at := func(segCode, elemCode string) *SegmentNote {
		if !validID(p.ID) {
			return nil
		}
		n := &SegmentNote{ID: p.ID, Position: strconv.Itoa(p.Segment - first + 1), Code: segCode}
		if elemCode != "" && p.Element > 0 {
			n.Elements = []ElementNote{{Position: strconv.Itoa(p.Element), Code: elemCode}}
		}
		return n
	}
	switch p.Kind {
	case KindSegmentCount:
		return "4", nil, true
	case KindSetControl:
		return "3", nil, true
	case KindDuplicateSet:
		return "23", nil, false
	case KindEmptySegment:
		return "", nil, false
	case KindMissingSegment:
		return "5", at("3", ""), true
	case KindMissingElement:
		return "5", at("8", "1"), true
	case KindInvalidElement:
		return "5", at("8", "6"), true
	default:
		return "5", at("8", ""), true
	}
}

// addCode appends an error code once; the 997 has room for five.
func addCode(codes []string, c string) []string {
	for _, x := range codes {
		if x == c {
			return codes
		}
	}
	if len(codes) == 5 {
		return codes
	}
	return append(codes, c)
}

// gather lists the group's warnings, its sets' and the given problems, each
// once.
func gather(g *Group, problems []*SyntaxError) []*SyntaxError {
	var all []*SyntaxError
	add := func(ps []*SyntaxError) {
	next:
		for _, p := range ps {
			if p == nil {
				continue
			}
			for _, q := range all {
				if q == p {
					continue next
				}
			}
			all = append(all, p)
		}
	}
	add(g.Warnings)
	for _, t := range g.Transactions {
		add(t.Warnings)
	}
	add(problems)
	return all
}
