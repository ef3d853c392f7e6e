package x12

import "fmt"

// Kind classifies a SyntaxError. The kind decides how Acknowledge answers it in
// a 997: see the table on Acknowledge.
type Kind uint8

// The kinds of problem Parse and the decoders report.
const (
	// KindSyntax is unreadable data: Parse's hard errors, and anything a
	// caller reports without a more precise kind.
	KindSyntax Kind = iota
	// KindMissingSegment: a segment the set needs is absent (AK304 3).
	KindMissingSegment
	// KindMissingElement: an element the set needs is empty (AK403 1).
	KindMissingElement
	// KindInvalidElement: an element holds something it may not, such as a
	// quantity that is not a number (AK403 6).
	KindInvalidElement
	// KindEmptySegment: two terminators in a row inside an interchange; the
	// empty segment is skipped.
	KindEmptySegment
	// KindSegmentCount: SE01 is not the number of segments from ST to SE (AK502 4).
	KindSegmentCount
	// KindSetControl: SE02 differs from ST02 (AK502 3).
	KindSetControl
	// KindDuplicateSet: ST02 repeats within its group (AK502 23).
	KindDuplicateSet
	// KindSetCount: GE01 is not the number of sets in the group (AK905 5).
	KindSetCount
	// KindGroupControl: GE02 differs from GS06 (AK905 4).
	KindGroupControl
	// KindDuplicateGroup: GS06 repeats within its interchange (AK905 19 in 005010).
	KindDuplicateGroup
	// KindGroupCount: IEA01 is not the number of groups (a TA1 matter, not a 997's).
	KindGroupCount
	// KindInterchangeControl: IEA02 differs from ISA13 (TA1, not 997).
	KindInterchangeControl
	// KindDuplicateInterchange: ISA13 repeats within the file (TA1, not 997).
	KindDuplicateInterchange
)

// SyntaxError locates a problem in X12 data. Parse returns one for the faults
// it cannot read past and collects the others as warnings (see the package
// documentation); the typed decoders return one when a set lacks what they need.
type SyntaxError struct {
	Segment int    // 1-based ordinal of the segment in the file (ISA is 1); 0 when there is no segment, as for empty input
	ID      string // segment ID, e.g. "SE"
	Element int    // 1-based element position when the problem is in one element, else 0
	Kind    Kind
	Reason  string
}

func (e *SyntaxError) Error() string {
	switch {
	case e.Segment == 0 && e.ID == "":
		return "x12: " + e.Reason
	case e.ID == "":
		return fmt.Sprintf("segment %d: %s", e.Segment, e.Reason)
	case e.Element > 0:
		return fmt.Sprintf("segment %d (%s%02d): %s", e.Segment, e.ID, e.Element, e.Reason)
	default:
		return fmt.Sprintf("segment %d (%s): %s", e.Segment, e.ID, e.Reason)
	}
}

// problem builds a SyntaxError about one segment.
func problem(kind Kind, seg Segment, element int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Segment: seg.Pos, ID: seg.ID, Element: element, Kind: kind, Reason: fmt.Sprintf(format, args...)}
}
