// Package mail composes outbound mail and moves it over SMTP.
//
// Message builds the RFC 5322 bytes of one purchase order mail, Sender hands
// them to the relay named by SMTP_URL, and Listener receives the suppliers'
// replies for Consign's own domain. The package knows nothing about orders,
// databases or jobs: callers wire those in.
package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
	"time"
)

// Attachment is a file sent with a Message.
type Attachment struct {
	Filename    string
	ContentType string // defaults to application/octet-stream
	Data        []byte
}

// Message is one outbound mail. Addresses may carry display names
// ("Acme Supplies <orders@acme.example>").
type Message struct {
	From    string
	ReplyTo string
	To      []string
	Subject string
	// MessageID is given without angle brackets. Callers pass a stable id per
	// purchase order (e.g. "po-123.abc@consign.example") so a resend is the
	// same message and replies can be matched by In-Reply-To.
	MessageID  string
	InReplyTo  string
	References []string
	Text, HTML string
	// Attachments follow the text in a multipart/mixed body.
	Attachments []Attachment
	// Headers are extra header fields such as X-Consign-PO. They cannot
	// replace the fields the Message sets itself.
	Headers map[string]string
	// Date is required: the caller owns the clock.
	Date time.Time
}

// reservedHeader reports whether a canonical header name is set by Bytes from
// the Message fields, or would change who receives the mail; Headers may not
// name it.
func reservedHeader(canon string) bool {
	switch canon {
	case "Bcc", "Cc", "Content-Disposition", "Content-Transfer-Encoding", "Content-Type",
		"Date", "From", "In-Reply-To", "Message-Id", "Mime-Version", "Received",
		"References", "Reply-To", "Return-Path", "Sender", "Subject", "To":
		return true
	}
	return false
}

type field struct{ key, value string }

// Bytes renders the message as RFC 5322 / MIME with CRLF line endings.
//
// Structured values (addresses, message ids, header names) containing CR or
// LF are rejected; unstructured text (Subject, extra header values) has its
// line breaks and control characters replaced by spaces, so no value can
// start a header of its own. Text and HTML go out as UTF-8 quoted-printable,
// attachments as base64. Levels of the MIME tree that would hold a single part
// are collapsed: a text-only mail is a single text/plain entity, text plus HTML
// is multipart/alternative, and attachments wrap that in multipart/mixed.
func (m *Message) Bytes() ([]byte, error) {
	fields, err := m.header()
	if err != nil {
		return nil, err
	}
	body, err := m.body()
	if err != nil {
		return nil, err
	}
	fields = append(fields, body.header...)

	var buf bytes.Buffer
	if err := writeHeader(&buf, fields); err != nil {
		return nil, err
	}
	buf.Write(body.data)
	return buf.Bytes(), nil
}

// writeHeader writes fields and the blank line that ends a header, folding
// at spaces so lines stay within 76 characters where the words allow it.
// Folding inserts CRLF before an existing space, so unfolding restores the
// value exactly.
func writeHeader(buf *bytes.Buffer, fields []field) error {
	for _, f := range fields {
		// Every value was validated or cleaned already; this is the last
		// guard against a line break starting a header of its own.
		if strings.ContainsAny(f.key, "\r\n: ") || strings.ContainsAny(f.value, "\r\n") {
			return fmt.Errorf("mail: header %q contains a line break", f.key)
		}
		line := f.key + ":"
		for i, word := range strings.Split(f.value, " ") {
			if i > 0 && len(line)+1+len(word) > 76 && strings.TrimSpace(line) != "" {
				buf.WriteString(line)
				buf.WriteString("\r\n")
				line = ""
			}
			line += " " + word
		}
		buf.WriteString(line)
		buf.WriteString("\r\n")
	}
	buf.WriteString("\r\n")
	return nil
}

