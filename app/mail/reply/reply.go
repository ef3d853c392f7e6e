// Package reply reads a supplier's answer to a purchase order mail: it
// decodes the MIME message, removes the quoted history, and says,
// conservatively, whether the new text accepts, rejects or ships the order.
//
// It never guesses: anything short of a clear instruction comes back as
// IntentNone or IntentUnclear, with the reasons in Reply.Unclear, for a
// person to read. Intent documents the exact rules.
package reply

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// MaxSize is the largest message Parse reads, the same as the listener's
// default limit.
const MaxSize = 25 << 20

// Attachment is a file from the reply, transfer-decoded but otherwise raw.
type Attachment struct {
	Filename    string
	ContentType string
	Data        []byte
}

// Tracking is one shipment tracking number found in the new text.
type Tracking struct {
	Carrier string // "UPS", "USPS", "FedEx", "DHL", or "" for a postal S10 number of another country
	Number  string // upper case, without spaces
}

// Reply is a parsed supplier answer.
type Reply struct {
	From       string   // the From address, without display name
	To         []string // To and Cc addresses
	Subject    string
	MessageID  string // without angle brackets
	InReplyTo  string
	References []string
	// Text is the new text only: quoted history, signature and mobile
	// footers removed. FullText is the decoded text before that.
	Text        string
	FullText    string
	Attachments []Attachment
	Intent      Intent
	Reason      string // why the order was rejected, for IntentReject
	Tracking    []Tracking
	// Unclear says why the reply could not be read as a clear instruction;
	// empty for IntentAccept, IntentReject and IntentShip.
	Unclear []string
}

// Parse reads one raw RFC 5322 message. It fails only for input that is not
// a mail message at all (no header, a malformed or over 1 MiB header) or is
// larger than MaxSize; damaged parts are read as far as they go. Multiparts
// nest at most 16 deep and at most 1000 parts are read.
func Parse(raw []byte) (*Reply, error) {
	if len(raw) > MaxSize {
		return nil, fmt.Errorf("reply: message is %d bytes, more than the %d allowed", len(raw), MaxSize)
	}
	raw = skipMboxLine(raw)
	end := headerEnd(raw)
	if end > maxHeader {
		return nil, fmt.Errorf("reply: header is longer than %d bytes", maxHeader)
	}
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw[:end])))
	if err != nil {
		return nil, fmt.Errorf("reply: read header: %w", err)
	}
	if h.Len() == 0 {
		return nil, errors.New("reply: message has no header")
	}
	body := raw[end:]

	r := &Reply{
		Subject:    decodeHeader(h.Get("Subject")),
		MessageID:  firstID(h.Get("Message-Id")),
		InReplyTo:  firstID(h.Get("In-Reply-To")),
		References: msgIDs(h.Get("References")),
	}
	if from := addresses(h.Get("From")); len(from) > 0 {
		r.From = from[0]
	}
	r.To = append(addresses(h.Get("To")), addresses(h.Get("Cc"))...)

	w := walker{budget: 4 * int64(len(raw))}
	w.entity(h, body, 0)
	r.Attachments = w.attachments

	// Prefer the plain text a client wrote; fall back to its HTML, read
	// twice: in full, and with the quoting elements dropped.
	plain := strings.TrimSpace(strings.Join(w.plain, "\n"))
	if plain != "" || len(w.html) == 0 {
		r.FullText = normalizeNewlines(plain)
		r.Text = stripQuoted(r.FullText)
	} else {
		html := strings.Join(w.html, "\n")
		r.FullText = htmlToText(html, false)
		r.Text = stripQuoted(htmlToText(html, true))
	}

	analyse(r)
	return r, nil
}

// maxHeader bounds the top-level header, as go-message's reader does by
// default; real headers are a few kilobytes.
const maxHeader = 1 << 20

// headerEnd returns the offset just past the blank line that ends the
// header, or len(raw) when there is none.
func headerEnd(raw []byte) int {
	if bytes.HasPrefix(raw, []byte("\r\n")) {
		return 2
	}
	if bytes.HasPrefix(raw, []byte("\n")) {
		return 1
	}
	end := len(raw)
	if i := bytes.Index(raw, []byte("\n\r\n")); i >= 0 {
		end = i + 3
	}
	if i := bytes.Index(raw, []byte("\n\n")); i >= 0 && i+2 < end {
		end = i + 2
	}
	return end
}

// skipMboxLine drops the "From sender date" line that mbox files and some
// tools put before the header.
func skipMboxLine(raw []byte) []byte {
	if !bytes.HasPrefix(raw, []byte("From ")) {
		return raw
	}
	if i := bytes.IndexByte(raw, '\n'); i >= 0 {
		return raw[i+1:]
	}
	return raw
}

func normalizeNewlines(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// addresses returns the bare addresses of an address-list header. When the
// list does not parse (common with hand-made headers), it falls back to
// anything that looks like local@domain.
func addresses(v string) []string {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	parser := mail.AddressParser{WordDecoder: wordDecoder()}
	var out []string
	if list, err := parser.ParseList(v); err == nil {
		for _, a := range list {
			out = append(out, a.Address)
		}
		return out
	}
	for _, f := range strings.FieldsFunc(v, func(r rune) bool {
		return r == ',' || r == ';' || r == '<' || r == '>' || r == ' ' || r == '"' || r == '\t'
	}) {
		if at := strings.IndexByte(f, '@'); at > 0 && at < len(f)-1 {
			out = append(out, f)
		}
	}
	return out
}

// msgIDs extracts the ids of a Message-ID, In-Reply-To or References
// header, without angle brackets. Ids without brackets, which some clients
// write, are taken as whitespace-separated words.
func msgIDs(v string) []string {
	var out []string
	rest := v
	for len(out) < 500 {
		start := strings.IndexByte(rest, '<')
		if start < 0 {
			break
		}
		end := strings.IndexByte(rest[start:], '>')
		if end < 0 {
			break
		}
		if id := strings.TrimSpace(rest[start+1 : start+end]); id != "" {
			out = append(out, id)
		}
		rest = rest[start+end+1:]
	}
	if len(out) == 0 {
		for _, f := range strings.Fields(v) {
			if len(out) == 500 {
				break
			}
			out = append(out, strings.Trim(f, "<>,"))
		}
	}
	return out
}

func firstID(v string) string {
	if ids := msgIDs(v); len(ids) > 0 {
		return ids[0]
	}
	return ""
}
