package email_test

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	netsmtp "net/smtp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/app/channels/email"
	"github.com/consign/consign/app/devkit/channelstest"
	"github.com/consign/consign/app/mail"
	"github.com/consign/consign/models"
)

// supplierDesk is a PO mailed to the supplier, and Consign's SMTP listener
// taking the supplier's replies to it.
type supplierDesk struct {
	*channelstest.World
	t    *testing.T
	edge *email.Edge
	tr   channelstest.Trade
	addr string // the listener's host:port

	// Of the PO mail as the supplier got it.
	replyTo, subject, messageID, text string
}

// listen starts a real mail.Listener wired to an Inbound for w.
func listen(t *testing.T, w *channelstest.World, edge *email.Edge, tr channelstest.Trade) *supplierDesk {
	t.Helper()
	in := &email.Inbound{Edge: edge, Channels: w.Channels, DB: w.DB}
	l := mail.NewListener(mail.ListenerConfig{Domain: replyDomain, Accept: in.Accept, Deliver: in.Deliver,
		ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go l.Serve(ln)
	t.Cleanup(func() { l.Close() })
	s := &supplierDesk{World: w, t: t, edge: edge, tr: tr, addr: ln.Addr().String()}
	out := w.Outbound(tr.Partnership.ID)
	if len(out) > 0 {
		h, parts := parse(t, out[0].Body)
		s.replyTo = address(t, h, "Reply-To")
		s.subject, _ = h.Subject()
		s.messageID = out[0].MessageID
		if p := byType(parts, "text/plain"); p != nil {
			s.text = string(p.body)
		}
	}
	return s
}

// withPO runs fn, on each dialect, with a PO of lines mailed and the
// listener ready for replies.
func withPO(t *testing.T, number string, lines []channelstest.Line, fn func(t *testing.T, s *supplierDesk)) {
	edge := newEdge()
	channelstest.Each(t, models.ChannelEmail, edge, func(t *testing.T, w *channelstest.World) {
		tr := w.Trade(models.ChannelEmail, channels.Settings{}, nil, number, lines...)
		fn(t, listen(t, w, edge, tr))
	})
}

// send submits raw to the listener as the supplier's mail server would.
func (s *supplierDesk) send(to string, raw []byte) error {
	return netsmtp.SendMail(s.addr, nil, "orders@blueharbor.example", []string{to}, raw)
}

// compose writes a reply from the supplier, in the PO mail's thread.
func (s *supplierDesk) compose(to, text string, files []mail.Attachment) []byte {
	s.t.Helper()
	var id [6]byte
	rand.Read(id[:])
	m := mail.Message{From: "Blue Harbor Goods <orders@blueharbor.example>", To: []string{to}, Subject: "Re: " + s.subject,
		MessageID: hex.EncodeToString(id[:]) + "@mail.blueharbor.example", InReplyTo: s.messageID, Text: text,
		Attachments: files, Date: time.Date(2026, 11, 30, 13, 0, 0, 0, time.UTC)}
	raw, err := m.Bytes()
	if err != nil {
		s.t.Fatal(err)
	}
	return raw
}

// reply sends a reply and returns the event it was stored as.
func (s *supplierDesk) reply(to, text string, files []mail.Attachment) models.WebhookEvent {
	s.t.Helper()
	if err := s.send(to, s.compose(to, text, files)); err != nil {
		s.t.Fatalf("send the reply: %v", err)
	}
	evs := s.events()
	if len(evs) == 0 {
		s.t.Fatal("the reply was not stored")
	}
	return evs[len(evs)-1]
}

func (s *supplierDesk) events() []models.WebhookEvent {
	s.t.Helper()
	var evs []models.WebhookEvent
	if err := s.DB.Gorm.Where("platform = ?", models.ChannelEmail).Order("id").Find(&evs).Error; err != nil {
		s.t.Fatal(err)
	}
	return evs
}

func (s *supplierDesk) process(ev models.WebhookEvent) models.WebhookEvent {
	s.t.Helper()
	return s.Process(s.Channels.Handler(s.edge.HandleReply), ev)
}

func (s *supplierDesk) order() models.Order {
	s.t.Helper()
	var o models.Order
	if err := s.DB.Gorm.Take(&o, s.tr.Order.ID).Error; err != nil {
		s.t.Fatal(err)
	}
	return o
}

func hasLine(lines []string, part string) bool {
	return slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, part) })
}

