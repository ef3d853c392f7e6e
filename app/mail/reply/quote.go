package reply

import (
	"regexp"
	"strings"
)

// The quote rules below are deliberately conservative: each marker is one
// that mail clients write themselves, in a form a person rarely types.
var (
	// attribution matches "On <date>, <name> wrote:" and its usual forms in
	// French, German, Spanish, Dutch, Italian, Portuguese and Scandinavian
	// clients. It is tried on one line and on two joined lines, because
	// clients wrap long attributions.
	attribution = regexp.MustCompile(`(?i)^(on|le|am|el|op|il|em|den|på)\b.{0,300}\b(wrote|a écrit|a ecrit|schrieb|escribió|escribio|schreef|ha scritto|escreveu|skrev)\b.{0,300}:$`)
	// attributionPrefix is what a wrapped attribution's first line starts with.
	attributionPrefix = regexp.MustCompile(`(?i)^(on|le|am|el|op|il|em|den|på)\b`)
	// bareAttribution is "Jane Doe <jane@x> wrote:", accepted only when
	// quoted lines follow.
	bareAttribution = regexp.MustCompile(`(?i)^.{1,200}\b(wrote|a écrit|schrieb|escribió|schreef):$`)
	originalMessage = regexp.MustCompile(`(?i)^-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original|oorspronkelijk bericht|messaggio originale|mensagem original|forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado|doorgestuurd bericht)\s*-{2,}$`)
	underscores     = regexp.MustCompile(`^_{10,}$`)
	forwarded       = regexp.MustCompile(`(?i)^(begin forwarded message|anfang der weitergeleiteten nachricht|début du message réexpédié|inicio del mensaje reenviado|begin doorgestuurd bericht)\s*:$`)
	// The first, date and subject lines of an Outlook header block such as
	// "From: … / Sent: … / To: … / Subject: …", possibly in bold (*From:*).
	headerFrom    = regexp.MustCompile(`(?i)^\*?(from|von|de|van|da|från|fra)\s?:\*?\s`)
	headerDate    = regexp.MustCompile(`(?i)^\*?(sent|date|gesendet|datum|envoyé|enviado|fecha|verzonden|verstuurd|inviato|data|skickat|sendt)\s?:\*?\s`)
	headerSubject = regexp.MustCompile(`(?i)^\*?(subject|to|betreff|an|objet|à|asunto|para|onderwerp|aan|oggetto|a|ämne|emne)\s?:\*?`)
	// mobileFooter is a whole line that mobile and webmail clients append.
	mobileFooter = regexp.MustCompile(`(?i)^(sent from my\b|sent from (outlook|mail|yahoo|samsung|gmail|proton)|sent via\b|get outlook for\b|envoyé de mon\b|envoyé depuis\b|von meinem .{1,40} gesendet|gesendet von meinem\b|enviado desde mi\b|enviado desde\b|verzonden vanaf mijn\b|verstuurd vanaf mijn\b|inviato da\b).{0,80}$`)
)

// stripQuoted returns the new text of a reply:
//
//   - lines beginning with ">" are dropped, wherever they are;
//   - an attribution line ("On <date>, <name> wrote:", also wrapped over two
//     lines, and its French/German/Spanish/Dutch/Italian/Portuguese forms)
//     is dropped; if quoted ">" lines follow it, text after them is kept
//     (bottom posting), otherwise everything from it on is dropped;
//   - everything from "-----Original Message-----" (and translations),
//     "---------- Forwarded message ---------", a line of ten or more
//     underscores, "Begin forwarded message:", or an Outlook header block
//     (From:, then Sent:/Date: and To:/Subject: within six lines) is dropped;
//   - everything from a signature separator "-- " is dropped;
//   - whole-line mobile footers ("Sent from my iPhone") are dropped.
func stripQuoted(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(strings.ReplaceAll(l, "\u00a0", " "), " \t\r")
	}

	hb := headerBlocks{lines: lines}
	var out []string
scan:
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		switch {
		case strings.HasPrefix(line, ">"):
			continue
		case lines[i] == "--" || lines[i] == "-- ":
			break scan
		case isHistoryStart(&hb, i):
			break scan
		case len(line) <= 120 && mobileFooter.MatchString(line):
			continue
		}
		if n := attributionLines(lines, i); n > 0 {
			next := nextNonBlank(lines, i+n)
			if next < 0 || !strings.HasPrefix(strings.TrimSpace(lines[next]), ">") {
				break scan
			}
			i += n - 1
			continue
		}
		out = append(out, line)
	}
	return tidyLines(strings.Join(out, "\n"))
}

// isHistoryStart reports a separator or header block after which all is
// quoted history. Cheap checks on the first and last byte keep the regular
// expressions off ordinary lines.
func isHistoryStart(hb *headerBlocks, i int) bool {
	line := strings.TrimSpace(hb.lines[i])
	switch {
	case line == "":
		return false
	case line[0] == '-':
		return originalMessage.MatchString(line)
	case line[0] == '_':
		return underscores.MatchString(line)
	case line[len(line)-1] == ':' && forwarded.MatchString(line):
		return true
	}
	return hb.startsAt(i)
}

// attributionLines reports how many lines (1 or 2) starting at i form an
// attribution, or 0.
func attributionLines(lines []string, i int) int {
	line := strings.TrimSpace(lines[i])
	if line == "" {
		return 0
	}
	// Every attribution ends with a colon; checking that first keeps the
	// regular expressions off ordinary lines.
	if strings.HasSuffix(line, ":") && attribution.MatchString(line) {
		return 1
	}
	if strings.HasSuffix(line, ":") && bareAttribution.MatchString(line) {
		if next := nextNonBlank(lines, i+1); next >= 0 && strings.HasPrefix(strings.TrimSpace(lines[next]), ">") {
			return 1
		}
	}
	if i+1 < len(lines) && strings.HasSuffix(lines[i+1], ":") && attributionPrefix.MatchString(line) {
		if attribution.MatchString(line + " " + strings.TrimSpace(lines[i+1])) {
			return 2
		}
	}
	return 0
}

// headerBlocks finds Outlook-style quoted headers: a From: line with
// Sent:/Date: and To:/Subject: lines within the next six. It remembers how
// each line classifies, so a text of many From: lines stays linear.
type headerBlocks struct {
	lines []string
	kinds []uint8 // per line: 0 unknown, else 1 + bitmask of the kinds below
}

const (
	kindFrom = 1 << iota
	kindDate
	kindSubject
)

func (hb *headerBlocks) kind(i int) uint8 {
	if hb.kinds == nil {
		hb.kinds = make([]uint8, len(hb.lines))
	}
	if hb.kinds[i] == 0 {
		var k uint8
		line := strings.TrimSpace(hb.lines[i])
		if strings.Contains(line[:min(len(line), 16)], ":") {
			if headerFrom.MatchString(line) {
				k |= kindFrom
			}
			if headerDate.MatchString(line) {
				k |= kindDate
			}
			if headerSubject.MatchString(line) {
				k |= kindSubject
			}
		}
		hb.kinds[i] = 1 + k
	}
	return hb.kinds[i] - 1
}

func (hb *headerBlocks) startsAt(i int) bool {
	if hb.kind(i)&kindFrom == 0 {
		return false
	}
	var seen uint8
	for j := i + 1; j < len(hb.lines) && j <= i+6; j++ {
		seen |= hb.kind(j)
	}
	return seen&kindDate != 0 && seen&kindSubject != 0
}

func nextNonBlank(lines []string, i int) int {
	for ; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "" {
			return i
		}
	}
	return -1
}
