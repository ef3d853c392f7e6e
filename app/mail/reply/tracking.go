package reply

import (
	"strings"
	"unicode"
)

// Carrier names as they appear in Tracking.Carrier.
const (
	UPS   = "UPS"
	USPS  = "USPS"
	FedEx = "FedEx"
	DHL   = "DHL"
)

// Tracking formats and their check digits. Sources: the courier data of
// github.com/jkeen/tracking_number_data (couriers/*.json and
// CHECKSUM_ALGORITHMS.md), the UPU S10 standard (as summarised on
// Wikipedia's "S10 (UPU standard)"), USPS Publication 199 (IMpb, GS1 mod 10)
// and the UPS check digit description at codeproject.com/Articles/21224.
//
//	UPS      1Z + 15 alphanumerics + check digit; letters count as (ord-3)%10,
//	         odd positions ×1, even ×2, check = (10 - sum%10) % 10
//	USPS     20–22 or 26 digits starting 92, 93, 94 or 95 (IMpb), optionally
//	         after a 420+ZIP(+4) routing prefix; GS1 mod 10 (×3 from the
//	         right); after 92 the mailer id must start with 9, after 93 not
//	S10      2 letters + 8 digits + check + 2-letter country (EA123456785US);
//	         weights 8 6 4 2 3 5 9 7, check = 11 - sum%11, 10→0, 11→5.
//	         USPS when the country is US, else the carrier named beside it
//	FedEx    12 digits (Express): weights 3 1 7 on the first 11 digits,
//	         check = sum%11%10; 15 digits (Ground): mod 10 ×3 on odd
//	         positions; 22 digits starting 96 (Ground 96): mod 10 on the
//	         14-digit serial
//	DHL      10 digits (Express waybill): first 9 digits mod 7; JJD or JVGL
//	         followed by 9–20 digits (no check digit defined)
//
// The 10-, 12- and 15-digit formats are weak: one random number in seven to
// ten passes their check. They are accepted only as a single group of digits
// (or groups of four), not right after "+" or "(", not after a word such as
// "order", "invoice" or "phone", and a 10-digit DHL number only when "DHL"
// is written on the same or the previous line.

type format int

const (
	fmtNone format = iota
	fmtUPS
	fmtS10
	fmtIMpb
	fmtFedEx12
	fmtFedEx15
	fmtFedEx96
	fmtDHL10
	fmtDHLPiece
)

// weak reports formats whose check digit is too easy to pass by chance.
func (f format) weak() bool {
	return f == fmtFedEx12 || f == fmtFedEx15 || f == fmtDHL10
}

// carriers lists who may issue a format, the default first.
func (f format) carriers(number string) []string {
	switch f {
	case fmtUPS:
		return []string{UPS}
	case fmtS10:
		if strings.HasSuffix(number, "US") {
			return []string{USPS, DHL}
		}
		return []string{"", USPS, DHL}
	case fmtIMpb:
		// FedEx SmartPost and DHL eCommerce hand parcels to USPS with
		// IMpb numbers.
		return []string{USPS, FedEx, DHL}
	case fmtFedEx12, fmtFedEx15, fmtFedEx96:
		return []string{FedEx}
	case fmtDHL10, fmtDHLPiece:
		return []string{DHL}
	}
	return nil
}

