package reply

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Intent is what a reply asks Consign to do with the purchase order.
//
// The rules read only Reply.Text (the new text; never the
// subject, which is Consign's own, nor attachments), split into sentences
// at line breaks and at ".", "!", "?" and ";" followed by a space; a line of
// 60 or more characters that does not end a sentence is taken to be
// hard-wrapped and joined with the next. Before
// matching, a greeting or thanks at the start of a sentence ("Hi Anna,",
// "Thanks for the order,") is set aside, and sentences ending in "?" are
// never statements. Matching ignores case.
//
// Statements:
//
//   - accept: the first sentence starts with an accept phrase followed by
//     the end, or by ",", ":", "-" and anything; or any sentence consists of
//     an accept phrase alone (optionally followed by "thanks"); or any
//     sentence starts with "(ok|yes) we will ship" / "we'll ship" / "will
//     ship". An accept phrase is an optional "yes"/"ok", an optional
//     "order"/"PO" or "we"/"I", one of accept, accepted, confirm, confirmed
//     (or akzeptiert, bestätigt, angenommen, accepté, confirmé, aceptado,
//     confirmado, geaccepteerd, bevestigd, akkoord, accettato, confermato,
//     …), optionally followed by "(the|this) order/PO" and an order number.
//     So "Accepted.", "Confirmed, ships Monday", "We accept this order",
//     "PO-123 confirmed" are accepts; "Confirm your address", "We confirm
//     receipt and will check stock" and "Can you accept?" are not.
//   - reject: a sentence starts with an optional "sorry"/"unfortunately",
//     up to four subject words ("we", "must", "the item is", …) and reject,
//     rejected, decline(d), cannot fulfil(l), unable to fulfil, out of
//     stock, sold out (or abgelehnt, ausverkauft, refusé, rupture de stock,
//     rechazado, agotado, afgewezen, uitverkocht, …). Reason is what follows
//     the keyword ("Reject: out of stock" gives "out of stock"), with "out
//     of stock"-like keywords kept in it; when nothing follows, the next
//     sentence is the reason.
//   - ship: the text holds at least one valid tracking number (FindTracking).
//
// Signals that make a reply unclear:
//
//   - negation: not, no, never, cannot, can't/…n't, unable, refuse, nicht,
//     kein, pas, niet, geen, nunca, jamais, non within four words before
//     accept*, confirm*, ship* or their translations ("cannot accept", "not
//     accepted", "don't ship"); also nicht/niet/pas/non up to four words
//     after them ("wir akzeptieren die Bestellung nicht"), and French n'
//     glued to them ("n'acceptons");
//   - a qualifier (but, however, except, unless, if, provided, once, only,
//     as soon as, and translations) in an accept or "shipped" sentence, or
//     any sentence starting with one or with "unfortunately";
//   - a reject word mentioned anywhere (also discontinued, backorder,
//     unavailable, no longer available) next to an accept or ship;
//   - an accept word mentioned anywhere (accept, accepted, confirmed, …)
//     next to a reject;
//   - something shaped like a UPS, USPS IMpb or US S10 number whose check
//     digit is wrong;
//   - "shipped"/"dispatched" stated without a valid tracking number.
//
// Decision, in order:
//
//  1. a wrong check digit: IntentUnclear;
//  2. negation: IntentReject if there is a reject statement and no accept
//     statement or tracking number (the negation agrees with it), otherwise
//     IntentUnclear;
//  3. a reject statement with an accept statement or tracking: IntentUnclear;
//  4. a reject statement: IntentUnclear if an accept word is mentioned,
//     otherwise IntentReject with Reason;
//  5. tracking numbers: IntentUnclear if a reject word is mentioned or
//     there is a qualifier, otherwise IntentShip;
//  6. an accept statement: IntentUnclear with a qualifier or a reject word,
//     otherwise IntentAccept;
//  7. "shipped" without tracking, or a reject or accept word that is not a
//     statement: IntentUnclear;
//  8. otherwise IntentNone.
//
// Unclear explains every IntentUnclear and IntentNone.
type Intent string

