package email_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/app/channels/email"
	"github.com/consign/consign/app/devkit/channelstest"
	"github.com/consign/consign/app/devkit/mailsink"
	"github.com/consign/consign/app/mail"
	"github.com/consign/consign/app/mail/reply"
	"github.com/consign/consign/models"
)

const replyDomain = "replies.consign.example"

// links stands in for the portal's signed PO links.
type links struct{}

func (links) POLink(_ context.Context, poID int64) (string, error) {
	return fmt.Sprintf("https://consign.example/p/%d?sig=abc&exp=1", poID), nil
}

func newEdge() *email.Edge {
	return &email.Edge{From: "Consign <orders@consign.example>", ReplyDomain: replyDomain,
		Key: []byte("a test key for email replies"), Links: links{},
		Now: func() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) }}
}

var lines = []channelstest.Line{
	{SKU: "CAP-1", Title: "<script>alert(1)</script> Cap", Quantity: 2, Cost: "3.50"},
	{SKU: "00123", Title: "=HYPERLINK(\"http://evil.example\")", Quantity: 1, Cost: "12.00"},
}

// part is one leaf of a parsed mail.
type part struct {
	contentType, filename string
	body                  []byte
}

// parse reads a mail back with go-message, as a supplier's client would.
func parse(t *testing.T, raw []byte) (gomail.Header, []part) {
	t.Helper()
	r, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse mail: %v\n%s", err, raw)
	}
	var parts []part
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
			t.Fatal(err)
		}
		pp := part{body: body}
		switch h := p.Header.(type) {
		case *gomail.InlineHeader:
			pp.contentType, _, _ = h.ContentType()
		case *gomail.AttachmentHeader:
			pp.contentType, _, _ = h.ContentType()
			pp.filename, _ = h.Filename()
		}
		parts = append(parts, pp)
	}
	return r.Header, parts
}

func byType(parts []part, ct string) *part {
	for i := range parts {
		if parts[i].contentType == ct {
			return &parts[i]
		}
	}
	return nil
}

func address(t *testing.T, h gomail.Header, key string) string {
	t.Helper()
	list, err := h.AddressList(key)
	if err != nil || len(list) != 1 {
		t.Fatalf("%s: %v %v", key, list, err)
	}
	return list[0].Address
}