func (m *Message) header() ([]field, error) {
	from, err := formatAddresses("From", m.From)
	if err != nil {
		return nil, err
	}
	if len(m.To) == 0 {
		return nil, errors.New("mail: message has no To address")
	}
	to, err := formatAddresses("To", m.To...)
	if err != nil {
		return nil, err
	}
	if m.Date.IsZero() {
		return nil, errors.New("mail: message has no Date")
	}
	id, err := msgID("Message-ID", m.MessageID)
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, errors.New("mail: message has no Message-ID")
	}

	fields := []field{
		{"From", from},
		{"To", to},
	}
	if m.ReplyTo != "" {
		replyTo, err := formatAddresses("Reply-To", m.ReplyTo)
		if err != nil {
			return nil, err
		}
		fields = append(fields, field{"Reply-To", replyTo})
	}
	fields = append(fields,
		field{"Subject", encodeText(m.Subject)},
		field{"Date", m.Date.Format(time.RFC1123Z)},
		field{"Message-ID", id},
	)
	if m.InReplyTo != "" {
		v, err := msgID("In-Reply-To", m.InReplyTo)
		if err != nil {
			return nil, err
		}
		fields = append(fields, field{"In-Reply-To", v})
	}
	if len(m.References) > 0 {
		refs := make([]string, 0, len(m.References))
		for _, r := range m.References {
			v, err := msgID("References", r)
			if err != nil {
				return nil, err
			}
			if v != "" {
				refs = append(refs, v)
			}
		}
		if len(refs) > 0 {
			fields = append(fields, field{"References", strings.Join(refs, " ")})
		}
	}

	extra, err := m.extraHeaders()
	if err != nil {
		return nil, err
	}
	fields = append(fields, extra...)
	return append(fields, field{"MIME-Version", "1.0"}), nil
}

// extraHeaders validates Headers and returns them sorted, so that the same
// Message always renders the same header.
func (m *Message) extraHeaders() ([]field, error) {
	keys := make([]string, 0, len(m.Headers))
	for k := range m.Headers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	fields := make([]field, 0, len(keys))
	for _, k := range keys {
		if !validFieldName(k) {
			return nil, fmt.Errorf("mail: invalid header name %q", k)
		}
		canon := textproto.CanonicalMIMEHeaderKey(k)
		if reservedHeader(canon) {
			return nil, fmt.Errorf("mail: header %q is set from the Message fields and cannot be given in Headers", k)
		}
		fields = append(fields, field{k, encodeText(m.Headers[k])})
	}
	return fields, nil
}

// validFieldName reports whether k is an RFC 5322 field name: printable
// ASCII without spaces or colons.
func validFieldName(k string) bool {
	if k == "" || len(k) > 76 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; c < '!' || c > '~' || c == ':' {
			return false
		}
	}
	return true
}

// formatAddresses parses each value as an address list and renders them
// again, which encodes non-ASCII display names (RFC 2047) and quotes the
// rest. CR and LF are refused before parsing because net/mail would read them
// as folding white space.
func formatAddresses(key string, values ...string) (string, error) {
	var out []string
	for _, v := range values {
		if strings.ContainsAny(v, "\r\n") {
			return "", fmt.Errorf("mail: %s address contains a line break", key)
		}
		list, err := mail.ParseAddressList(v)
		if err != nil {
			return "", fmt.Errorf("mail: %s address %q: %w", key, v, err)
		}
		for _, a := range list {
			out = append(out, a.String())
		}
	}
	if len(out) == 0 {
		return "", fmt.Errorf("mail: %s address is empty", key)
	}
	return strings.Join(out, ", "), nil
}

// msgID validates a message id given without angle brackets (brackets are
// tolerated and removed) and returns it in brackets, or "" for an empty id.
func msgID(key, id string) (string, error) {
	id = strings.TrimSpace(id)
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	if id == "" {
		return "", nil
	}
	if len(id) > 250 {
		return "", fmt.Errorf("mail: %s is longer than 250 bytes", key)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c > '~' || c == '<' || c == '>' {
			return "", fmt.Errorf("mail: %s %q contains a character not allowed in a message id", key, id)
		}
	}
	return "<" + id + ">", nil
}

// cleanText turns any run of white space or control characters into a single
// space, so unstructured text fits on one header line whatever it contained.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 {
			return ' '
		}
		return r
	}, s)
	words := strings.Fields(s)
	for i, w := range words {
		// A header line may not exceed 998 bytes and a word cannot be
		// folded, so a pathological unbroken word is cut.
		if len(w) > maxWord {
			words[i] = strings.ToValidUTF8(w[:maxWord], "")
		}
	}
	return strings.Join(words, " ")
}

// maxWord keeps any single word, once RFC 2047-encoded into several words or
// left as is, inside the 998-byte line limit.
const maxWord = 900

// encodeText cleans unstructured header text and RFC 2047-encodes it when it
// is not plain ASCII.
func encodeText(s string) string {
	return mime.QEncoding.Encode("utf-8", cleanText(s))
}

// entity is a rendered MIME entity: its own header fields and encoded body.
type entity struct {
	header []field
	data   []byte
}

