package reply

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/textproto"
	"golang.org/x/text/encoding/charmap"
)

const (
	// maxDepth bounds the nesting of multiparts: real mail rarely goes
	// past four levels, and recursion must not follow a crafted message.
	maxDepth = 16
	// maxParts bounds how many parts are read at all.
	maxParts = 1000
)

// walker collects the text and the attachments of a MIME tree.
type walker struct {
	plain       []string
	html        []string
	attachments []Attachment
	parts       int
	// budget is how many more bytes multipart parts may copy out, so that
	// nested parts cannot multiply a message's size in memory.
	budget int64
}

// entity reads one MIME entity with header h and raw (still encoded) body.
func (w *walker) entity(h textproto.Header, body []byte, depth int) {
	w.parts++
	mediaType, params := contentType(h)
	if strings.HasPrefix(mediaType, "multipart/") {
		if boundary := params["boundary"]; boundary != "" && depth < maxDepth {
			w.multipart(body, boundary, depth)
			return
		}
		// Without a usable boundary the body is best read as text.
		mediaType = "text/plain"
	}

	disposition, dparams := contentDisposition(h)
	filename := decodeHeader(dparams["filename"])
	if filename == "" {
		filename = decodeHeader(params["name"])
	}
	data := decodeTransfer(h.Get("Content-Transfer-Encoding"), body)

	isText := mediaType == "text/plain" || mediaType == "text/html"
	if !isText || disposition == "attachment" || filename != "" {
		w.attachments = append(w.attachments, Attachment{Filename: filename, ContentType: mediaType, Data: data})
		return
	}
	text := decodeCharset(params["charset"], data)
	if mediaType == "text/plain" && strings.EqualFold(params["format"], "flowed") {
		text = unflow(text, strings.EqualFold(params["delsp"], "yes"))
	}
	if mediaType == "text/html" {
		w.html = append(w.html, text)
	} else {
		w.plain = append(w.plain, text)
	}
}

func (w *walker) multipart(body []byte, boundary string, depth int) {
	mr := textproto.NewMultipartReader(bytes.NewReader(body), boundary)
	for w.parts < maxParts {
		p, err := mr.NextPart()
		if err != nil {
			// io.EOF, or a damaged multipart: keep what was read.
			return
		}
		data, err := io.ReadAll(io.LimitReader(p, w.budget+1))
		if int64(len(data)) > w.budget {
			return
		}
		w.budget -= int64(len(data))
		w.entity(p.Header, data, depth+1)
		if err != nil {
			return
		}
	}
}

// contentType returns the lower-case media type and its parameters,
// defaulting to text/plain as RFC 2045 says. A header that does not parse
// keeps the part before the first semicolon.
func contentType(h textproto.Header) (string, map[string]string) {
	v := h.Get("Content-Type")
	if strings.TrimSpace(v) == "" {
		return "text/plain", map[string]string{}
	}
	mt, params, err := mime.ParseMediaType(v)
	if err != nil {
		return lenientMediaType(v)
	}
	return mt, params
}

// mediaParam finds a parameter in a header value that mime.ParseMediaType
// refuses, such as an unquoted boundary containing "=" (boundary=----=_Part_1).
var mediaParam = regexp.MustCompile(`(?i)(?:^|;)\s*([a-z0-9_\-*]+)\s*=\s*(?:"([^"]*)"|([^;\s]*))`)

// lenientMediaType keeps the media type before the first semicolon and the
// parameters that can still be read.
func lenientMediaType(v string) (string, map[string]string) {
	mt, rest, _ := strings.Cut(v, ";")
	params := map[string]string{}
	for _, m := range mediaParam.FindAllStringSubmatch(";"+rest, 20) {
		key := strings.ToLower(m[1])
		if _, dup := params[key]; !dup {
			params[key] = m[2] + m[3]
		}
	}
	return strings.ToLower(strings.TrimSpace(mt)), params
}

func contentDisposition(h textproto.Header) (string, map[string]string) {
	v := h.Get("Content-Disposition")
	if strings.TrimSpace(v) == "" {
		return "", map[string]string{}
	}
	d, params, err := mime.ParseMediaType(v)
	if err != nil {
		return lenientMediaType(v)
	}
	return d, params
}

