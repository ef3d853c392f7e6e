// Package email is the email channel: each PO is mailed to the supplier's
// order desk, with the PO as a CSV attachment and a reply address of its
// own, and the supplier answers by replying (accept, reject with a reason,
// tracking numbers, a tracking file attached). Replies arrive at Consign's
// SMTP listener, are matched to their PO by the token in the address they
// were sent to (never by who they claim to be from), stored whole, and
// become the purchasing actions the supplier portal takes.
package email

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/app/mail"
	"github.com/consign/consign/models"
)

// TopicReply is the event topic of a supplier's email reply.
const TopicReply = "reply"

// ContentType of the stored messages: each is a whole RFC 5322 mail.
const ContentType = "message/rfc822"

// Sender hands a raw message to the mail relay (mail.Sender).
type Sender interface {
	Send(ctx context.Context, from string, to []string, raw []byte) error
}

// Links makes the signed, expiring URL that opens one PO in the supplier
// portal without an account.
type Links interface {
	POLink(ctx context.Context, poID int64) (string, error)
}

// Edge mails POs and reads the replies.
type Edge struct {
	Sender Sender
	// From is the From address, e.g. "Consign <orders@consign.example>".
	From string
	// ReplyDomain is where reply addresses live, e.g.
	// "replies.consign.example": the listener's domain.
	ReplyDomain string
	// Key signs reply addresses and Message-IDs.
	Key   []byte
	Links Links // nil: mails carry no portal link
	Now   func() time.Time
}

// Render builds the mail of kind "po" (the PO itself) or "cancel" (its
// withdrawal, a reply in the same thread).
func (e *Edge) Render(ctx context.Context, tx *gorm.DB, p channels.Partner, po channels.PO, kind string) ([]channels.Outbound, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	to, err := recipient(p)
	if err != nil {
		return nil, err
	}
	v := newView(p, po)
	// Replies to either mail reach the PO.
	v.ReplyTo = e.replyAddress(addrPO, po.ID)
	var m mail.Message
	switch kind {
	case "po":
		if e.Links != nil {
			if v.Link, err = e.Links.POLink(ctx, po.ID); err != nil {
				return nil, fmt.Errorf("portal link of purchase order %s: %w", po.Number, err)
			}
		}
		m, err = e.poMessage(v, po)
	case "cancel":
		v.Cancelled = true
		m, err = e.cancelMessage(v, po)
	default:
		return nil, fmt.Errorf("the email channel has no %q message", kind)
	}
	if err != nil {
		return nil, err
	}
	m.From, m.To, m.ReplyTo, m.Date = e.From, []string{to.String()}, v.ReplyTo, e.now()
	m.Headers = map[string]string{"X-Consign-PO": po.Number}
	raw, err := m.Bytes()
	if err != nil {
		return nil, fmt.Errorf("compose the %s mail of purchase order %s: %w", kind, po.Number, err)
	}
	return []channels.Outbound{{Kind: kind, Name: m.Subject, ContentType: ContentType, Body: raw, MessageID: m.MessageID}}, nil
}

// subject is the PO mail's subject, which the cancellation answers.
func subject(p channels.Partner, po channels.PO) string {
	s := fmt.Sprintf("Purchase order %s from %s", po.Number, p.Retailer.Name)
	if po.OrderName != "" {
		s += fmt.Sprintf(" (order %s)", po.OrderName)
	}
	return s
}

func (e *Edge) poMessage(v view, po channels.PO) (mail.Message, error) {
	html, err := v.html()
	if err != nil {
		return mail.Message{}, err
	}
	file, err := poCSV(v)
	if err != nil {
		return mail.Message{}, fmt.Errorf("write %s: %w", v.FileName, err)
	}
	return mail.Message{
		Subject:     v.Subject,
		MessageID:   e.messageID("po", po.ID),
		Text:        v.text(),
		HTML:        html,
		Attachments: []mail.Attachment{{Filename: v.FileName, ContentType: "text/csv; charset=utf-8", Data: file}},
	}, nil
}

// cancelMessage answers the PO mail in its thread, so the supplier reads
// the withdrawal beside the order.
func (e *Edge) cancelMessage(v view, po channels.PO) (mail.Message, error) {
	html, err := v.html()
	if err != nil {
		return mail.Message{}, err
	}
	original := e.messageID("po", po.ID)
	return mail.Message{
		Subject:    "Re: " + v.Subject + " - CANCELLED",
		MessageID:  e.messageID("cancel", po.ID),
		InReplyTo:  original,
		References: []string{original},
		Text:       v.text(),
		HTML:       html,
	}, nil
}

