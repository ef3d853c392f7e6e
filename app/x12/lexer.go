package x12

import (
	"fmt"
	"strings"
)

// lexer cuts the input into segments. It holds the whole input as one string,
// so every ID and element is a substring of it, and the elements of all
// segments share one slab: nothing is allocated per byte or per element.
type lexer struct {
	s     string
	pos   int
	n     int // ordinal of the last segment read
	d     Delimiters
	space [256]bool // bytes skipped between segments: whitespace that is not a delimiter
	// breakCR and breakLF say whether \r and \n inside a segment are line
	// breaks to drop (segments split over lines) rather than delimiters.
	breakCR, breakLF bool
	elems            []string // slab the segments' Elements are cut from
}

// sub is the DOS end-of-file byte (Ctrl-Z) some systems append to files.
const sub = 0x1A

func newLexer(s string) lexer {
	l := lexer{s: s}
	l.setDelimiters(Delimiters{})
	// Size the element slab from the first interchange's element separator;
	// later interchanges with other delimiters just grow it.
	if i := strings.Index(s, "ISA"); i >= 0 && i+4 < len(s) {
		l.elems = make([]string, 0, strings.Count(s, s[i+3:i+4]))
	}
	return l
}

func (l *lexer) setDelimiters(d Delimiters) {
	l.d = d
	for _, c := range []byte{' ', '\t', '\r', '\n', '\v', '\f'} {
		l.space[c] = !d.isDelim(c)
	}
	l.breakCR = !d.isDelim('\r')
	l.breakLF = !d.isDelim('\n')
}

func (l *lexer) skipSpace() {
	for l.pos < len(l.s) && l.space[l.s[l.pos]] {
		l.pos++
	}
}

// skipTrailer skips what may follow an IEA before the next ISA or the end of
// the data: whitespace, stray terminators, NUL padding and Ctrl-Z.
func (l *lexer) skipTrailer() {
	for l.pos < len(l.s) {
		c := l.s[l.pos]
		if !l.space[c] && c != l.d.Segment && c != sub && c != 0 {
			return
		}
		l.pos++
	}
}

// readISA reads the ISA at the current position and switches to its
// delimiters. The ISA is read by counting its 16 element separators rather
// than by its fixed width, because published samples pad it oddly (one uses
// no-break spaces); ISA09, ISA10, ISA12 and ISA13 must then be digits, which
// catches an ISA that is short of fields.
func (l *lexer) readISA() (Interchange, error) {
	ord := l.n + 1
	fail := func(format string, args ...any) error {
		return &SyntaxError{Segment: ord, ID: "ISA", Reason: fmt.Sprintf(format, args...)}
	}
	start := l.pos
	if len(l.s)-start < 4 || l.s[start:start+3] != "ISA" {
		return Interchange{}, fail("truncated ISA")
	}
	sep := l.s[start+3]
	var f [15]string
	i := start + 4
	for k := range f {
		j := strings.IndexByte(l.s[i:], sep)
		if j < 0 {
			return Interchange{}, fail("truncated ISA: the data ends after %d of its 16 elements", k)
		}
		f[k] = l.s[i : i+j]
		i += j + 1
	}
	if len(l.s)-i < 2 {
		return Interchange{}, fail("truncated ISA: no ISA16 component separator and segment terminator")
	}
	for _, k := range []int{9, 10, 12, 13} {
		if v := strings.TrimSpace(f[k-1]); !isDigits(v) {
			return Interchange{}, fail("ISA%02d %q is not a number: the ISA is short of fields or misaligned", k, shorten(v))
		}
	}
	d := Delimiters{Element: sep, Component: l.s[i], Segment: l.s[i+1]}
	if d.Element == d.Component || d.Element == d.Segment || d.Component == d.Segment {
		return Interchange{}, fail("element separator %q, component separator %q and segment terminator %q are not distinct", d.Element, d.Component, d.Segment)
	}
	for _, c := range []byte{d.Element, d.Component, d.Segment} {
		// A space cannot separate anything: the ISA pads its fields with it.
		if c == 0 || c == ' ' || isAlnum(c) {
			return Interchange{}, fail("delimiter %q is NUL, a space, a letter or a digit", c)
		}
	}
	if r := f[10]; len(r) == 1 && r[0] != 0 && r[0] != ' ' && !isAlnum(r[0]) && r[0] != d.Element && r[0] != d.Component && r[0] != d.Segment {
		d.Repetition = r[0]
	}
	for k, v := range f {
		if k == 10 && d.Repetition != 0 {
			continue // ISA11 is the repetition separator, whatever byte it is
		}
		for j := 0; j < len(v); j++ {
			if c := v[j]; c < ' ' || c == 0x7F || c == d.Component || c == d.Segment {
				return Interchange{}, fail("ISA%02d contains the byte %q", k+1, c)
			}
		}
		f[k] = strings.TrimSpace(v)
	}
	l.pos = i + 2
	l.n++
	l.setDelimiters(d)
	return Interchange{
		Delimiters:        d,
		AuthQual:          f[0],
		Auth:              f[1],
		SecQual:           f[2],
		Sec:               f[3],
		SenderQualifier:   f[4],
		SenderID:          f[5],
		ReceiverQualifier: f[6],
		ReceiverID:        f[7],
		Date:              f[8],
		Time:              f[9],
		Version:           f[11],
		ControlNumber:     f[12],
		AckRequested:      f[13],
		Usage:             f[14],
	}, nil
}

