package mail_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"github.com/consign/consign/app/mail"
)

var testDate = time.Date(2026, 3, 4, 15, 4, 5, 0, time.FixedZone("CET", 3600))

func poMessage() *mail.Message {
	return &mail.Message{
		From:       "Consign für Händler <orders@consign.example>",
		ReplyTo:    "po-123+k3y@replies.consign.example",
		To:         []string{"Acme Supplies <sales@acme.example>", "backup@acme.example"},
		Subject:    "Bestellung PO-123 – 3 Artikel",
		MessageID:  "po-123.abc@consign.example",
		InReplyTo:  "prev-1@consign.example",
		References: []string{"root@consign.example", "<prev-1@consign.example>"},
		Text:       "Hello Acme,\nplease ship PO-123.\n" + strings.Repeat("long line ", 20) + "\nÜbergröße = ok\n",
		HTML:       "<p>Hello Acme,</p><p>please ship <b>PO-123</b>. Prix: 12 €</p>",
		Attachments: []mail.Attachment{
			{Filename: "PO-123.csv", ContentType: "text/csv; charset=utf-8", Data: []byte("sku,qty\nA-1,2\n")},
			{Filename: "Bestellübersicht 123.pdf", ContentType: "application/pdf", Data: bytes.Repeat([]byte{0, 1, 2, 0xff}, 100)},
		},
		Headers: map[string]string{"X-Consign-PO": "PO-123", "X-Consign-Shop": "Rōnin Goods"},
		Date:    testDate,
	}
}

type parsedPart struct {
	contentType string
	params      map[string]string
	encoding    string
	filename    string
	body        []byte
}

// readMessage parses raw with go-message and returns its header and leaf
// parts in order.
func readMessage(t *testing.T, raw []byte) (gomail.Header, []parsedPart) {
	t.Helper()
	r, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse message: %v\n%s", err, raw)
	}
	var parts []parsedPart
	for {
		p, err := r.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		body, err := io.ReadAll(p.Body)
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		pp := parsedPart{body: body}
		switch h := p.Header.(type) {
		case *gomail.InlineHeader:
			pp.contentType, pp.params, _ = h.ContentType()
			pp.encoding = h.Get("Content-Transfer-Encoding")
		case *gomail.AttachmentHeader:
			pp.contentType, pp.params, _ = h.ContentType()
			pp.encoding = h.Get("Content-Transfer-Encoding")
			pp.filename, err = h.Filename()
			if err != nil {
				t.Fatalf("filename: %v", err)
			}
		}
		parts = append(parts, pp)
	}
	return r.Header, parts
}

func TestMessageBytesRoundTrip(t *testing.T) {
	m := poMessage()
	raw, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, raw)

	h, parts := readMessage(t, raw)
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Consign für Händler" || from[0].Address != "orders@consign.example" {
		t.Errorf("From = %v, %v", from, err)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 2 || to[0].Name != "Acme Supplies" || to[0].Address != "sales@acme.example" || to[1].Address != "backup@acme.example" {
		t.Errorf("To = %v, %v", to, err)
	}
	replyTo, _ := h.AddressList("Reply-To")
	if len(replyTo) != 1 || replyTo[0].Address != "po-123+k3y@replies.consign.example" {
		t.Errorf("Reply-To = %v", replyTo)
	}
	if s, _ := h.Subject(); s != m.Subject {
		t.Errorf("Subject = %q, want %q", s, m.Subject)
	}
	if !strings.Contains(h.Get("Subject"), "=?utf-8?") {
		t.Errorf("raw Subject %q is not RFC 2047 encoded", h.Get("Subject"))
	}
	if id, _ := h.MessageID(); id != "po-123.abc@consign.example" {
		t.Errorf("Message-ID = %q", id)
	}
	if got := h.Get("Message-Id"); got != "<po-123.abc@consign.example>" {
		t.Errorf("raw Message-ID = %q", got)
	}
	if ids, _ := h.MsgIDList("In-Reply-To"); len(ids) != 1 || ids[0] != "prev-1@consign.example" {
		t.Errorf("In-Reply-To = %v", ids)
	}
	if ids, _ := h.MsgIDList("References"); len(ids) != 2 || ids[0] != "root@consign.example" || ids[1] != "prev-1@consign.example" {
		t.Errorf("References = %v", ids)
	}
	if d, err := h.Date(); err != nil || !d.Equal(testDate) {
		t.Errorf("Date = %v, %v", d, err)
	}
	if got := h.Get("X-Consign-PO"); got != "PO-123" {
		t.Errorf("X-Consign-PO = %q", got)
	}
	if got, _ := h.Text("X-Consign-Shop"); got != "Rōnin Goods" {
		t.Errorf("X-Consign-Shop = %q", got)
	}
	if got := h.Get("MIME-Version"); got != "1.0" {
		t.Errorf("MIME-Version = %q", got)
	}
	if ct, _, _ := h.ContentType(); ct != "multipart/mixed" {
		t.Errorf("top Content-Type = %q", ct)
	}
	if !bytes.Contains(raw, []byte("Content-Type: multipart/alternative;")) {
		t.Error("no multipart/alternative part")
	}

	if len(parts) != 4 {
		t.Fatalf("got %d parts, want 4", len(parts))
	}
	wantText := strings.ReplaceAll(m.Text, "\n", "\r\n")
	checkPart(t, parts[0], "text/plain", "quoted-printable", "", wantText)
	if parts[0].params["charset"] != "utf-8" {
		t.Errorf("text charset = %q", parts[0].params["charset"])
	}
	checkPart(t, parts[1], "text/html", "quoted-printable", "", m.HTML)
	checkPart(t, parts[2], "text/csv", "base64", "PO-123.csv", string(m.Attachments[0].Data))
	checkPart(t, parts[3], "application/pdf", "base64", "Bestellübersicht 123.pdf", string(m.Attachments[1].Data))
	if !bytes.Contains(raw, []byte("filename*=utf-8''Bestell%C3%BCbersicht%20123.pdf")) {
		t.Errorf("non-ASCII filename is not RFC 2231 encoded:\n%s", raw)
	}
}