func TestPurchaseOrderMailParsesBack(t *testing.T) {
	edge := newEdge()
	channelstest.Each(t, models.ChannelEmail, edge, func(t *testing.T, w *channelstest.World) {
		set := channels.Settings{Email: channels.EmailSettings{To: "Order Desk <desk@blueharbor.example>"}}
		tr := w.Trade(models.ChannelEmail, set, nil, "PO-12", lines...)
		out := w.Outbound(tr.Partnership.ID)
		if len(out) != 1 || out[0].Kind != "po" || out[0].ContentType != "message/rfc822" {
			t.Fatalf("outbound %+v", out)
		}
		m := out[0]
		wantSubject := "Purchase order PO-12 from Northwind Outfitters (order #1003)"
		if m.Name != wantSubject {
			t.Errorf("name %q", m.Name)
		}
		h, parts := parse(t, m.Body)
		if s, _ := h.Subject(); s != wantSubject {
			t.Errorf("subject %q", s)
		}
		if got := address(t, h, "To"); got != "desk@blueharbor.example" {
			t.Errorf("To %s", got)
		}
		if got := address(t, h, "From"); got != "orders@consign.example" {
			t.Errorf("From %s", got)
		}
		if h.Get("X-Consign-PO") != "PO-12" {
			t.Errorf("X-Consign-PO %q", h.Get("X-Consign-PO"))
		}

		// The reply address names this PO, whatever case a mail system
		// gives it back in; nothing else passes.
		replyTo := address(t, h, "Reply-To")
		if id, ok := edge.Recipient(replyTo); !ok || id != tr.PO.ID {
			t.Errorf("Recipient(%s) = %d, %v", replyTo, id, ok)
		}
		if id, ok := edge.Recipient("<" + strings.ToUpper(replyTo) + ">"); !ok || id != tr.PO.ID {
			t.Errorf("upper case: %d, %v", id, ok)
		}
		local, _, _ := strings.Cut(replyTo, "@")
		for _, bad := range []string{
			local[:len(local)-1] + "x@" + replyDomain,                                                   // a token off by one character
			fmt.Sprintf("po-%d@%s", tr.PO.ID, replyDomain),                                              // no token
			strings.Replace(local, fmt.Sprint(tr.PO.ID), fmt.Sprint(tr.PO.ID+1), 1) + "@" + replyDomain, // another PO, this token
			local + "@replies.elsewhere.example",
			local + "@" + replyDomain + ".evil.example",
		} {
			if id, ok := edge.Recipient(bad); ok {
				t.Errorf("Recipient(%s) = %d, accepted", bad, id)
			}
		}

		// The Message-ID is the PO's: rendering again gives the same one.
		if h.Get("Message-Id") != "<"+m.MessageID+">" || !strings.HasSuffix(m.MessageID, "@"+replyDomain) {
			t.Errorf("Message-Id %q, stored %q", h.Get("Message-Id"), m.MessageID)
		}
		p, err := w.Channels.Partner(context.Background(), tr.Partnership.ID)
		if err != nil {
			t.Fatal(err)
		}
		po, err := w.Channels.LoadPO(context.Background(), tr.PO.ID)
		if err != nil {
			t.Fatal(err)
		}
		again, err := edge.Render(context.Background(), w.DB.Gorm, p, po, "po")
		if err != nil || len(again) != 1 || again[0].MessageID != m.MessageID {
			t.Fatalf("second render: %+v, %v", again, err)
		}

		text, html, file := byType(parts, "text/plain"), byType(parts, "text/html"), byType(parts, "text/csv")
		if text == nil || html == nil || file == nil || len(parts) != 3 {
			t.Fatalf("parts %+v", parts)
		}
		for _, want := range []string{"Grace Hopper", "1 Compiler Rd", "SKU 00123", "2 x 3.50 = 7.00", "Total: 19.00 USD",
			fmt.Sprintf("https://consign.example/p/%d?sig=abc&exp=1", tr.PO.ID), `"accept"`, `"reject: <reason>"`,
			"po_number, sku, quantity, carrier, tracking_number"} {
			if !strings.Contains(string(text.body), want) {
				t.Errorf("text lacks %q:\n%s", want, text.body)
			}
		}
		if strings.Contains(string(html.body), "<script>") || !strings.Contains(string(html.body), "&lt;script&gt;alert(1)&lt;/script&gt; Cap") {
			t.Errorf("HTML does not escape the title:\n%s", html.body)
		}
		if !strings.Contains(string(html.body), fmt.Sprintf(`href="https://consign.example/p/%d?sig=abc&amp;exp=1"`, tr.PO.ID)) {
			t.Errorf("HTML lacks the portal link:\n%s", html.body)
		}

		if file.filename != "PO-12.csv" {
			t.Errorf("attachment %q", file.filename)
		}
		rows, err := csv.NewReader(bytes.NewReader(file.body)).ReadAll()
		if err != nil || len(rows) != 3 {
			t.Fatalf("CSV %q: %v", file.body, err)
		}
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i
		}
		if rows[1][col["sku"]] != "CAP-1" || rows[2][col["sku"]] != "00123" || rows[2][col["quantity"]] != "1" ||
			rows[2][col["unit_cost"]] != "12.00" || rows[1][col["line_total"]] != "7.00" || rows[1][col["po_number"]] != "PO-12" ||
			rows[1][col["ship_to_zip"]] != "22201" {
			t.Errorf("CSV rows %q", rows)
		}
		if got := rows[2][col["title"]]; got != `'=HYPERLINK("http://evil.example")` {
			t.Errorf("a formula title was written as %q", got)
		}

		// Consign's own reply reader sees the text and the attachment.
		r, err := reply.Parse(m.Body)
		if err != nil || !strings.Contains(r.Text, "Northwind Outfitters sends you purchase order PO-12") ||
			len(r.Attachments) != 1 || r.Attachments[0].Filename != "PO-12.csv" {
			t.Fatalf("reply.Parse: %+v, %v", r, err)
		}
	})
}

