package x12

import (
	"fmt"
	"strings"
)

// isDecimal reports whether s is an X12 R (decimal) value: an optional minus,
// digits with at most one decimal point, and (from 005010) an optional
// exponent such as "E3". Numbers stay strings: they are checked, never
// converted to float.
func isDecimal(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' {
		s = s[1:]
	}
	mant, exp, hasExp := strings.Cut(strings.ToUpper(s), "E")
	if hasExp {
		exp = strings.TrimPrefix(exp, "-")
		if !isDigits(exp) {
			return false
		}
	}
	whole, frac, _ := strings.Cut(mant, ".")
	if whole == "" && frac == "" {
		return false
	}
	return (whole == "" || isDigits(whole)) && (frac == "" || isDigits(frac))
}

// impliedDecimal turns an N2-style value (implied decimal places) into decimal
// text: impliedDecimal("1999", 2) is "19.99", "-5" is "-0.05".
func impliedDecimal(raw string, places int) (string, error) {
	neg := strings.HasPrefix(raw, "-")
	digits := strings.TrimPrefix(raw, "-")
	if !isDigits(digits) {
		return "", fmt.Errorf("%q is not an implied-decimal number", raw)
	}
	digits = strings.TrimLeft(digits, "0")
	if len(digits) <= places {
		digits = strings.Repeat("0", places+1-len(digits)) + digits
	}
	out := digits[:len(digits)-places]
	if places > 0 {
		out += "." + digits[len(digits)-places:]
	}
	if neg && strings.Trim(digits, "0") != "" {
		out = "-" + out
	}
	return out, nil
}

// toImplied is the writer's side of impliedDecimal: toImplied("19.99", 2) is
// "1999". More decimal places than the format holds is an error, never a
// rounding.
func toImplied(s string, places int) (string, error) {
	neg := strings.HasPrefix(s, "-")
	whole, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if (whole == "" && frac == "") || (whole != "" && !isDigits(whole)) || (frac != "" && !isDigits(frac)) {
		return "", fmt.Errorf("%q is not a decimal number", s)
	}
	if t := strings.TrimRight(frac, "0"); len(t) > places {
		return "", fmt.Errorf("%q has more than %d decimal places", s, places)
	}
	frac = (frac + strings.Repeat("0", places))[:places]
	digits := strings.TrimLeft(whole+frac, "0")
	if digits == "" {
		return "0", nil
	}
	if neg {
		digits = "-" + digits
	}
	return digits, nil
}

// checkDecimals reports the first of elements i and j of seg that is present
// but not a number; what and whatJ name them in the message.
func checkDecimals(seg Segment, i int, what string, j int, whatJ string) error {
	if v := seg.E(i); v != "" && !isDecimal(v) {
		return problem(KindInvalidElement, seg, i, "%s %q is not a decimal number", what, v)
	}
	if v := seg.E(j); v != "" && !isDecimal(v) {
		return problem(KindInvalidElement, seg, j, "%s %q is not a decimal number", whatJ, v)
	}
	return nil
}
