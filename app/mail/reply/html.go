package reply

import (
	"html"
	"strings"
)

// htmlToText turns an HTML mail body into plain text: tags are dropped,
// entities decoded, and <br>, <p>, <div>, <li>, <tr> and other blocks start
// new lines. Script, style and head are dropped always. With dropQuotes it
// also drops what mail clients put around quoted history: <blockquote>,
// Gmail's gmail_quote, Yahoo's yahoo_quoted, Thunderbird's moz-cite-prefix,
// signature blocks, and everything from Outlook's divRplyFwdMsg or
// appendonsend marker to the end.
//
// It is a single forward scan, linear in the input, and never fails: this
// is not a general HTML parser, only enough of one for mail bodies.
func htmlToText(s string, dropQuotes bool) string {
	var b textWriter
	var skip string   // name of the element whose subtree is being skipped
	var skipDepth int // nesting of skip inside itself
	pre := 0          // depth of <pre>, where white space is kept

	for i := 0; i < len(s); {
		if s[i] != '<' {
			j := strings.IndexByte(s[i:], '<')
			if j < 0 {
				j = len(s) - i
			}
			if skip == "" {
				writeHTMLText(&b, s[i:i+j], pre > 0)
			}
			i += j
			continue
		}
		if strings.HasPrefix(s[i:], "<!--") {
			end := strings.Index(s[i+4:], "-->")
			if end < 0 {
				break
			}
			i += 4 + end + 3
			continue
		}
		if i+1 >= len(s) || !isTagStart(s[i+1]) {
			// A lone "<" in text.
			if skip == "" {
				b.text("<")
			}
			i++
			continue
		}
		end := tagEnd(s, i+1)
		if end < 0 {
			break // an unterminated tag: the rest is not text
		}
		t := parseTag(s[i+1 : end])
		i = end + 1

		if !t.closing && (t.name == "script" || t.name == "style") {
			// Raw text: no tags inside, whatever it looks like.
			close := indexFold(s[i:], "</"+t.name)
			if close < 0 {
				break
			}
			i += close
			continue
		}

		if skip != "" {
			switch {
			case t.name == skip && t.closing:
				skipDepth--
				if skipDepth == 0 {
					skip = ""
					b.block()
				}
			case t.name == skip && !t.selfClosing && !isVoid(t.name):
				skipDepth++
			}
			continue
		}

		if dropQuotes && !t.closing && (strings.HasSuffix(t.id, "divRplyFwdMsg") || strings.HasSuffix(t.id, "appendonsend")) {
			break
		}
		if !t.closing && !t.selfClosing && !isVoid(t.name) &&
			(isAlwaysSkipped(t.name) || dropQuotes && t.isQuote()) {
			skip, skipDepth = t.name, 1
			continue
		}

		switch {
		case t.name == "br":
			b.newline()
		case t.name == "hr":
			b.block()
		case t.name == "pre":
			b.block()
			if t.closing {
				pre = max(pre-1, 0)
			} else if !t.selfClosing {
				pre++
			}
		case t.name == "td" || t.name == "th":
			if !t.closing {
				b.space()
			}
		case isBlock(t.name):
			b.block()
		}
	}
	return tidyLines(b.String())
}

// textWriter builds the text, turning block boundaries into line breaks the
// way a browser does: adjacent boundaries make one break, <br> always one,
// and white space between inline runs collapses to one space.
type textWriter struct {
	strings.Builder
	atLineStart bool
	afterSpace  bool
}

func (w *textWriter) newline() {
	w.WriteByte('\n')
	w.atLineStart, w.afterSpace = true, false
}

func (w *textWriter) block() {
	if w.Len() > 0 && !w.atLineStart {
		w.newline()
	}
}

func (w *textWriter) space() { w.text(" ") }

// text writes collapsed text, dropping a space that would double another.
func (w *textWriter) text(s string) {
	if w.atLineStart || w.afterSpace {
		s = strings.TrimLeft(s, " ")
	}
	if s == "" {
		return
	}
	w.WriteString(s)
	w.atLineStart, w.afterSpace = false, strings.HasSuffix(s, " ")
}

// raw writes preformatted text as it is.
func (w *textWriter) raw(s string) {
	if s == "" {
		return
	}
	w.WriteString(s)
	w.atLineStart, w.afterSpace = strings.HasSuffix(s, "\n"), false
}

// indexFold is strings.Index for an ASCII needle, ignoring case.
func indexFold(s, needle string) int {
	for i := 0; i+len(needle) <= len(s); i++ {
		j := strings.IndexByte(s[i:], '<')
		if j < 0 {
			return -1
		}
		i += j
		if i+len(needle) <= len(s) && strings.EqualFold(s[i:i+len(needle)], needle) {
			return i
		}
	}
	return -1
}