func TestReplyAccepts(t *testing.T) {
	withPO(t, "PO-A", lines, func(t *testing.T, s *supplierDesk) {
		ev := s.reply(s.replyTo, "Accepted, thanks", nil)
		if ev.PartnershipID == nil || *ev.PartnershipID != s.tr.Partnership.ID || ev.Topic != email.TopicReply ||
			!strings.Contains(ev.Headers, fmt.Sprintf(`"PO":"%d"`, s.tr.PO.ID)) {
			t.Fatalf("stored %+v", ev)
		}
		ev = s.process(ev)
		if ev.State != models.EventProcessed || !strings.Contains(ev.Error, "PO-A: accepted") {
			t.Fatalf("event %s %q", ev.State, ev.Error)
		}
		po := s.PO(s.tr.PO.ID)
		if po.State != models.POAccepted || po.Lines[0].State != models.LineAccepted {
			t.Errorf("PO %s, line %s", po.State, po.Lines[0].State)
		}
		timeline, err := s.Channels.Timeline(t.Context(), po.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(timeline, func(e channels.Entry) bool { return e.Direction == "in" && e.EventID == ev.ID }) {
			t.Errorf("the reply is not on the PO's timeline: %+v", timeline)
		}
	})
}

func TestReplyRejectsWithReason(t *testing.T) {
	withPO(t, "PO-B", lines, func(t *testing.T, s *supplierDesk) {
		ev := s.process(s.reply(s.replyTo, "Reject: out of stock", nil))
		po := s.PO(s.tr.PO.ID)
		if ev.State != models.EventProcessed || po.State != models.PORejected || po.Lines[0].Reason != "out of stock" {
			t.Fatalf("event %s %q, PO %s, reason %q", ev.State, ev.Error, po.State, po.Lines[0].Reason)
		}
		if o := s.order(); o.State != models.OrderNeedsAttention || !strings.Contains(o.Attention, "out of stock") {
			t.Errorf("order %s %q", o.State, o.Attention)
		}
	})
}

// A supplier moved to another channel still answers the mails it got.
func TestReplyAfterTheChannelChanged(t *testing.T) {
	withPO(t, "PO-C", lines, func(t *testing.T, s *supplierDesk) {
		if err := s.DB.Gorm.Model(&models.Partnership{}).Where("id = ?", s.tr.Partnership.ID).
			Update("channel", models.ChannelPortal).Error; err != nil {
			t.Fatal(err)
		}
		s.process(s.reply(s.replyTo, "Confirmed", nil))
		if po := s.PO(s.tr.PO.ID); po.State != models.POAccepted {
			t.Errorf("PO %s", po.State)
		}
	})
}

// One tracking number ships the whole PO, once: the same reply processed
// again, or sent again, changes nothing.
func TestReplyWithTrackingShipsOnce(t *testing.T) {
	withPO(t, "PO-D", lines, func(t *testing.T, s *supplierDesk) {
		raw := s.compose(s.replyTo, "Shipped today, tracking 1Z999AA10123456784", nil)
		if err := s.send(s.replyTo, raw); err != nil {
			t.Fatal(err)
		}
		ev := s.process(s.events()[0])
		if ev.State != models.EventProcessed {
			t.Fatalf("event %s %q", ev.State, ev.Error)
		}
		ships := s.Shipments(s.tr.PO.ID)
		if len(ships) != 1 || ships[0].Carrier != "UPS" || ships[0].TrackingNumber != "1Z999AA10123456784" ||
			!strings.Contains(ships[0].TrackingURL, "ups.com") || len(ships[0].Lines) != 2 {
			t.Fatalf("shipments %+v", ships)
		}
		if po := s.PO(s.tr.PO.ID); po.State != models.POShipped {
			t.Errorf("PO %s", po.State)
		}
		history := s.History(s.tr.PO.ID)

		if ev := s.process(ev); ev.State != models.EventProcessed {
			t.Fatalf("second run: %s %q", ev.State, ev.Error)
		}
		if err := s.send(s.replyTo, raw); err != nil { // the supplier's server sent it twice
			t.Fatal(err)
		}
		if n := len(s.events()); n != 1 {
			t.Errorf("the same mail was stored %d times", n)
		}
		// The supplier writes again with the same number: noted, nothing new.
		s.process(s.reply(s.replyTo, "Tracking again: 1Z999AA10123456784", nil))
		if n := len(s.Shipments(s.tr.PO.ID)); n != 1 {
			t.Errorf("%d shipments", n)
		}
		if again := s.History(s.tr.PO.ID); !slices.Equal(again, history) {
			t.Errorf("history changed:\n%q\n%q", history, again)
		}
	})
}

// Several numbers do not say which line went in which parcel: the
// retailer is told, nothing is shipped.
func TestReplyWithSeveralTrackingNumbersIsTold(t *testing.T) {
	withPO(t, "PO-E", lines, func(t *testing.T, s *supplierDesk) {
		ev := s.process(s.reply(s.replyTo, "Tracking: 1Z999AA10123456784 and 1Z999AA10123456793", nil))
		if ev.State != models.EventProcessed || len(s.Shipments(s.tr.PO.ID)) != 0 {
			t.Fatalf("event %s %q, shipments %d", ev.State, ev.Error, len(s.Shipments(s.tr.PO.ID)))
		}
		if o := s.order(); o.State != models.OrderNeedsAttention || !strings.Contains(o.Attention, "2 tracking numbers") ||
			!strings.Contains(o.Attention, "1Z999AA10123456793") {
			t.Errorf("order %s %q", o.State, o.Attention)
		}
	})
}

// A reply quoting the whole PO mail, its instructions and an "accept" in
// the quote, is read by its new text only.
func TestReplyQuotingTheThreadActsOnNewTextOnly(t *testing.T) {
	withPO(t, "PO-F", lines, func(t *testing.T, s *supplierDesk) {
		var quoted strings.Builder
		for _, l := range strings.Split(s.text+"\nAccepted\n", "\n") {
			quoted.WriteString("> " + l + "\n")
		}
		body := "Got it, we will check with the warehouse and come back to you.\n\n" +
			"On Mon, 30 Nov 2026 at 12:00, Consign <orders@consign.example> wrote:\n" + quoted.String()
		if !strings.Contains(body, `"accept" to accept`) {
			t.Fatalf("the quote lacks the instructions:\n%s", body)
		}
		ev := s.process(s.reply(s.replyTo, body, nil))
		if ev.State != models.EventProcessed {
			t.Fatalf("event %s %q", ev.State, ev.Error)
		}
		if po := s.PO(s.tr.PO.ID); po.State != models.POSent {
			t.Errorf("the quoted text was acted on: PO %s", po.State)
		}
		if o := s.order(); o.State != models.OrderNeedsAttention || !strings.Contains(o.Attention, "come back to you") ||
			strings.Contains(o.Attention, "Accepted") {
			t.Errorf("order %s %q", o.State, o.Attention)
		}
	})
}

// A reply to a reply address whose token is wrong is refused at RCPT,
// however right its From, and nothing is stored.
func TestForgedReplyIsRefused(t *testing.T) {
	withPO(t, "PO-G", lines, func(t *testing.T, s *supplierDesk) {
		local, _, _ := strings.Cut(s.replyTo, "@")
		forged := []string{
			local[:len(local)-4] + "abcd@" + replyDomain,
			fmt.Sprintf("po-%d@%s", s.tr.PO.ID, replyDomain),
			"orders@" + replyDomain,
		}
		for _, to := range forged {
			err := s.send(to, s.compose(to, "Accepted", nil))
			if err == nil || !strings.Contains(err.Error(), "550") {
				t.Errorf("to %s: %v", to, err)
			}
		}
		var n int64
		if err := s.DB.Gorm.Model(&models.WebhookEvent{}).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d events stored", n)
		}
		if po := s.PO(s.tr.PO.ID); po.State != models.POSent {
			t.Errorf("PO %s", po.State)
		}
	})
}

