package x12

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

const bom = "\xEF\xBB\xBF"

// Parse reads every interchange in data. It returns a *SyntaxError when the
// data cannot be read as X12 envelopes; problems it can read past are
// File.Warnings. The package documentation lists which is which.
func Parse(data []byte) (*File, error) {
	// One copy of the input: every ID and element is a substring of it.
	s := string(data)
	p := parser{l: newLexer(s), f: &File{}}
	if strings.HasPrefix(s, bom) {
		p.l.pos = len(bom)
	}
	p.l.skipSpace()
	if p.l.pos >= len(s) {
		return nil, &SyntaxError{Reason: "empty input: no ISA segment"}
	}
	if !strings.HasPrefix(s[p.l.pos:], "ISA") {
		return nil, &SyntaxError{Segment: 1, ID: leadingID(s[p.l.pos:], '*'), Reason: "data does not start with an ISA segment"}
	}
	// Size the segment slab by counting terminators: in a standard-width ISA
	// the terminator is byte 105. A wrong guess only costs growing the slab.
	if i := strings.Index(s, "ISA"); i+105 < len(s) {
		p.segs = make([]Segment, 0, strings.Count(s, s[i+105:i+106])+1)
	}
	for {
		if err := p.interchange(); err != nil {
			return nil, err
		}
		p.l.skipTrailer()
		if p.l.pos >= len(s) {
			return p.f, nil
		}
		if !strings.HasPrefix(s[p.l.pos:], "ISA") {
			return nil, &SyntaxError{Segment: p.l.n + 1, ID: leadingID(s[p.l.pos:], p.l.d.Element), Reason: "data after IEA is not another ISA"}
		}
	}
}

// parser walks the envelopes over the lexer's segments.
type parser struct {
	l lexer
	f *File
	// segs is the slab every Transaction.Segments is cut from.
	segs         []Segment
	interchanges seen // ISA13s of the file
}