func (m *Message) body() (entity, error) {
	var alternatives []entity
	if m.Text != "" || m.HTML == "" {
		alternatives = append(alternatives, textEntity("text/plain", m.Text))
	}
	if m.HTML != "" {
		alternatives = append(alternatives, textEntity("text/html", m.HTML))
	}
	content := alternatives[0]
	if len(alternatives) > 1 {
		var err error
		if content, err = multipartEntity("alternative", alternatives); err != nil {
			return entity{}, err
		}
	}
	if len(m.Attachments) == 0 {
		return content, nil
	}

	parts := []entity{content}
	for i, a := range m.Attachments {
		e, err := attachmentEntity(a)
		if err != nil {
			return entity{}, fmt.Errorf("mail: attachment %d: %w", i+1, err)
		}
		parts = append(parts, e)
	}
	return multipartEntity("mixed", parts)
}

func textEntity(mediaType, text string) entity {
	// Normalise line endings so the quoted-printable writer emits CRLF for
	// every line break, whatever the template used.
	text = strings.ToValidUTF8(text, "\uFFFD")
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")

	var buf bytes.Buffer
	qp := quotedprintable.NewWriter(&buf)
	qp.Write([]byte(text)) // writes to a bytes.Buffer cannot fail
	qp.Close()
	return entity{
		header: []field{
			{"Content-Type", mime.FormatMediaType(mediaType, map[string]string{"charset": "utf-8"})},
			{"Content-Transfer-Encoding", "quoted-printable"},
		},
		data: buf.Bytes(),
	}
}

func attachmentEntity(a Attachment) (entity, error) {
	ctype := "application/octet-stream"
	if a.ContentType != "" {
		mt, params, err := mime.ParseMediaType(a.ContentType)
		if err != nil {
			return entity{}, fmt.Errorf("content type %q: %w", a.ContentType, err)
		}
		// Re-format what was parsed, so nothing but a media type and its
		// parameters reaches the header.
		delete(params, "name")
		ctype = mime.FormatMediaType(mt, params)
		if ctype == "" {
			return entity{}, fmt.Errorf("content type %q cannot be formatted", a.ContentType)
		}
	}
	name := attachmentName(a.Filename)
	disposition := "attachment"
	if name != "" {
		// FormatMediaType switches to RFC 2231 (filename*=utf-8''...) for any
		// value that is not plain printable ASCII.
		ctype = appendParam(ctype, "name", name)
		disposition = mime.FormatMediaType("attachment", map[string]string{"filename": name})
	}

	var buf bytes.Buffer
	enc := base64.StdEncoding.EncodeToString(a.Data)
	for len(enc) > 76 {
		buf.WriteString(enc[:76])
		buf.WriteString("\r\n")
		enc = enc[76:]
	}
	buf.WriteString(enc)
	buf.WriteString("\r\n")
	return entity{
		header: []field{
			{"Content-Type", ctype},
			{"Content-Disposition", disposition},
			{"Content-Transfer-Encoding", "base64"},
		},
		data: buf.Bytes(),
	}, nil
}

// attachmentName keeps a filename's characters but drops control characters
// and invalid UTF-8, which have no business in a file name.
func attachmentName(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	// RFC 2231 encoding may triple the length; keep the header line inside
	// the 998-byte limit.
	if len(name) > 255 {
		name = strings.ToValidUTF8(name[:255], "")
	}
	return name
}

// appendParam adds one parameter to an already formatted media type.
func appendParam(mediaType, key, value string) string {
	mt, params, err := mime.ParseMediaType(mediaType)
	if err != nil {
		return mediaType
	}
	params[key] = value
	return mime.FormatMediaType(mt, params)
}

func multipartEntity(subtype string, parts []entity) (entity, error) {
	var b [18]byte
	if _, err := rand.Read(b[:]); err != nil {
		return entity{}, fmt.Errorf("mail: boundary: %w", err)
	}
	// Base64 and quoted-printable bodies never contain "=_" followed by
	// this, so the boundary cannot occur inside a part.
	boundary := "=_" + hex.EncodeToString(b[:])

	var buf bytes.Buffer
	for _, p := range parts {
		buf.WriteString("--" + boundary + "\r\n")
		if err := writeHeader(&buf, p.header); err != nil {
			return entity{}, err
		}
		buf.Write(p.data)
		// The CRLF before a boundary belongs to the boundary, so this one
		// keeps a body's own final line break.
		buf.WriteString("\r\n")
	}
	buf.WriteString("--" + boundary + "--\r\n")
	return entity{
		header: []field{{"Content-Type", mime.FormatMediaType("multipart/"+subtype, map[string]string{"boundary": boundary})}},
		data:   buf.Bytes(),
	}, nil
}