const (
	IntentNone    Intent = "none"    // no instruction found
	IntentAccept  Intent = "accept"  // the supplier accepts the order
	IntentReject  Intent = "reject"  // the supplier refuses it; see Reason
	IntentShip    Intent = "ship"    // the supplier shipped it; see Tracking
	IntentUnclear Intent = "unclear" // signals conflict; see Unclear
)

const phraseAccept = `(?:accept|accepted|confirm|confirmed|akzeptiert|akzeptieren|bestätigt|bestätigen|angenommen|` +
	`accepté|acceptée|acceptés|acceptons|accepte|confirmé|confirmée|confirmons|confirme|j'accepte|` +
	`aceptado|aceptada|aceptamos|acepto|confirmado|confirmada|confirmamos|` +
	`geaccepteerd|accepteren|bevestigd|bevestigen|akkoord|accettato|accettiamo|confermato|confermiamo)`

const acceptCore = `(?:(?:yes|ok|okay|oui|ja|sí|sure)[\s,!:\-]+)?` +
	`(?:(?:(?:the|this|your)\s+)?(?:order|po|purchase order|bestellung|commande|pedido|bestelling|ordine)(?:\s*[#\-]?\s*[a-z]{0,4}-?[0-9][a-z0-9\-]*)?\s+)?` +
	`(?:(?:we|i|wir|nous|wij|je)\s+)?` + phraseAccept +
	`(?:\s+(?:(?:the|this|your|die|la|le|el|de|het)\s+)?(?:order|po|purchase order|bestellung|commande|pedido|orden|bestelling|ordine))?` +
	`(?:\s*[#\-]?\s*[a-z]{0,4}-?[0-9][a-z0-9\-]*)?`