func TestCancellationAnswersInTheThread(t *testing.T) {
	edge := newEdge()
	channelstest.Each(t, models.ChannelEmail, edge, func(t *testing.T, w *channelstest.World) {
		sink := startSink(t, mailsink.Options{})
		edge.Sender = sender(t, sink.URL())
		tr := w.Trade(models.ChannelEmail, channels.Settings{}, nil, "PO-13", lines...)
		w.Send(tr.Partnership.ID) // it reached the supplier, so it must be withdrawn there
		if err := w.DB.Gorm.Model(&models.PurchaseOrder{}).Where("id = ?", tr.PO.ID).Update("state", models.POCancelled).Error; err != nil {
			t.Fatal(err)
		}
		for range 2 { // the second run stores nothing new
			if err := w.Channels.Cancel(context.Background(), tr.PO.ID); err != nil {
				t.Fatal(err)
			}
		}
		out := w.Outbound(tr.Partnership.ID)
		if len(out) != 2 || out[0].State != models.MessageSent || out[1].Kind != "cancel" {
			t.Fatalf("%d outbound messages", len(out))
		}
		h, parts := parse(t, out[1].Body)
		s, _ := h.Subject()
		if !strings.HasPrefix(s, "Re: "+out[0].Name) || !strings.Contains(s, "CANCELLED") || s != out[1].Name {
			t.Errorf("subject %q", s)
		}
		original := "<" + out[0].MessageID + ">"
		if h.Get("In-Reply-To") != original || h.Get("References") != original {
			t.Errorf("In-Reply-To %q, References %q, want %s", h.Get("In-Reply-To"), h.Get("References"), original)
		}
		if out[1].MessageID == "" || out[1].MessageID == out[0].MessageID || h.Get("Message-Id") != "<"+out[1].MessageID+">" {
			t.Errorf("Message-Id %q (stored %q)", h.Get("Message-Id"), out[1].MessageID)
		}
		if id, ok := edge.Recipient(address(t, h, "Reply-To")); !ok || id != tr.PO.ID {
			t.Errorf("the cancellation's replies do not reach the PO")
		}
		text, html := byType(parts, "text/plain"), byType(parts, "text/html")
		if text == nil || html == nil {
			t.Fatalf("parts %+v", parts)
		}
		for _, want := range []string{"CANCELLED", "Do not ship it", "SKU CAP-1", "SKU 00123"} {
			if !strings.Contains(string(text.body), want) {
				t.Errorf("text lacks %q:\n%s", want, text.body)
			}
		}
		if strings.Contains(string(html.body), "<script>") {
			t.Errorf("HTML does not escape the title:\n%s", html.body)
		}
	})
}