// next reads the segment at the current position into seg, reporting false
// at the end of the data. A segment left with an empty ID is an empty segment
// (two terminators in a row), which takes no ordinal.
func (l *lexer) next(seg *Segment) (bool, error) {
	l.skipSpace()
	if l.pos >= len(l.s) {
		return false, nil
	}
	rest := l.s[l.pos:]
	j := strings.IndexByte(rest, l.d.Segment)
	if j < 0 {
		l.n++
		return false, &SyntaxError{Segment: l.n, ID: leadingID(rest, l.d.Element), Reason: fmt.Sprintf("unterminated segment: no terminator %q before the end of the data", l.d.Segment)}
	}
	raw := rest[:j]
	l.pos += j + 1
	if raw == "" {
		*seg = Segment{}
		return true, nil
	}
	l.n++
	return true, l.split(raw, seg)
}

// split cuts one segment's text into its ID and elements, in one pass that
// also notices line breaks (a segment split over lines).
func (l *lexer) split(raw string, seg *Segment) error {
	sep := l.d.Element
	start := len(l.elems)
	idEnd, from, broken := -1, 0, false
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == sep:
			if idEnd < 0 {
				idEnd = i
			} else {
				l.elems = append(l.elems, raw[from:i])
			}
			from = i + 1
		case c == '\n' && l.breakLF, c == '\r' && l.breakCR:
			broken = true
		}
	}
	if broken {
		l.elems = l.elems[:start]
		return l.split(l.joinLines(raw), seg)
	}
	id := raw
	if idEnd >= 0 {
		id = raw[:idEnd]
		l.elems = append(l.elems, raw[from:])
	}
	if !validID(id) {
		l.elems = l.elems[:start]
		return &SyntaxError{Segment: l.n, ID: shorten(id), Reason: fmt.Sprintf("%q is not a segment ID", shorten(id))}
	}
	var elems []string
	if end := len(l.elems); end > start {
		elems = l.elems[start:end:end]
	}
	*seg = Segment{ID: id, Elements: elems, Pos: l.n, component: l.d.Component, repetition: l.d.Repetition}
	return nil
}

// joinLines removes line breaks inside a segment, with the indentation that
// follows them: the segment was split over lines.
func (l *lexer) joinLines(raw string) string {
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if (c == '\r' && l.breakCR) || (c == '\n' && l.breakLF) {
			for i+1 < len(raw) && l.space[raw[i+1]] {
				i++
			}
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// validID reports whether id looks like an X12 segment ID: two or three
// upper-case letters and digits, starting with a letter.
func validID(id string) bool {
	if len(id) < 2 || len(id) > 3 || id[0] < 'A' || id[0] > 'Z' {
		return false
	}
	for i := 1; i < len(id); i++ {
		if c := id[i]; (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// leadingID is what an error message calls a segment it could not cut out.
func leadingID(rest string, sep byte) string {
	if i := strings.IndexByte(rest, sep); i >= 0 {
		rest = rest[:i]
	}
	return shorten(rest)
}

func shorten(s string) string {
	if len(s) > 8 {
		return s[:8] + "..."
	}
	return s
}

func isAlnum(c byte) bool {
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