func isTagStart(c byte) bool {
	return c == '/' || c == '!' || c == '?' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// tagEnd returns the index of the ">" closing the tag that starts at i,
// skipping quoted attribute values, or -1.
func tagEnd(s string, i int) int {
	var quote byte
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i
		}
	}
	return -1
}

type tag struct {
	name        string // lower case
	closing     bool
	selfClosing bool
	class       string // lower case
	id          string
	typ         string // the type attribute, lower case
}

// isQuote reports whether the element wraps quoted history or a signature
// in one of the common mail clients.
func (t tag) isQuote() bool {
	if t.name == "blockquote" {
		return true
	}
	for _, c := range strings.Fields(t.class) {
		switch c {
		case "gmail_quote", "gmail_quote_container", "gmail_extra", "gmail_signature",
			"yahoo_quoted", "moz-cite-prefix", "moz-signature", "protonmail_quote",
			"zmail_extra", "outlookmessageheader":
			return true
		}
	}
	return false
}

// parseTag reads the inside of <...>: name, and the few attributes that
// matter here.
func parseTag(s string) tag {
	var t tag
	if strings.HasPrefix(s, "/") {
		t.closing = true
		s = s[1:]
	}
	if strings.HasSuffix(s, "/") {
		t.selfClosing = true
		s = s[:len(s)-1]
	}
	n := 0
	for n < len(s) && s[n] != ' ' && s[n] != '\t' && s[n] != '\n' && s[n] != '\r' && s[n] != '/' {
		n++
	}
	t.name = strings.ToLower(s[:n])
	s = s[n:]
	for len(s) > 0 {
		s = strings.TrimLeft(s, " \t\r\n/")
		k := 0
		for k < len(s) && s[k] != '=' && s[k] != ' ' && s[k] != '\t' && s[k] != '\r' && s[k] != '\n' {
			k++
		}
		key := strings.ToLower(s[:k])
		s = strings.TrimLeft(s[k:], " \t\r\n")
		if !strings.HasPrefix(s, "=") {
			if k == 0 && len(s) > 0 {
				s = s[1:] // junk such as a stray quote
			}
			continue
		}
		s = strings.TrimLeft(s[1:], " \t\r\n")
		var val string
		if len(s) > 0 && (s[0] == '"' || s[0] == '\'') {
			end := strings.IndexByte(s[1:], s[0])
			if end < 0 {
				val, s = s[1:], ""
			} else {
				val, s = s[1:1+end], s[2+end:]
			}
		} else {
			v := 0
			for v < len(s) && s[v] != ' ' && s[v] != '\t' && s[v] != '\r' && s[v] != '\n' {
				v++
			}
			val, s = s[:v], s[v:]
		}
		switch key {
		case "class":
			t.class = strings.ToLower(html.UnescapeString(val))
		case "id":
			t.id = html.UnescapeString(val)
		case "type":
			t.typ = strings.ToLower(val)
		}
	}
	return t
}

// writeHTMLText writes a run of text: entities decoded, and outside <pre>
// white space collapsed as a browser would.
func writeHTMLText(w *textWriter, s string, pre bool) {
	s = html.UnescapeString(s)
	s = strings.ReplaceAll(s, "\u00a0", " ")
	if pre {
		w.raw(normalizeNewlines(s))
		return
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
	w.text(b.String())
}

// tidyLines trims each line and keeps at most one blank line in a row.
func tidyLines(s string) string {
	var out []string
	blank := true // drop leading blank lines
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			if !blank {
				out = append(out, "")
			}
			blank = true
			continue
		}
		out = append(out, line)
		blank = false
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// isVoid reports elements that never have content or a closing tag.
func isVoid(name string) bool {
	switch name {
	case "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
		"source", "track", "wbr":
		return true
	}
	return false
}

// isAlwaysSkipped reports elements that hold no readable text.
func isAlwaysSkipped(name string) bool {
	switch name {
	case "head", "script", "style", "title", "template", "noscript", "svg", "xml":
		return true
	}
	return false
}

func isBlock(name string) bool {
	switch name {
	case "address", "article", "aside", "blockquote", "caption", "center", "dd", "div",
		"dl", "dt", "fieldset", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
		"h6", "header", "li", "main", "nav", "ol", "p", "section", "table", "tbody",
		"tfoot", "thead", "tr", "ul":
		return true
	}
	return false
}