func startSink(t *testing.T, opts mailsink.Options) *mailsink.Sink {
	t.Helper()
	s, err := mailsink.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func sender(t *testing.T, url string) *mail.Sender {
	t.Helper()
	s, err := mail.NewSender(url, mail.SenderOptions{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSendHandsTheMailToTheRelay(t *testing.T) {
	edge := newEdge()
	channelstest.Each(t, models.ChannelEmail, edge, func(t *testing.T, w *channelstest.World) {
		sink := startSink(t, mailsink.Options{Username: "consign", Password: "s3cret"})
		edge.Sender = sender(t, sink.URL())
		tr := w.Trade(models.ChannelEmail, channels.Settings{}, nil, "PO-20", lines...)
		for _, err := range w.Send(tr.Partnership.ID) {
			if err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := sink.Wait(ctx, 1); err != nil {
			t.Fatal(err)
		}
		got := sink.Messages()[0]
		m := w.Outbound(tr.Partnership.ID)[0]
		if got.MailFrom != "orders@consign.example" || strings.Join(got.RcptTo, ",") != "orders@blueharbor.example" {
			t.Errorf("envelope %q -> %q", got.MailFrom, got.RcptTo)
		}
		if !bytes.Equal(got.Raw, m.Body) {
			t.Errorf("the relay got another message than the stored one")
		}
		if m.State != models.MessageSent || m.SentAt == nil {
			t.Errorf("message %s", m.State)
		}
	})
}

func TestRefusedSendIsPermanent(t *testing.T) {
	edge := newEdge()
	channelstest.Each(t, models.ChannelEmail, edge, func(t *testing.T, w *channelstest.World) {
		sink := startSink(t, mailsink.Options{Username: "consign", Password: "s3cret"})
		edge.Sender = sender(t, "smtp://consign:wrong@"+sink.Addr())
		tr := w.Trade(models.ChannelEmail, channels.Settings{}, nil, "PO-21", lines...)
		p, err := w.Channels.Partner(context.Background(), tr.Partnership.ID)
		if err != nil {
			t.Fatal(err)
		}
		m := w.Outbound(tr.Partnership.ID)[0]
		err = edge.Send(context.Background(), p, m)
		var refused *mail.PermanentError
		if !errors.Is(err, channels.ErrPermanent) || !errors.As(err, &refused) || refused.Code != 535 {
			t.Fatalf("a refused login: %v", err)
		}

		// Through the core: failed at once, and the order in front of a person.
		w.Send(tr.Partnership.ID)
		m = w.Outbound(tr.Partnership.ID)[0]
		var order models.Order
		if err := w.DB.Gorm.Take(&order, tr.Order.ID).Error; err != nil {
			t.Fatal(err)
		}
		if m.State != models.MessageFailed || m.Attempts != 1 || !strings.Contains(m.Error, "535") || order.State != models.OrderNeedsAttention {
			t.Errorf("message %s after %d attempts (%s), order %s", m.State, m.Attempts, m.Error, order.State)
		}

		// A relay that cannot be reached is worth retrying.
		edge.Sender = sender(t, "smtp://"+closedPort(t))
		if err := edge.Send(context.Background(), p, m); err == nil || errors.Is(err, channels.ErrPermanent) {
			t.Errorf("an unreachable relay: %v", err)
		}
		if len(sink.Messages()) != 0 {
			t.Errorf("the refused message was delivered")
		}
	})
}

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestTestEmail(t *testing.T) {
	edge := newEdge()
	channelstest.Each(t, models.ChannelEmail, edge, func(t *testing.T, w *channelstest.World) {
		sink := startSink(t, mailsink.Options{})
		edge.Sender = sender(t, sink.URL())
		tr := w.Trade(models.ChannelEmail, channels.Settings{}, nil, "PO-30", lines...)
		ctx := context.Background()
		did, err := w.Channels.Test(ctx, tr.Retailer.ID, tr.Supplier.ID)
		if err != nil || !strings.HasPrefix(did, "test email sent to orders@blueharbor.example") {
			t.Fatalf("Test: %q, %v", did, err)
		}
		msgs := sink.Messages()
		if len(msgs) != 1 || msgs[0].Subject != "Test email from Consign for Northwind Outfitters" ||
			strings.Join(msgs[0].RcptTo, ",") != "orders@blueharbor.example" {
			t.Fatalf("sent %+v", msgs)
		}
		h, _ := parse(t, msgs[0].Raw)
		replyTo := address(t, h, "Reply-To")
		in := &email.Inbound{Edge: edge, Channels: w.Channels, DB: w.DB}
		if !in.Accept(replyTo) || !strings.Contains(did, replyTo) {
			t.Errorf("the test's reply address %s is not accepted", replyTo)
		}
		if _, ok := edge.Recipient(replyTo); ok {
			t.Errorf("the test's reply address reads as a PO's")
		}

		// A reply to it says how it reads and changes nothing.
		s := listen(t, w, edge, tr)
		ev := s.reply(replyTo, "Accepted", nil)
		if ev.Headers == "" || !strings.Contains(ev.Headers, `"Test"`) {
			t.Fatalf("stored headers %s", ev.Headers)
		}
		ev = s.process(ev)
		if ev.State != models.EventProcessed || !strings.Contains(ev.Error, "read as accept; nothing done") {
			t.Errorf("test reply: %s %q", ev.State, ev.Error)
		}
		if po := w.PO(tr.PO.ID); po.State != models.POSent {
			t.Errorf("a test reply changed the PO: %s", po.State)
		}

		// A relay that refuses says so, with its answer.
		locked := startSink(t, mailsink.Options{Username: "consign", Password: "s3cret"})
		edge.Sender = sender(t, "smtp://consign:wrong@"+locked.Addr())
		if _, err := w.Channels.Test(ctx, tr.Retailer.ID, tr.Supplier.ID); err == nil ||
			!strings.Contains(err.Error(), "orders@blueharbor.example") || !strings.Contains(err.Error(), "535") {
			t.Errorf("a refused test: %v", err)
		}
	})
}