func checkPart(t *testing.T, p parsedPart, ctype, encoding, filename, body string) {
	t.Helper()
	if p.contentType != ctype || !strings.EqualFold(p.encoding, encoding) || p.filename != filename {
		t.Errorf("part = %s %s %q, want %s %s %q", p.contentType, p.encoding, p.filename, ctype, encoding, filename)
	}
	if string(p.body) != body {
		t.Errorf("%s body = %q, want %q", ctype, p.body, body)
	}
}

// checkLines asserts CRLF line endings and RFC 5322's line length limits:
// never more than 998 bytes, and more than 78 only for a line holding a
// single word that cannot be folded (such as one 75-byte RFC 2047 word
// after "Subject:").
func checkLines(t *testing.T, raw []byte) {
	t.Helper()
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Error("bare LF in output")
	}
	for i, line := range bytes.Split(raw, []byte("\r\n")) {
		words := strings.Fields(string(line))
		if len(words) > 0 && strings.HasSuffix(words[0], ":") {
			words = words[1:] // a header name
		}
		if len(line) > 998 || (len(line) > 78 && len(words) > 1) {
			t.Errorf("line %d is %d bytes: %q", i+1, len(line), line)
		}
	}
}

func TestMessageBytesShapes(t *testing.T) {
	base := func() *mail.Message {
		return &mail.Message{From: "a@consign.example", To: []string{"b@acme.example"}, Subject: "PO-1", MessageID: "po-1@consign.example", Date: testDate}
	}
	tests := []struct {
		name  string
		edit  func(*mail.Message)
		top   string
		parts []string
	}{
		{"text only", func(m *mail.Message) { m.Text = "hi" }, "text/plain", []string{"text/plain"}},
		{"html only", func(m *mail.Message) { m.HTML = "<p>hi</p>" }, "text/html", []string{"text/html"}},
		{"empty body", func(*mail.Message) {}, "text/plain", []string{"text/plain"}},
		{"text and html", func(m *mail.Message) { m.Text, m.HTML = "hi", "<p>hi</p>" }, "multipart/alternative", []string{"text/plain", "text/html"}},
		{"text and attachment", func(m *mail.Message) {
			m.Text = "hi"
			m.Attachments = []mail.Attachment{{Filename: "a.bin", Data: []byte{1}}}
		}, "multipart/mixed", []string{"text/plain", "application/octet-stream"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base()
			tt.edit(m)
			raw, err := m.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			checkLines(t, raw)
			h, parts := readMessage(t, raw)
			if ct, _, _ := h.ContentType(); ct != tt.top {
				t.Errorf("top Content-Type = %q, want %q", ct, tt.top)
			}
			var got []string
			for _, p := range parts {
				got = append(got, p.contentType)
			}
			if strings.Join(got, ",") != strings.Join(tt.parts, ",") {
				t.Errorf("parts = %v, want %v", got, tt.parts)
			}
		})
	}
}

func TestMessageBytesLongSubjectFolds(t *testing.T) {
	m := poMessage()
	m.Subject = strings.Repeat("Purchase order with a very long descriptive subject ", 6) + "ünïcödé"
	raw, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, raw)
	h, _ := readMessage(t, raw)
	if s, _ := h.Subject(); s != strings.TrimSpace(m.Subject) {
		t.Errorf("Subject = %q", s)
	}
}