// unflow joins the soft line breaks of RFC 3676 format=flowed text: a line
// ending in a space continues on the next. Quoted lines and the signature
// separator are left alone.
func unflow(text string, delSp bool) string {
	lines := strings.Split(normalizeNewlines(text), "\n")
	var b strings.Builder
	for i, l := range lines {
		soft := strings.HasSuffix(l, " ") && l != "-- " && !strings.HasPrefix(l, ">") &&
			i+1 < len(lines) && !strings.HasPrefix(lines[i+1], ">")
		if soft && delSp {
			l = l[:len(l)-1]
		}
		b.WriteString(l)
		if !soft && i+1 < len(lines) {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// decodeTransfer undoes a Content-Transfer-Encoding leniently: damaged
// base64 yields what decodes, unknown encodings are returned as they are.
func decodeTransfer(encoding string, body []byte) []byte {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "base64":
		return decodeBase64(body)
	case "quoted-printable":
		return decodeQuotedPrintable(body)
	default:
		return body
	}
}

func decodeBase64(body []byte) []byte {
	clean := make([]byte, 0, len(body))
	for _, c := range body {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			clean = append(clean, c)
		}
	}
	// Padding is dropped above and decoding done unpadded, so missing or
	// excess "=" do not matter.
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, err := base64.RawStdEncoding.Decode(out, clean)
	if err != nil && len(clean)%4 == 1 {
		// A stray trailing character: decode the rest.
		n, _ = base64.RawStdEncoding.Decode(out, clean[:len(clean)-1])
	}
	return out[:n]
}

// decodeQuotedPrintable decodes RFC 2045 quoted-printable, keeping a "="
// that is not followed by two hex digits, as mail in the wild has them.
func decodeQuotedPrintable(body []byte) []byte {
	out := make([]byte, 0, len(body))
	for len(body) > 0 {
		line, rest, newline := bytes.Cut(body, []byte("\n"))
		crlf := bytes.HasSuffix(line, []byte("\r"))
		// Trailing white space is transport padding (RFC 2045 6.7).
		line = bytes.TrimRight(line, " \t\r")
		soft := bytes.HasSuffix(line, []byte("="))
		if soft {
			line = line[:len(line)-1]
		}
		for i := 0; i < len(line); i++ {
			c := line[i]
			if c == '=' && i+2 < len(line) && isHex(line[i+1]) && isHex(line[i+2]) {
				out = append(out, unhex(line[i+1])<<4|unhex(line[i+2]))
				i += 2
				continue
			}
			out = append(out, c)
		}
		if newline && !soft {
			if crlf {
				out = append(out, '\r')
			}
			out = append(out, '\n')
		}
		body = rest
	}
	return out
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// decodeCharset converts text in the named charset to UTF-8. Mislabelled
// text is common: bytes that are not valid in the declared (or default)
// UTF-8 are read as Windows-1252, which is what such mail almost always is.
func decodeCharset(label string, data []byte) string {
	label = strings.ToLower(strings.TrimSpace(label))
	switch label {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		if utf8.Valid(data) {
			return string(data)
		}
		return windows1252(data)
	}
	r, err := charsetReader(label, bytes.NewReader(data))
	if err == nil {
		if out, err := io.ReadAll(r); err == nil {
			return strings.ToValidUTF8(string(out), "\uFFFD")
		}
	}
	if utf8.Valid(data) {
		return string(data)
	}
	return windows1252(data)
}

func windows1252(data []byte) string {
	out, err := charmap.Windows1252.NewDecoder().Bytes(data)
	if err != nil {
		return strings.ToValidUTF8(string(data), "\uFFFD")
	}
	return string(out)
}

// charsetReader is go-message's charset table, except that ISO-8859-1 and
// US-ASCII labels are read as Windows-1252 (its superset, as browsers do):
// mail labelled Latin-1 often carries Windows quotes and euro signs.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "iso-8859-1", "iso8859-1", "latin1", "l1", "us-ascii", "cp819", "iso_8859-1":
		return charmap.Windows1252.NewDecoder().Reader(input), nil
	}
	return charset.Reader(label, input)
}

func wordDecoder() *mime.WordDecoder {
	return &mime.WordDecoder{CharsetReader: charsetReader}
}

// decodeHeader decodes RFC 2047 encoded words; raw 8-bit header bytes that
// are not UTF-8 are read as Windows-1252.
func decodeHeader(v string) string {
	if v == "" {
		return ""
	}
	if !utf8.ValidString(v) {
		v = windows1252([]byte(v))
	}
	if dec, err := wordDecoder().DecodeHeader(v); err == nil {
		v = dec
	}
	return strings.ToValidUTF8(strings.TrimSpace(v), "\uFFFD")
}