// An attached tracking file ships the SKUs it lists for this PO; rows
// naming another PO are refused, since this address speaks for one.
func TestReplyWithTrackingFileShipsItsRows(t *testing.T) {
	withPO(t, "PO-H", lines, func(t *testing.T, s *supplierDesk) {
		file := "po_number,sku,quantity,carrier,tracking_number\r\n" +
			"PO-H,CAP-1,2,UPS,1Z999AA10123456784\r\n" +
			"PO-ELSEWHERE,00123,1,UPS,1Z999AA10123456793\r\n"
		ev := s.reply(s.replyTo, "Tracking attached.", []mail.Attachment{
			{Filename: "tracking.csv", ContentType: "text/csv", Data: []byte(file)}})
		ev = s.process(ev)
		if ev.State != models.EventProcessed || !strings.Contains(ev.Error, "1 shipments recorded") ||
			!strings.Contains(ev.Error, "names purchase order PO-ELSEWHERE") {
			t.Fatalf("event %s %q", ev.State, ev.Error)
		}
		check := func() {
			t.Helper()
			ships := s.Shipments(s.tr.PO.ID)
			po := s.PO(s.tr.PO.ID)
			if len(ships) != 1 || len(ships[0].Lines) != 1 || ships[0].Lines[0].POLineID != po.Lines[0].ID ||
				ships[0].Lines[0].Quantity != 2 || ships[0].Carrier != "UPS" {
				t.Fatalf("shipments %+v", ships)
			}
			if po.State != models.POPartiallyShipped {
				t.Errorf("PO %s", po.State)
			}
		}
		check()
		if o := s.order(); o.State == models.OrderNeedsAttention {
			t.Errorf("a file that applied needs attention: %q", o.Attention)
		}
		s.process(ev)
		check()
	})
}