var (
	// leadIn is a greeting or thanks that may open a sentence.
	leadIn          = regexp.MustCompile(`(?i)^(?:hi|hello|hey|dear|good (?:morning|afternoon|evening|day)|greetings|bonjour|bonsoir|salut|hallo|guten (?:morgen|tag|abend)|liebe[rs]?|sehr geehrte[rs]?|hola|buenos (?:días|dias|tardes)|estimad[oa]s?|beste|geachte|goedemorgen|goedemiddag|ciao|buongiorno|gentile|thanks|thank you|many thanks|thx|merci|danke|gracias|bedankt|grazie)(?:\s*[,!:]\s*|\s+[^,!:]{0,60}?(?:[,!:]\s*|$)|$)`)
	acceptFirst     = regexp.MustCompile(`(?i)^` + acceptCore + `(?:\s*[,:\-–—)]|\s*$)`)
	acceptWhole     = regexp.MustCompile(`(?i)^` + acceptCore + `(?:[\s,:\-–—]+(?:thanks|thank you|many thanks|thx|merci|danke|gracias|bedankt|grazie|obrigado))?\s*$`)
	acceptWillShip  = regexp.MustCompile(`(?i)^(?:(?:ok|okay|yes|sure)[\s,!:\-]+)?(?:we(?:'ll|\s+will|\s+shall)|will)\s+ship(?:$|[^\p{L}])`)
	rejectStatement = regexp.MustCompile(`(?i)^(?:(?:sorry(?: but)?|unfortunately|regrettably|sadly|i'?m afraid|i am afraid|(?:we(?:'re| are)|i'?m|i am) sorry(?: but)?|leider|malheureusement|désolée?s?|desolée?|desafortunadamente|lamentablemente|lo siento|helaas|purtroppo)[\s,!:\-]+)?` +
		`(?:(?:but|we|i|must|have to|need to|are|we're|i'm|am|it|it's|is|this|they|they're|the|item|items|all|product|products|order|po|currently|wir|müssen|nous|devons|sommes|nosotros|debemos|estamos|wij|moeten|zijn|es|ist|il|est|está|están)\s+){0,4}` +
		`(reject|rejected|rejecting|decline|declined|declining|cannot fulfill?|can't fulfill?|can not fulfill?|unable to fulfill?|not able to fulfill?|out of stock|sold out|` +
		`abgelehnt|ablehnen|ausverkauft|nicht (?:auf lager|vorrätig|lieferbar)|refusé|refusée|refusons|rejeté|rejetée|rejetons|en rupture de stock|rupture de stock|` +
		`rechazado|rechazada|rechazamos|agotado|agotada|sin stock|fuera de stock|afgewezen|geweigerd|uitverkocht|niet (?:op voorraad|leverbaar)|rifiutato|rifiutata|esaurito|esaurita)` +
		`((?:[^\p{L}\p{N}].*)?)$`)
	// stockPhrase marks reject keywords that are themselves the reason.
	stockPhrase  = regexp.MustCompile(`(?i)stock|sold out|ausverkauft|lager|vorrätig|lieferbar|agotad|uitverkocht|voorraad|leverbaar|esaurit`)
	reasonObject = regexp.MustCompile(`(?i)^(?:(?:(?:the|this|your)\s+)?(?:order|po|purchase order)(?:\s*#?\s*[a-z]{0,4}-?[0-9][a-z0-9\-]*)?|#?[a-z]{0,4}-?[0-9][a-z0-9\-]*)(?:\s*[,:\-–—.]\s*|\s+|$)`)
	reasonLink   = regexp.MustCompile(`(?i)^(?:as|because|since|due to|for)\s+`)
	shipped      = regexp.MustCompile(`(?i)^(?:(?:good news|great news)[\s,!:\-]+)?(?:(?:(?:the|your)\s+)?(?:order|po|parcel|package|shipment|it|items?|goods)\s+)?(?:(?:we|has|have|was|were|is|are|been|just|all|now)\s+){0,3}(?:shipped|dispatched|sent out|versendet|verschickt|versandt|expédiée?s?|enviad[oa]s?|verzonden|verstuurd|spedit[oa])(?:$|[^\p{L}])`)
	qualifier    = regexp.MustCompile(`(?i)(?:^|[^\p{L}])(?:but|however|except|unless|if|provided|once|only|partial|partially|as soon as|aber|jedoch|außer|nur|wenn|sobald|mais|sauf|seulement|pero|excepto|solo|sólo|cuando|maar|behalve|alleen|zodra|tenzij|tranne)(?:$|[^\p{L}])`)
	caveatStart  = regexp.MustCompile(`(?i)^(?:but|however|except|only|although|unfortunately|aber|jedoch|nur|leider|mais|cependant|sauf|malheureusement|pero|sin embargo|excepto|solo|desafortunadamente|maar|echter|behalve|alleen|helaas|purtroppo)(?:$|[^\p{L}])`)
	rejectWord   = regexp.MustCompile(`(?i)(?:^|[^\p{L}])(reject|rejected|rejecting|decline|declined|out of stock|sold out|cannot fulfill?|can't fulfill?|unable to fulfill?|not able to fulfill?|discontinued|backorder|backordered|back order|back-order|no longer available|unavailable|abgelehnt|ausverkauft|nicht lieferbar|nicht vorrätig|refusé|refusée|rupture de stock|rechazado|rechazada|agotado|agotada|sin stock|afgewezen|uitverkocht|niet leverbaar|niet op voorraad|rifiutato|esaurito)(?:$|[^\p{L}])`)
	acceptWord   = regexp.MustCompile(`(?i)(?:^|[^\p{L}])(accept|accepted|accepting|confirmed|akzeptiert|angenommen|bestätigt|accepté|acceptée|confirmé|confirmée|aceptado|aceptada|aceptamos|confirmado|confirmada|geaccepteerd|akkoord|bevestigd|accettato|confermato)(?:$|[^\p{L}])`)
	poAbbrev     = regexp.MustCompile(`(?i)\bp\.\s?o\.`)
)