// Send hands a stored mail to the relay. A 5xx answer is permanent; any
// other failure is returned for the core to retry with backoff.
func (e *Edge) Send(ctx context.Context, p channels.Partner, m models.OutboundMessage) error {
	if e.Sender == nil {
		return errors.New("the email channel has no mail sender")
	}
	from, err := e.envelopeFrom()
	if err != nil {
		return err
	}
	// The recipient is derived again rather than read from the stored To
	// header: the stored mail is sent as it was rendered, to where the
	// partnership says now.
	to, err := recipient(p)
	if err != nil {
		return channels.Permanent(err)
	}
	if err := e.Sender.Send(ctx, from, []string{to.Address}, m.Body); err != nil {
		err = fmt.Errorf("send %q to %s: %w", m.Name, to.Address, err)
		var refused *mail.PermanentError
		if errors.As(err, &refused) {
			return channels.Permanent(err)
		}
		return err
	}
	return nil
}

// Test mails the supplier's order desk, now, a test saying who it is for,
// with a reply address so a reply can be tried (it changes nothing).
func (e *Edge) Test(ctx context.Context, tx *gorm.DB, p channels.Partner) (string, error) {
	if err := e.check(); err != nil {
		return "", err
	}
	if e.Sender == nil {
		return "", errors.New("the email channel has no mail sender")
	}
	from, err := e.envelopeFrom()
	if err != nil {
		return "", err
	}
	to, err := recipient(p)
	if err != nil {
		return "", err
	}
	var nonce [8]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return "", fmt.Errorf("test email id: %w", err)
	}
	replyTo := e.replyAddress(addrTest, p.ID)
	m := mail.Message{
		From: e.From, To: []string{to.String()}, ReplyTo: replyTo,
		Subject:   "Test email from Consign for " + p.Retailer.Name,
		MessageID: fmt.Sprintf("test-%d.%s@%s", p.ID, hex.EncodeToString(nonce[:]), e.domain()),
		Text:      testText(p),
		Headers:   map[string]string{"X-Consign-Test": "yes"},
		Date:      e.now(),
	}
	raw, err := m.Bytes()
	if err != nil {
		return "", fmt.Errorf("compose the test email: %w", err)
	}
	if err := e.Sender.Send(ctx, from, []string{to.Address}, raw); err != nil {
		return "", fmt.Errorf("the test email to %s was not sent: %w", to.Address, err)
	}
	return fmt.Sprintf("test email sent to %s; a reply to it goes to %s", to.Address, replyTo), nil
}

func testText(p channels.Partner) string {
	return fmt.Sprintf(`Hello %s,

This is a test email from Consign, sent for %s. Their purchase orders will
arrive at this address, one email per order, with the order attached as a
CSV file.

You can answer a purchase order by replying to its email: "accept",
"reject: <reason>", the tracking number once shipped, or a CSV of tracking
attached (columns po_number, sku, quantity, carrier, tracking_number).

To try it, reply to this email: Consign will record how it read your
answer. Nothing changes, since this is only a test.
`, p.Supplier.Name, p.Retailer.Name)
}

// recipient is the supplier's order desk: the partnership's address, else
// the supplier's account email, named after the supplier.
func recipient(p channels.Partner) (*netmail.Address, error) {
	raw := strings.TrimSpace(p.Settings.Email.To)
	if raw == "" {
		raw = strings.TrimSpace(p.Supplier.Email)
	}
	if raw == "" {
		return nil, fmt.Errorf("supplier %s has no email address: set the partnership's email.to", p.Supplier.Name)
	}
	a, err := netmail.ParseAddress(raw)
	if err != nil {
		return nil, fmt.Errorf("the email address %q of supplier %s: %w", raw, p.Supplier.Name, err)
	}
	if a.Name == "" {
		a.Name = p.Supplier.Name
	}
	return a, nil
}

// check refuses to write mails whose replies could not be verified.
func (e *Edge) check() error {
	switch {
	case len(e.Key) == 0:
		return errors.New("the email channel has no key for reply addresses")
	case e.domain() == "":
		return errors.New("the email channel has no reply domain (SMTP_DOMAIN)")
	case strings.TrimSpace(e.From) == "":
		return errors.New("the email channel has no From address")
	}
	return nil
}

// envelopeFrom is the From address without its display name.
func (e *Edge) envelopeFrom() (string, error) {
	a, err := netmail.ParseAddress(e.From)
	if err != nil {
		return "", fmt.Errorf("the email channel's From address %q: %w", e.From, err)
	}
	return a.Address, nil
}

func (e *Edge) now() time.Time {
	if e.Now == nil {
		return time.Now()
	}
	return e.Now()
}