// classify returns the format a candidate (upper case, no spaces) is valid
// in, the number to report, and whether it has the shape of a strong format
// but fails its check digit.
func classify(c string) (f format, number string, badCheck bool) {
	switch {
	case len(c) == 18 && strings.HasPrefix(c, "1Z") && isAlnum(c):
		if upsCheck(c[2:17]) == c[17] {
			return fmtUPS, c, false
		}
		return fmtNone, "", true
	case len(c) == 13 && isUpper(c[:2]) && isDigits(c[2:11]) && isUpper(c[11:]):
		if s10Check(c[2:10]) == c[10] {
			return fmtS10, c, false
		}
		return fmtNone, "", strings.HasSuffix(c, "US")
	case strings.HasPrefix(c, "JJD") || strings.HasPrefix(c, "JVGL"):
		digits := strings.TrimPrefix(strings.TrimPrefix(c, "JJD"), "JVGL")
		if n := len(digits); n >= 9 && n <= 20 && isDigits(digits) {
			return fmtDHLPiece, c, false
		}
		return fmtNone, "", false
	case !isDigits(c):
		return fmtNone, "", false
	}

	// All digits from here.
	if (len(c) == 30 || len(c) == 34) && strings.HasPrefix(c, "420") {
		// 420 + ZIP (8 digits) or ZIP+4 (12) routing code before an IMpb
		// number.
		for _, skip := range []int{8, 12} {
			if f, n, _ := classify(c[skip:]); f == fmtIMpb {
				return f, n, false
			}
		}
		return fmtNone, "", false
	}
	switch n := len(c); {
	case (n >= 20 && n <= 22 || n == 26) && c[0] == '9' && c[1] >= '2' && c[1] <= '5':
		// Publication 199: after 92 the mailer id has 9 digits and starts
		// with 9; after 93 it has 6 and starts with 0-8.
		if c[1] == '2' && c[5] != '9' || c[1] == '3' && c[5] == '9' {
			return fmtNone, "", false
		}
		if gs1Check(c[:n-1]) == c[n-1] {
			return fmtIMpb, c, false
		}
		return fmtNone, "", n == 22 || n == 26
	case n == 22 && strings.HasPrefix(c, "96"):
		if fedexGroundCheck(c[7:21]) == c[21] {
			return fmtFedEx96, c, false
		}
	case n == 12:
		if fedex12Check(c[:11]) == c[11] {
			return fmtFedEx12, c, false
		}
	case n == 15:
		if fedexGroundCheck(c[:14]) == c[14] {
			return fmtFedEx15, c, false
		}
	case n == 10:
		if dhlCheck(c[:9]) == c[9] {
			return fmtDHL10, c, false
		}
	}
	return fmtNone, "", false
}

func upsCheck(s string) byte {
	sum := 0
	for i := 0; i < len(s); i++ {
		v := int(s[i] - '0')
		if s[i] >= 'A' {
			v = (int(s[i]) - 3) % 10
		}
		if i%2 == 1 {
			v *= 2
		}
		sum += v
	}
	return byte('0' + (10-sum%10)%10)
}

// gs1Check is the GS1 mod 10 check digit: weights 3 and 1 alternating from
// the rightmost digit.
func gs1Check(s string) byte {
	sum := 0
	for i := 0; i < len(s); i++ {
		v := int(s[len(s)-1-i] - '0')
		if i%2 == 0 {
			v *= 3
		}
		sum += v
	}
	return byte('0' + (10-sum%10)%10)
}

// fedexGroundCheck is mod 10 with odd positions (from the left, 0-based)
// weighted 3, as FedEx Ground's 15-digit and 96 numbers use.
func fedexGroundCheck(s string) byte {
	sum := 0
	for i := 0; i < len(s); i++ {
		v := int(s[i] - '0')
		if i%2 == 1 {
			v *= 3
		}
		sum += v
	}
	return byte('0' + (10-sum%10)%10)
}

func fedex12Check(s string) byte {
	weights := [11]int{3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1}
	sum := 0
	for i := 0; i < 11; i++ {
		sum += int(s[i]-'0') * weights[i]
	}
	return byte('0' + sum%11%10)
}

func s10Check(s string) byte {
	weights := [8]int{8, 6, 4, 2, 3, 5, 9, 7}
	sum := 0
	for i := 0; i < 8; i++ {
		sum += int(s[i]-'0') * weights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return '0'
	case 11:
		return '5'
	default:
		return byte('0' + c)
	}
}