// maxAnalysed bounds how much new text the rules read; a real reply is a
// few lines, and tracking lists a few kilobytes.
const maxAnalysed = 256 << 10

type sentence struct {
	full     string // as written (normalised quotes and spaces)
	text     string // with a leading greeting or thanks removed
	question bool
}

// signals is what the rules found in the new text.
type signals struct {
	accept, reject, shipped      bool
	reason                       string // for reject
	negation                     string // the negated words
	qualified                    string // a sentence that qualifies an accept or shipment
	rejectMention, acceptMention string // words found outside statements
}

// analyse sets Intent, Reason, Tracking and Unclear from r.Text.
func analyse(r *Reply) {
	text := r.Text
	var notes []string
	if len(text) > maxAnalysed {
		text = text[:maxAnalysed]
		for !utf8.ValidString(text) {
			text = text[:len(text)-1]
		}
		notes = append(notes, "the new text is longer than 256 KiB; only its start was read")
	}

	tracking, bad := findTracking(text)
	r.Tracking = tracking
	s := readSignals(text)
	var unclear []string
	r.Intent, r.Reason, unclear = decide(s, tracking, bad)
	if r.Intent == IntentUnclear || r.Intent == IntentNone {
		r.Unclear = append(unclear, notes...)
	}
	if strings.TrimSpace(r.Text) == "" && len(r.Attachments) > 0 {
		r.Unclear = append(r.Unclear, fmt.Sprintf("the reply has no new text, only %d attachment(s)", len(r.Attachments)))
	}
}

func decide(s signals, tracking []Tracking, bad []string) (Intent, string, []string) {
	var why []string
	for _, b := range bad {
		why = append(why, fmt.Sprintf("%q looks like a tracking number but its check digit is wrong", b))
	}
	if len(why) > 0 {
		return IntentUnclear, "", why
	}
	if s.negation != "" {
		if s.reject && !s.accept && len(tracking) == 0 {
			return IntentReject, s.reason, nil
		}
		return IntentUnclear, "", []string{fmt.Sprintf("negation %q", s.negation)}
	}
	if s.reject && s.accept {
		return IntentUnclear, "", []string{"the reply both accepts and rejects"}
	}
	if s.reject && len(tracking) > 0 {
		return IntentUnclear, "", []string{"the reply rejects but also gives tracking numbers"}
	}
	if s.reject {
		if s.acceptMention != "" {
			return IntentUnclear, "", []string{fmt.Sprintf("the reply rejects but also says %q", s.acceptMention)}
		}
		return IntentReject, s.reason, nil
	}
	if len(tracking) > 0 || s.accept {
		if s.rejectMention != "" {
			return IntentUnclear, "", []string{fmt.Sprintf("the reply also says %q", s.rejectMention)}
		}
		if s.qualified != "" {
			return IntentUnclear, "", []string{fmt.Sprintf("the acceptance is qualified: %q", s.qualified)}
		}
		if len(tracking) > 0 {
			return IntentShip, "", nil
		}
		return IntentAccept, "", nil
	}
	if s.shipped {
		return IntentUnclear, "", []string{"the reply says the order shipped but has no valid tracking number"}
	}
	if s.rejectMention != "" {
		return IntentUnclear, "", []string{fmt.Sprintf("the reply says %q but not as a clear rejection", s.rejectMention)}
	}
	if s.acceptMention != "" {
		return IntentUnclear, "", []string{fmt.Sprintf("the reply says %q but not as a clear acceptance", s.acceptMention)}
	}
	return IntentNone, "", []string{"no acceptance, rejection or tracking number found"}
}