func TestMessageBytesHeaderInjection(t *testing.T) {
	// Each edit tries to smuggle a Bcc header in. Either Bytes refuses, or
	// the output's header has exactly the expected fields.
	tests := []struct {
		name    string
		edit    func(*mail.Message)
		refused bool
	}{
		{"subject CRLF", func(m *mail.Message) { m.Subject = "PO-1\r\nBcc: evil@x.example" }, false},
		{"subject LF", func(m *mail.Message) { m.Subject = "PO-1\nBcc: evil@x.example" }, false},
		{"subject bare CR", func(m *mail.Message) { m.Subject = "PO-1\rBcc: evil@x.example" }, false},
		{"subject unicode line separator", func(m *mail.Message) { m.Subject = "PO-1\u2028Bcc: evil@x.example" }, false},
		{"extra header value", func(m *mail.Message) { m.Headers = map[string]string{"X-Consign-PO": "1\r\nBcc: evil@x.example"} }, false},
		{"extra header name with colon", func(m *mail.Message) { m.Headers = map[string]string{"X-A: b\r\nBcc": "evil@x.example"} }, true},
		{"extra header name Bcc", func(m *mail.Message) { m.Headers = map[string]string{"bcc": "evil@x.example"} }, true},
		{"extra header overriding Content-Type", func(m *mail.Message) { m.Headers = map[string]string{"Content-Type": "text/html"} }, true},
		{"from CRLF", func(m *mail.Message) { m.From = "a@consign.example\r\nBcc: evil@x.example" }, true},
		{"from display name CRLF", func(m *mail.Message) { m.From = "\"Consign\r\n Bcc: evil@x.example\" <a@consign.example>" }, true},
		{"to CRLF", func(m *mail.Message) { m.To = []string{"b@acme.example\r\nBcc: evil@x.example"} }, true},
		{"reply-to LF", func(m *mail.Message) { m.ReplyTo = "r@consign.example\nBcc: evil@x.example" }, true},
		{"message id CRLF", func(m *mail.Message) { m.MessageID = "po-1@consign.example>\r\nBcc: <evil@x.example" }, true},
		{"in-reply-to CRLF", func(m *mail.Message) { m.InReplyTo = "x@y\r\nBcc: evil@x.example" }, true},
		{"references LF", func(m *mail.Message) { m.References = []string{"x@y\nBcc: evil@x.example"} }, true},
		{"attachment filename CRLF", func(m *mail.Message) {
			m.Attachments = []mail.Attachment{{Filename: "a.csv\r\nBcc: evil@x.example", Data: []byte("x")}}
		}, false},
		{"attachment content type CRLF", func(m *mail.Message) {
			m.Attachments = []mail.Attachment{{Filename: "a.csv", ContentType: "text/csv\r\nBcc: evil@x.example", Data: []byte("x")}}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &mail.Message{From: "a@consign.example", To: []string{"b@acme.example"}, Subject: "PO-1", MessageID: "po-1@consign.example", Date: testDate, Text: "hi"}
			tt.edit(m)
			raw, err := m.Bytes()
			if tt.refused {
				if err == nil {
					t.Fatalf("Bytes accepted it:\n%s", raw)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkLines(t, raw)
			h, parts := readMessage(t, raw)
			if h.Has("Bcc") {
				t.Fatalf("Bcc header injected:\n%s", raw)
			}
			for f := h.Fields(); f.Next(); {
				switch f.Key() {
				case "From", "To", "Subject", "Date", "Message-Id", "Mime-Version", "Content-Type", "Content-Transfer-Encoding", "X-Consign-Po":
				default:
					t.Errorf("unexpected header %q:\n%s", f.Key(), raw)
				}
			}
			for _, p := range parts {
				if strings.ContainsAny(p.filename, "\r\n") {
					t.Errorf("filename kept a line break: %q", p.filename)
				}
			}
			if s, _ := h.Subject(); strings.ContainsAny(s, "\r\n\u2028") {
				t.Errorf("Subject kept a line break: %q", s)
			}
		})
	}
}

func TestMessageBytesRequiredFields(t *testing.T) {
	tests := []struct {
		name string
		edit func(*mail.Message)
	}{
		{"no from", func(m *mail.Message) { m.From = "" }},
		{"bad from", func(m *mail.Message) { m.From = "not an address" }},
		{"no to", func(m *mail.Message) { m.To = nil }},
		{"no date", func(m *mail.Message) { m.Date = time.Time{} }},
		{"no message id", func(m *mail.Message) { m.MessageID = "" }},
		{"message id with space", func(m *mail.Message) { m.MessageID = "po 1@consign.example" }},
		{"bad attachment type", func(m *mail.Message) { m.Attachments = []mail.Attachment{{ContentType: "/"}} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := poMessage()
			tt.edit(m)
			if _, err := m.Bytes(); err == nil {
				t.Error("Bytes accepted it")
			}
		})
	}
}