func dhlCheck(s string) byte {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return byte('0' + n%7)
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

func isUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'A' && s[i] <= 'Z') {
			return false
		}
	}
	return true
}

// FindTracking returns the valid tracking numbers in text, deduplicated, in
// the order they appear. A carrier name written beside a number (on its
// line, nearest wins) picks that carrier when the number's format allows it.
func FindTracking(text string) []Tracking {
	found, _ := findTracking(text)
	return found
}

// group is a run of ASCII letters and digits within a line.
type group struct {
	start, end int // byte offsets in the line
}

// maxJoin bounds how many space-separated groups may form one number, and
// maxLen its length: the longest format is 34 characters.
const (
	maxJoin = 12
	maxLen  = 34
)

// findTracking also returns candidates that look like UPS, USPS or S10
// numbers but fail their check digit, which usually means a typo.
func findTracking(text string) (found []Tracking, bad []string) {
	seen := map[string]bool{}
	badSeen := map[string]bool{}
	var prevMentions []mention
	for _, line := range strings.Split(text, "\n") {
		groups := alnumGroups(line)
		if len(groups) == 0 {
			prevMentions = nil
			continue
		}
		// Found once per line: looking again for every candidate would be
		// quadratic on a long line.
		mentions := carrierMentions(line)
		dhlNamed := hasCarrier(mentions, DHL) || hasCarrier(prevMentions, DHL)
		for i := 0; i < len(groups); {
			var best struct {
				f      format
				number string
				j      int
			}
			var sb strings.Builder
			badHere := "" // kept only if no valid number starts here
			for j := i; j < len(groups) && j < i+maxJoin; j++ {
				if j > i && !singleSpace(line[groups[j-1].end:groups[j].start]) {
					break
				}
				sb.WriteString(strings.ToUpper(line[groups[j].start:groups[j].end]))
				if sb.Len() > maxLen {
					break
				}
				f, number, badCheck := classify(sb.String())
				if f == fmtNone {
					if badCheck && badHere == "" {
						badHere = sb.String()
					}
					continue
				}
				if f.weak() && !weakAllowed(line, groups, i, j) || f == fmtDHL10 && !dhlNamed {
					continue
				}
				best.f, best.number, best.j = f, number, j
			}
			if best.f == fmtNone {
				if badHere != "" && !badSeen[badHere] {
					badSeen[badHere] = true
					bad = append(bad, badHere)
				}
				i++
				continue
			}
			if !seen[best.number] {
				seen[best.number] = true
				carrier := pickCarrier(mentions, groups[i].start, groups[best.j].end, best.f.carriers(best.number))
				found = append(found, Tracking{Carrier: carrier, Number: best.number})
			}
			i = best.j + 1
		}
		prevMentions = mentions
	}
	return found, bad
}

func alnumGroups(line string) []group {
	var gs []group
	start := -1
	for i := 0; i <= len(line); i++ {
		alnum := i < len(line) && (line[i] >= '0' && line[i] <= '9' || line[i] >= 'a' && line[i] <= 'z' || line[i] >= 'A' && line[i] <= 'Z')
		switch {
		case alnum && start < 0:
			start = i
		case !alnum && start >= 0:
			// A run glued to a non-ASCII letter is part of a word, not a
			// number ("Größe1Z…" is not a tracking number).
			if !touchesLetter(line, start, i) {
				gs = append(gs, group{start, i})
			}
			start = -1
		}
	}
	return gs
}

func touchesLetter(line string, start, end int) bool {
	if start > 0 {
		r := lastRune(line[:start])
		if r > 0x7f && unicode.IsLetter(r) {
			return true
		}
	}
	if end < len(line) {
		r := []rune(line[end:min(end+4, len(line))])
		if len(r) > 0 && r[0] > 0x7f && unicode.IsLetter(r[0]) {
			return true
		}
	}
	return false
}

func lastRune(s string) rune {
	r := []rune(s[max(0, len(s)-4):])
	if len(r) == 0 {
		return 0
	}
	return r[len(r)-1]
}