func readSignals(text string) signals {
	var s signals
	sentences := splitSentences(text)
	first := true
	for i, sent := range sentences {
		if n := findNegation(sent.full); n != "" && s.negation == "" {
			s.negation = n
		}
		if m := rejectWord.FindStringSubmatch(sent.full); m != nil && s.rejectMention == "" {
			s.rejectMention = m[1]
		}
		if m := acceptWord.FindStringSubmatch(sent.full); m != nil && s.acceptMention == "" {
			s.acceptMention = m[1]
		}
		if sent.text == "" {
			continue
		}
		isFirst := first
		first = false
		if sent.question {
			continue
		}
		if !s.accept && (isFirst && acceptFirst.MatchString(sent.text) ||
			acceptWhole.MatchString(sent.text) || acceptWillShip.MatchString(sent.text)) {
			s.accept = true
			if qualifier.MatchString(sent.text) {
				s.qualified = sent.text
			}
			continue
		}
		if s.qualified == "" && caveatStart.MatchString(sent.text) {
			s.qualified = sent.text
		}
		if shipped.MatchString(sent.text) {
			s.shipped = true
			if s.qualified == "" && qualifier.MatchString(sent.text) {
				s.qualified = sent.text
			}
		}
		if !s.reject {
			if m := rejectStatement.FindStringSubmatchIndex(sent.text); m != nil {
				s.reject = true
				s.reason = rejectReason(sent.text, m, sentences[i+1:])
			}
		}
	}
	// A reject statement's own words are not a "mention" against it.
	if s.reject {
		s.rejectMention = ""
	}
	// An accept statement's own word is not a mention either.
	if s.accept {
		s.acceptMention = ""
	}
	return s
}

// rejectReason derives Reason from a reject statement match: m holds the
// keyword (group 1) and what follows it (group 2).
func rejectReason(text string, m []int, following []sentence) string {
	phrase := text[m[2]:m[3]]
	rest := strings.Trim(text[m[4]:m[5]], " \t:,-–—.!")
	rest = reasonObject.ReplaceAllString(rest, "")
	rest = reasonLink.ReplaceAllString(rest, "")
	rest = strings.Trim(rest, " \t:,-–—.!")
	switch {
	case stockPhrase.MatchString(phrase) && rest != "":
		return phrase + " " + rest
	case rest != "":
		return rest
	}
	for _, f := range following {
		if f.text != "" && !f.question && !isClosing(f.text) {
			return strings.Trim(f.text, " \t:,-–—.!")
		}
	}
	if stockPhrase.MatchString(phrase) || strings.Contains(strings.ToLower(phrase), "fulfil") {
		return phrase
	}
	return ""
}

// isClosing reports a sign-off line that says nothing about the order.
func isClosing(s string) bool {
	l := strings.ToLower(strings.Trim(s, " ,.!"))
	for _, c := range []string{"thanks", "thank you", "regards", "best", "cheers", "kind regards",
		"best regards", "many thanks", "merci", "cordialement", "danke", "grüße", "gruss", "gruß",
		"mit freundlichen grüßen", "saludos", "gracias", "groeten", "met vriendelijke groet"} {
		if l == c || strings.HasPrefix(l, c+" ") || strings.HasPrefix(l, c+",") {
			return true
		}
	}
	return false
}

// splitSentences cuts text at line breaks and at . ! ? ; followed by white
// space or the end, then removes a leading greeting or thanks.
func splitSentences(text string) []sentence {
	var out []sentence
	for _, line := range joinWrapped(strings.Split(text, "\n")) {
		line = normalizeForMatch(line)
		start := 0
		for i := 0; i < len(line); i++ {
			c := line[i]
			if c != '.' && c != '!' && c != '?' && c != ';' {
				continue
			}
			// Take a run of terminators ("?!", "...") together.
			j := i
			question := false
			for j < len(line) && strings.IndexByte(".!?;", line[j]) >= 0 {
				question = question || line[j] == '?'
				j++
			}
			if j < len(line) && line[j] != ' ' && line[j] != '\t' {
				i = j - 1
				continue
			}
			out = append(out, newSentence(line[start:i], question))
			start = j
			i = j - 1
		}
		if rest := line[start:]; strings.TrimSpace(rest) != "" {
			out = append(out, newSentence(rest, false))
		}
	}
	return out
}