// interchange reads one ISA ... IEA.
func (p *parser) interchange() error {
	isaPos := p.l.n + 1
	ic, err := p.l.readISA()
	if err != nil {
		return err
	}
	if p.interchanges.add(ic.ControlNumber) {
		p.warn(&ic.Warnings, &SyntaxError{Segment: isaPos, ID: "ISA", Element: 13, Kind: KindDuplicateInterchange,
			Reason: fmt.Sprintf("interchange control number %s is used twice in the file", ic.ControlNumber)})
	}
	var (
		g       Group
		inGroup bool
		groups  seen // GS06s of this interchange
		sets    seen // ST02s of the current group
		tx      Transaction
		inSet   bool
		txStart int // index in p.segs of the current ST
	)
	for {
		// Read straight into the next slot of the segment slab: a set's
		// segments stay there, others are overwritten by the next read.
		if len(p.segs) == cap(p.segs) {
			p.segs = slices.Grow(p.segs, 1)
		}
		seg := &p.segs[:len(p.segs)+1][len(p.segs)]
		ok, err := p.l.next(seg)
		if err != nil {
			return err
		}
		if !ok {
			switch {
			case inSet:
				return &SyntaxError{Segment: p.segs[txStart].Pos, ID: "ST", Reason: fmt.Sprintf("transaction set %s has no SE before the end of the data", tx.ControlNumber)}
			case inGroup:
				return &SyntaxError{Segment: g.Start, ID: "GS", Reason: fmt.Sprintf("group %s has no GE before the end of the data", g.ControlNumber)}
			default:
				return &SyntaxError{Segment: isaPos, ID: "ISA", Reason: fmt.Sprintf("interchange %s has no IEA before the end of the data", ic.ControlNumber)}
			}
		}
		if seg.ID == "" {
			owner := &ic.Warnings
			if inSet {
				owner = &tx.Warnings
			} else if inGroup {
				owner = &g.Warnings
			}
			p.warn(owner, &SyntaxError{Segment: p.l.n, Kind: KindEmptySegment, Reason: fmt.Sprintf("empty segment after segment %d", p.l.n)})
			continue
		}
		if inSet && !isEnvelope(seg.ID) {
			p.segs = p.segs[:len(p.segs)+1]
			continue
		}
		switch seg.ID {
		case "ST":
			if !inGroup {
				return problem(KindSyntax, *seg, 0, "ST outside a functional group (no GS before it)")
			}
			if inSet {
				return problem(KindSyntax, *seg, 0, "ST before the SE of set %s", tx.ControlNumber)
			}
			inSet, txStart = true, len(p.segs)
			tx = Transaction{Set: seg.E(1), ControlNumber: seg.E(2)}
			p.segs = p.segs[:len(p.segs)+1]
			if sets.add(tx.ControlNumber) {
				p.warn(&tx.Warnings, problem(KindDuplicateSet, *seg, 2, "transaction set control number %s is used twice in group %s", tx.ControlNumber, g.ControlNumber))
			}
		case "SE":
			if !inSet {
				return problem(KindSyntax, *seg, 0, "SE without an ST before it")
			}
			p.segs = p.segs[:len(p.segs)+1]
			tx.Segments = p.segs[txStart:len(p.segs):len(p.segs)]
			if n, ok := count(seg.E(1)); !ok || n != len(tx.Segments) {
				p.warn(&tx.Warnings, problem(KindSegmentCount, *seg, 1, "SE01 says %q segments, the set has %d", seg.E(1), len(tx.Segments)))
			}
			if seg.E(2) != tx.ControlNumber {
				p.warn(&tx.Warnings, problem(KindSetControl, *seg, 2, "SE02 %q does not match ST02 %q", seg.E(2), tx.ControlNumber))
			}
			g.Transactions = append(g.Transactions, tx)
			inSet = false
		case "GS":
			if inGroup {
				return problem(KindSyntax, *seg, 0, "GS before the GE of group %s", g.ControlNumber)
			}
			inGroup, sets = true, seen{}
			g = Group{
				FunctionalID:  strings.TrimSpace(seg.E(1)),
				SenderID:      strings.TrimSpace(seg.E(2)),
				ReceiverID:    strings.TrimSpace(seg.E(3)),
				Date:          strings.TrimSpace(seg.E(4)),
				Time:          strings.TrimSpace(seg.E(5)),
				ControlNumber: strings.TrimSpace(seg.E(6)),
				Agency:        strings.TrimSpace(seg.E(7)),
				Version:       strings.TrimSpace(seg.E(8)),
				Start:         seg.Pos,
			}
			if groups.add(g.ControlNumber) {
				p.warn(&g.Warnings, problem(KindDuplicateGroup, *seg, 6, "group control number %s is used twice in interchange %s", g.ControlNumber, ic.ControlNumber))
			}
		case "GE":
			if inSet {
				return problem(KindSyntax, *seg, 0, "GE before the SE of set %s", tx.ControlNumber)
			}
			if !inGroup {
				return problem(KindSyntax, *seg, 0, "GE without a GS before it")
			}
			g.End, g.DeclaredSets = seg.Pos, seg.E(1)
			if n, ok := count(seg.E(1)); !ok || n != len(g.Transactions) {
				p.warn(&g.Warnings, problem(KindSetCount, *seg, 1, "GE01 says %q transaction sets, the group has %d", seg.E(1), len(g.Transactions)))
			}
			if strings.TrimSpace(seg.E(2)) != g.ControlNumber {
				p.warn(&g.Warnings, problem(KindGroupControl, *seg, 2, "GE02 %q does not match GS06 %q", seg.E(2), g.ControlNumber))
			}
			ic.Groups = append(ic.Groups, g)
			inGroup = false
		case "IEA":
			if inSet {
				return problem(KindSyntax, *seg, 0, "IEA before the SE of set %s", tx.ControlNumber)
			}
			if inGroup {
				return problem(KindSyntax, *seg, 0, "IEA before the GE of group %s", g.ControlNumber)
			}
			if n, ok := count(seg.E(1)); !ok || n != len(ic.Groups) {
				p.warn(&ic.Warnings, problem(KindGroupCount, *seg, 1, "IEA01 says %q groups, the interchange has %d", seg.E(1), len(ic.Groups)))
			}
			if strings.TrimSpace(seg.E(2)) != ic.ControlNumber {
				p.warn(&ic.Warnings, problem(KindInterchangeControl, *seg, 2, "IEA02 %q does not match ISA13 %q", seg.E(2), ic.ControlNumber))
			}
			p.f.Interchanges = append(p.f.Interchanges, ic)
			return nil
		case "ISA":
			return problem(KindSyntax, *seg, 0, "ISA before the IEA of interchange %s", ic.ControlNumber)
		case "TA1":
			if inGroup {
				return problem(KindSyntax, *seg, 0, "TA1 inside group %s", g.ControlNumber)
			}
			ic.TA1 = append(ic.TA1, *seg)
		default:
			if inGroup {
				return problem(KindSyntax, *seg, 0, "%s outside a transaction set (no ST before it)", seg.ID)
			}
			return problem(KindSyntax, *seg, 0, "%s outside a functional group (no GS before it)", seg.ID)
		}
	}
}

// warn records w on its owner and on the file.
func (p *parser) warn(owner *[]*SyntaxError, w *SyntaxError) {
	*owner = append(*owner, w)
	p.f.Warnings = append(p.f.Warnings, w)
}

func isEnvelope(id string) bool {
	switch id {
	case "ST", "SE", "GS", "GE", "ISA", "IEA", "TA1":
		return true
	}
	return false
}

// count reads a trailer count such as SE01.
func count(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil && n >= 0
}

// seen remembers the control numbers of one envelope level to spot
// duplicates. It scans a short list and switches to a map when the list grows,
// so a mailbag of thousands of sets stays linear.
type seen struct {
	list []string
	m    map[string]struct{}
}

// add records v and reports whether it was already there.
func (s *seen) add(v string) bool {
	if s.m != nil {
		if _, ok := s.m[v]; ok {
			return true
		}
		s.m[v] = struct{}{}
		return false
	}
	for _, x := range s.list {
		if x == v {
			return true
		}
	}
	s.list = append(s.list, v)
	if len(s.list) > 16 {
		s.m = make(map[string]struct{}, 2*len(s.list))
		for _, x := range s.list {
			s.m[x] = struct{}{}
		}
		s.list = nil
	}
	return false
}