func singleSpace(sep string) bool {
	return sep == " " || sep == "\u00a0"
}

// weakAllowed applies the extra rules for formats a random number passes
// easily.
func weakAllowed(line string, groups []group, i, j int) bool {
	// Spaced digits only in groups of four ("1234 5678 9012"), the way
	// carriers print them; phone numbers group 3-3-4.
	for k := i; k < j; k++ {
		if groups[k].end-groups[k].start != 4 {
			return false
		}
	}
	start := groups[i].start
	// Only the few words just before the number matter.
	before := strings.TrimRight(line[max(0, start-40):start], " ")
	if strings.HasSuffix(before, "+") || strings.HasSuffix(before, "(") {
		return false
	}
	if strings.HasSuffix(before, "-") || strings.HasSuffix(before, "/") ||
		groups[j].end < len(line) && (line[groups[j].end] == '-' || line[groups[j].end] == '/') {
		// Part of a dashed or slashed reference such as 2024-1234567890.
		return false
	}
	words := strings.FieldsFunc(strings.ToLower(before), func(r rune) bool {
		return !unicode.IsLetter(r)
	})
	for k := len(words) - 1; k >= 0 && k >= len(words)-3; k-- {
		if isReferenceWord(words[k]) {
			return false
		}
	}
	return true
}

// isReferenceWord reports words that introduce a number that is not a
// tracking number.
func isReferenceWord(w string) bool {
	switch w {
	case "order", "orders", "invoice", "inv", "ref", "reference", "po", "customer", "account",
		"acct", "phone", "tel", "telephone", "fax", "mobile", "cell", "call", "ph", "sku", "item",
		"article", "art", "vat", "iban", "bic", "kvk", "bestellung", "bestellnummer", "rechnung",
		"commande", "facture", "pedido", "factura", "bestelling", "factuur", "telefon", "téléphone",
		"teléfono", "telefoon", "kundennummer", "client", "cliente", "klant":
		return true
	}
	return false
}

// carrierNames maps what people write to the carrier.
func carrierNames() []struct{ name, carrier string } {
	return []struct{ name, carrier string }{
		{"usps", USPS}, {"u.s.p.s", USPS}, {"postal service", USPS}, {"us mail", USPS},
		{"fedex", FedEx}, {"fed ex", FedEx}, {"federal express", FedEx}, {"smartpost", FedEx},
		{"dhl", DHL}, {"ups", UPS},
	}
}

func hasCarrier(ms []mention, carrier string) bool {
	for _, m := range ms {
		if m.carrier == carrier {
			return true
		}
	}
	return false
}

type mention struct {
	carrier    string
	start, end int
}

// carrierMentions finds carrier names written as whole words.
func carrierMentions(line string) []mention {
	lower := strings.ToLower(line)
	var ms []mention
	for _, cn := range carrierNames() {
		for off := 0; ; {
			k := strings.Index(lower[off:], cn.name)
			if k < 0 {
				break
			}
			s, e := off+k, off+k+len(cn.name)
			if wordBoundary(lower, s-1) && wordBoundary(lower, e) {
				ms = append(ms, mention{cn.carrier, s, e})
			}
			off = e
		}
	}
	return ms
}

func wordBoundary(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return true
	}
	c := s[i]
	return !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9')
}

// pickCarrier chooses the allowed carrier named nearest to the number on its
// line, or the format's default.
func pickCarrier(mentions []mention, start, end int, allowed []string) string {
	best, bestDist := allowed[0], -1
	for _, m := range mentions {
		ok := false
		for _, a := range allowed {
			ok = ok || a == m.carrier
		}
		if !ok {
			continue
		}
		dist := start - m.end
		if m.start >= end {
			dist = m.start - end
		}
		if dist < 0 {
			dist = 0
		}
		if bestDist < 0 || dist < bestDist {
			best, bestDist = m.carrier, dist
		}
	}
	return best
}