// joinWrapped rejoins a paragraph that a client hard-wrapped: a line of 60
// or more characters not ending a sentence continues on the next non-empty
// line. Short lines ("Accepted", "Best,") always stand alone.
func joinWrapped(lines []string) []string {
	wrapped := func(l string) bool {
		l = strings.TrimSpace(l)
		return len(l) >= 60 && !strings.ContainsAny(l[len(l)-1:], ".!?;:")
	}
	var out []string
	for i := 0; i < len(lines); i++ {
		if !wrapped(lines[i]) || i+1 == len(lines) || strings.TrimSpace(lines[i+1]) == "" {
			out = append(out, lines[i])
			continue
		}
		var b strings.Builder
		b.WriteString(strings.TrimSpace(lines[i]))
		for wrapped(lines[i]) && i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != "" {
			i++
			b.WriteString(" " + strings.TrimSpace(lines[i]))
		}
		out = append(out, b.String())
	}
	return out
}

func newSentence(s string, question bool) sentence {
	full := strings.TrimSpace(s)
	s = full
	for range 2 { // "Hi Anna, thanks for the order, accepted"
		if loc := leadIn.FindStringIndex(s); loc != nil {
			s = strings.TrimSpace(s[loc[1]:])
		}
	}
	return sentence{full: full, text: s, question: question}
}

// normalizeForMatch replaces typographic quotes and spaces with ASCII ones
// and "P.O." with "PO", keeping everything else (and its case) as written.
func normalizeForMatch(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			s = strings.NewReplacer("\u2019", "'", "\u2018", "'", "\u201c", `"`, "\u201d", `"`,
				"\u00a0", " ", "\u2009", " ", "\u202f", " ").Replace(s)
			break
		}
	}
	if strings.Contains(s, ".") {
		s = poAbbrev.ReplaceAllString(s, "PO")
	}
	return s
}

// findNegation returns the words of a negated accept, confirm or ship in
// the sentence, or "".
func findNegation(s string) string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
	for i, w := range words {
		w = strings.Trim(w, "'")
		if strings.HasPrefix(w, "n'") && isNegatable(w[2:]) {
			return w
		}
		if !isNegator(words, i) {
			continue
		}
		for j := i + 1; j < len(words) && j <= i+4; j++ {
			if isNegatable(words[j]) {
				return strings.Join(words[i:j+1], " ")
			}
		}
		if trailingNegator(w) {
			for j := i - 1; j >= 0 && j >= i-4; j-- {
				if isNegatable(words[j]) {
					return strings.Join(words[j:i+1], " ")
				}
			}
		}
	}
	return ""
}

func isNegator(words []string, i int) bool {
	w := strings.Trim(words[i], "'")
	if strings.HasSuffix(w, "n't") || trailingNegator(w) {
		return true
	}
	switch w {
	case "not", "cannot", "cant", "dont", "wont", "never", "unable", "refuse", "refuses",
		"kein", "keine", "keinen", "niemals", "geen", "nooit", "nunca", "jamais", "impossible":
		return true
	case "no":
		// "No problem, we will ship" is not a negation.
		if i+1 < len(words) {
			switch words[i+1] {
			case "problem", "problems", "problemo", "worries", "issue", "issues", "doubt", "problema":
				return false
			}
		}
		return true
	}
	return false
}

// trailingNegator reports negators that may follow their verb.
func trailingNegator(w string) bool {
	return w == "nicht" || w == "niet" || w == "pas" || w == "non"
}

// isNegatable reports accept, confirm and ship words, in the languages the
// rules know.
func isNegatable(w string) bool {
	for _, p := range []string{"accept", "confirm", "ship", "akzept", "bestätig", "annehm", "angenommen",
		"liefer", "versend", "versand", "verschick", "acept", "expédi", "expedi", "envoy", "enviar",
		"enviamos", "enviaremos", "enviado", "bevestig", "verzend", "verstuur", "accett", "conferm", "spedi"} {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}