// "maybe next week" is no answer: the retailer reads it, nothing changes.
func TestUnclearReplyIsShownToTheRetailer(t *testing.T) {
	withPO(t, "PO-I", lines, func(t *testing.T, s *supplierDesk) {
		ev := s.process(s.reply(s.replyTo, "maybe next week", nil))
		if ev.State != models.EventProcessed {
			t.Fatalf("event %s %q", ev.State, ev.Error)
		}
		if po := s.PO(s.tr.PO.ID); po.State != models.POSent {
			t.Errorf("PO %s", po.State)
		}
		if o := s.order(); o.State != models.OrderNeedsAttention || !strings.Contains(o.Attention, "maybe next week") {
			t.Errorf("order %s %q", o.State, o.Attention)
		}
		history := s.History(s.tr.PO.ID)
		if !hasLine(history, "maybe next week") {
			t.Errorf("history %q", history)
		}
		s.process(ev) // told once
		if again := s.History(s.tr.PO.ID); !slices.Equal(again, history) {
			t.Errorf("history changed:\n%q\n%q", history, again)
		}
	})
}

// A reply that is not a mail at all fails with the reason, kept.
func TestMalformedReplyFails(t *testing.T) {
	withPO(t, "PO-J", lines, func(t *testing.T, s *supplierDesk) {
		if err := s.send(s.replyTo, []byte("no header at all, just words\r\n")); err != nil {
			t.Fatal(err)
		}
		ev := s.process(s.events()[0])
		if ev.State != models.EventFailed || ev.Error == "" {
			t.Errorf("event %s %q", ev.State, ev.Error)
		}
	})
}
