package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	netsmtp "net/smtp"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app"
	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/devkit/mailsink"
	"github.com/consign/consign/app/devkit/sftpserver"
	"github.com/consign/consign/app/mail/reply"
	"github.com/consign/consign/app/platforms/shopify/fakeshopify"
	"github.com/consign/consign/app/queue"
	"github.com/consign/consign/app/samples"
	"github.com/consign/consign/app/x12"
	"github.com/consign/consign/models"
)

// supplierServer is a supplier's own SFTP server with its three folders.
func supplierServer(t *testing.T, user string) *sftpserver.Server {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"outbound", "inbound", "archive"} {
		apptest.Must(t, os.MkdirAll(filepath.Join(root, d), 0o755))
	}
	srv, err := sftpserver.Start(sftpserver.Options{Root: root, User: user, Password: user + "-pw"})
	apptest.Must(t, err)
	t.Cleanup(func() { srv.Close() })
	return srv
}

func waitForFile(t *testing.T, h *apptest.Harness, dir, prefix string) string {
	t.Helper()
	var found string
	h.Eventually("a file "+prefix+"* in "+dir, func() bool {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), prefix) {
				found = filepath.Join(dir, e.Name())
				return true
			}
		}
		return false
	})
	return found
}

// TestThreeSuppliersAnswerThroughTheirOwnMedium: one order reaches an email
// supplier, a CSV-over-SFTP supplier and an EDI supplier; each answers its
// own way, and the tracking of all three reaches the retailer's store.
func TestThreeSuppliersAnswerThroughTheirOwnMedium(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		sink, err := mailsink.Start(mailsink.Options{})
		apptest.Must(t, err)
		t.Cleanup(func() { sink.Close() })
		const replies = "replies.consign.test"
		h := apptest.Start(t, d, apptest.Options{Env: map[string]string{"SMTP_URL": sink.URL(), "SMTP_DOMAIN": replies,
			"MAIL_FROM": "Consign <orders@consign.test>"}})
		ctx, stop := context.WithCancel(context.Background())
		t.Cleanup(stop)
		mailLn, err := net.Listen("tcp", "127.0.0.1:0")
		apptest.Must(t, err)
		go h.App.ServeMail(ctx, mailLn)

		emailSup, _ := h.AddSupplier("Mail Order Co", 10, "sku,title,cost\nEM-1,Mailed mug,4.00\n")
		fileSup, _ := h.AddSupplier("File Drop Co", 20, "sku,title,cost\n00123,Filed tent,50.00\n")
		ediSup, _ := h.AddSupplier("EDI Works", 30, "sku,gtin,title,cost\nED-1,0840000000011,EDI lamp,9.00\n")
		csvSrv, ediSrv := supplierServer(t, "files"), supplierServer(t, "edi")

		// Email by the command line.
		consignIn(t, h, nil, "supplier", "channel", "--supplier", fmt.Sprint(emailSup), "--channel", "email", "--email", "desk@mailorder.example")
		// CSV over SFTP by the admin's channel form, tested from there.
		token := sessionToken(t, apptest.Shop, apptest.Secret)
		form := url.Values{"channel": {"sftp"}, "sftp_host": {csvSrv.Host()}, "sftp_port": {fmt.Sprint(csvSrv.Port())},
			"sftp_user": {"files"}, "sftp_password": {"files-pw"}, "sftp_fingerprint": {csvSrv.Fingerprint()},
			"sftp_outbound": {"/outbound"}, "sftp_inbound": {"/inbound"}, "sftp_archive": {"/archive"}}
		code, page := adminPost(t, h, token, fmt.Sprintf("/app/suppliers/%d/channel", fileSup), form)
		if code != 200 || !strings.Contains(page, "Channel saved") {
			t.Fatalf("channel form: %d\n%.3000s", code, page)
		}
		code, page = adminPost(t, h, token, fmt.Sprintf("/app/suppliers/%d/channel/test", fileSup), url.Values{})
		if code != 200 || !strings.Contains(page, "logged in") {
			t.Fatalf("channel test: %d\n%.3000s", code, page)
		}
		// EDI by the command line, with a test 850 sent at once.
		out := consignIn(t, h, nil, "supplier", "channel", "--supplier", fmt.Sprint(ediSup), "--channel", "edi",
			"--sftp-host", ediSrv.Host(), "--sftp-port", fmt.Sprint(ediSrv.Port()), "--sftp-user", "edi", "--sftp-password", "edi-pw",
			"--sftp-fingerprint", ediSrv.Fingerprint(), "--edi-sender-id", "CONSIGNTEST", "--edi-receiver-id", "EDIWORKS", "--test")
		if test, _ := out["test"].(string); !strings.Contains(test, "test 850") {
			t.Fatalf("edi channel test: %v", out)
		}

		// One order with a line for each.
		order := samples.Order{ID: 8800, Number: 1088, Lines: []samples.OrderLine{
			{Product: samples.Product{VariantID: 1, ProductID: 11, SKU: "EM-1", Title: "Mailed mug", Price: "10.00"}, Quantity: 2},
			{Product: samples.Product{VariantID: 2, ProductID: 12, SKU: "00123", Title: "Filed tent", Price: "99.00"}, Quantity: 1},
			{Product: samples.Product{VariantID: 3, ProductID: 13, SKU: "ED-1", Title: "EDI lamp", Price: "20.00"}, Quantity: 3},
		}}
		var lines []fakeshopify.Line
		for i, l := range order.Lines {
			lines = append(lines, fakeshopify.Line{ID: fmt.Sprint(samples.LineID(order.ID, i)), Quantity: l.Quantity})
		}
		h.Fake.AddOrder(apptest.Shop, "gid://shopify/Order/8800", lines)
		h.Webhook("orders/create", "three-channels", samples.ShopifyOrder(order))
		h.Eventually("three sent POs", func() bool { return h.Count("purchase_orders", "state = ?", models.POSent) == 3 })
		po := func(supplier int64) models.PurchaseOrder {
			var p models.PurchaseOrder
			apptest.Must(t, h.App.DB.Gorm.Preload("Lines").Where("supplier_id = ?", supplier).Take(&p).Error)
			return p
		}

		// Email: the PO mail arrives; the supplier replies with tracking.
		waitCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		apptest.Must(t, sink.Wait(waitCtx, 1))
		var poMail *mailsink.Message
		for _, m := range sink.Messages() {
			if strings.Contains(m.Subject, po(emailSup).Number) {
				poMail = &m
			}
		}
		if poMail == nil || len(poMail.RcptTo) != 1 || poMail.RcptTo[0] != "desk@mailorder.example" {
			t.Fatalf("PO mail %+v", poMail)
		}
		parsed, err := reply.Parse(poMail.Raw)
		apptest.Must(t, err)
		replyTo := headerOf(poMail.Raw, "Reply-To")
		if !strings.HasSuffix(replyTo, "@"+replies+">") && !strings.HasSuffix(replyTo, "@"+replies) {
			t.Fatalf("Reply-To %q", replyTo)
		}
		rcpt := strings.Trim(replyTo[strings.LastIndex(replyTo, " ")+1:], "<>")
		answer := "From: desk@mailorder.example\r\nTo: " + rcpt + "\r\nSubject: Re: " + parsed.Subject +
			"\r\nIn-Reply-To: <" + parsed.MessageID + ">\r\nMessage-ID: <reply-1@mailorder.example>\r\n\r\n" +
			"Shipped today with UPS 1Z999AA10123456784.\r\n\r\nOn Mon, Consign wrote:\r\n> accept or reject\r\n"
		apptest.Must(t, netsmtp.SendMail(mailLn.Addr().String(), nil, "desk@mailorder.example", []string{rcpt}, []byte(answer)))

		// CSV: the PO file is in the outbound folder; a tracking file back.
		poFile := waitForFile(t, h, filepath.Join(csvSrv.Root(), "outbound"), "PO")
		body, err := os.ReadFile(poFile)
		apptest.Must(t, err)
		if !strings.Contains(string(body), "00123") {
			t.Fatalf("PO file lost the SKU's zeros:\n%s", body)
		}
		filePO := po(fileSup)
		apptest.Must(t, os.WriteFile(filepath.Join(csvSrv.Root(), "inbound", "tracking.csv"),
			[]byte("po_number,sku,quantity,carrier,tracking_number\n"+filePO.Number+",00123,1,FedEx,123456789012\n"), 0o644))

		// EDI: the 850 is in the outbound folder; 997, 855 and 856 back.
		ediFile := waitForFile(t, h, filepath.Join(ediSrv.Root(), "outbound"), "850_PO")
		raw, err := os.ReadFile(ediFile)
		apptest.Must(t, err)
		sent, err := x12.Parse(raw)
		apptest.Must(t, err)
		group := sent.Interchanges[0].Groups[0].ControlNumber
		ediPO := po(ediSup)
		env := x12.Envelope{SenderQualifier: "ZZ", SenderID: "EDIWORKS", ReceiverQualifier: "ZZ", ReceiverID: "CONSIGNTEST",
			Version: "004010", Usage: "P", InterchangeControl: 9001, GroupControl: 9001, Time: time.Now(), LineBreaks: true}
		ack, err := x12.Encode(env, "FA", []x12.SetBody{(&x12.FunctionalAck{GroupFunctionalID: "PO", GroupControlNumber: group, Status: "A",
			Included: "1", Received: "1", Accepted: "1"}).Set()})
		apptest.Must(t, err)
		env.InterchangeControl, env.GroupControl = 9002, 9002
		notice, err := x12.Encode(env, "SH", []x12.SetBody{(&x12.ShipNotice{Purpose: "00", ShipmentID: "ASN-1", Date: "20261201", Carrier: "USPS",
			TrackingNumbers: []string{"9400111899223344556677"}, Orders: []x12.ShipOrder{{PONumber: ediPO.Number, Items: []x12.ShipItem{
				{LineNumber: "1", IDs: []x12.ID{{Qualifier: "UP", Value: "840000000011"}}, Quantity: "3", Unit: "EA"}}}}}).Set()})
		apptest.Must(t, err)
		apptest.Must(t, os.WriteFile(filepath.Join(ediSrv.Root(), "inbound", "997.edi"), ack, 0o644))
		apptest.Must(t, os.WriteFile(filepath.Join(ediSrv.Root(), "inbound", "856.edi"), notice, 0o644))

		// The poll job reads both folders, as its schedule would.
		for _, sup := range []int64{fileSup, ediSup} {
			var p models.Partnership
			apptest.Must(t, h.App.DB.Gorm.Where("supplier_id = ?", sup).Take(&p).Error)
			_, err := h.App.Jobs.Insert(ctx, queue.PollChannel{PartnershipID: p.ID}, nil)
			apptest.Must(t, err)
		}

		// All three trackings reach the retailer's store.
		h.Eventually("three fulfillments in the store", func() bool { return len(h.Fake.Fulfillments(apptest.Shop)) == 3 })
		got := map[string]string{}
		for _, f := range h.Fake.Fulfillments(apptest.Shop) {
			got[f.Tracking.Number] = f.Tracking.Company
		}
		for number, carrier := range map[string]string{"1Z999AA10123456784": "UPS", "123456789012": "FedEx", "9400111899223344556677": "USPS"} {
			if got[number] != carrier {
				t.Errorf("tracking %s reached the store as %q, want %s (all: %v)", number, got[number], carrier, got)
			}
		}
		h.Idle()
		var acked models.OutboundMessage
		apptest.Must(t, h.App.DB.Gorm.Where("kind = ? AND purchase_order_id = ?", "850", ediPO.ID).Take(&acked).Error)
		if acked.State != models.MessageAcknowledged {
			t.Errorf("the 850 is %s after its 997", acked.State)
		}
		// The admin's order page shows each PO's messages.
		status, doc := adminGet(t, h, fmt.Sprintf("/app/orders/%d", po(emailSup).OrderID))
		if n := doc.Find(`[data-testid="po-message"]`).Length(); n < 6 {
			html, _ := doc.Html()
			t.Errorf("the order page (%d) shows %d messages:\n%.4000s", status, n, html)
		}
	})
}

// adminPost submits an admin form with a Shopify session token.
func adminPost(t *testing.T, h *apptest.Harness, token, path string, form url.Values) (int, string) {
	t.Helper()
	b := h.NewBrowser()
	res, page := b.Do("POST", path, strings.NewReader(form.Encode()), map[string][]string{
		"Authorization": {"Bearer " + token}, "Content-Type": {"application/x-www-form-urlencoded"}})
	return res.StatusCode, page
}

// headerOf is a raw mail's header value.
func headerOf(raw []byte, name string) string {
	head, _, _ := strings.Cut(string(raw), "\r\n\r\n")
	for _, line := range strings.Split(head, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// consign edi parse reads every shared X12 sample; a malformed file fails
// with the segment and the reason.
func TestEDIParseCommand(t *testing.T) {
	dir := fixtureDir(t, "x12")
	files, err := filepath.Glob(filepath.Join(dir, "*.edi"))
	apptest.Must(t, err)
	if len(files) < 30 {
		t.Fatalf("%d X12 fixtures", len(files))
	}
	env := func(string) string { return "" }
	for _, f := range files {
		var out, errb strings.Builder
		if err := app.Main(context.Background(), []string{"edi", "parse", f}, env, &out, &errb); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		var rep struct {
			Interchanges []struct {
				SenderID      string `json:"sender_id"`
				ReceiverID    string `json:"receiver_id"`
				ControlNumber string `json:"control_number"`
				Groups        []struct {
					FunctionalID  string           `json:"functional_id"`
					Version       string           `json:"version"`
					ControlNumber string           `json:"control_number"`
					Transactions  []map[string]any `json:"transactions"`
				} `json:"groups"`
			} `json:"interchanges"`
		}
		if err := json.Unmarshal([]byte(out.String()), &rep); err != nil || len(rep.Interchanges) == 0 ||
			len(rep.Interchanges[0].Groups) == 0 || len(rep.Interchanges[0].Groups[0].Transactions) == 0 {
			t.Errorf("%s printed %v:\n%.500s", filepath.Base(f), err, out.String())
			continue
		}
		tx := rep.Interchanges[0].Groups[0].Transactions[0]
		switch tx["set"] {
		case "850", "855":
			if tx["po_number"] == nil || tx["lines"] == nil {
				t.Errorf("%s: %v", filepath.Base(f), tx)
			}
		case "856":
			if tx["shipment_id"] == nil || tx["orders"] == nil {
				t.Errorf("%s: %v", filepath.Base(f), tx)
			}
		case "997":
			if tx["group_control_number"] == nil || tx["status"] == nil {
				t.Errorf("%s: %v", filepath.Base(f), tx)
			}
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.edi")
	apptest.Must(t, os.WriteFile(bad, []byte("ISA*00*          *00*          *ZZ*A              *ZZ*B              *261201*1200*U*00401*000000001*0*P*>~GS*PO*A*B*20261201*1200*1*X*004010~ST*850*0001~BEG*00*SA*PO-1**20261201~"), 0o644))
	var out, errb strings.Builder
	err = app.Main(context.Background(), []string{"edi", "parse", bad}, env, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "segment") {
		t.Errorf("a truncated file: %v", err)
	}
}

// fixtureDir is a folder of ../shared/fixtures; without it the test skips,
// except under CI=true.
func fixtureDir(t *testing.T, name string) string {
	t.Helper()
	apptest.Fixture(t, filepath.Join(name, "SOURCES.md"))
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "shared", "fixtures", name)
}

// The control numbers of a partner's documents keep rising across a
// restart of Consign: they live in the database. consign edi render shows
// the next one without taking it.
func TestEDIControlNumbersSurviveARestart(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		h := apptest.Start(t, d, apptest.Options{})
		srv := supplierServer(t, "edi")
		sup, _ := h.AddSupplier("EDI Works", 10, "sku,title,cost\nED-1,EDI lamp,9.00\n")
		consignIn(t, h, nil, "supplier", "channel", "--supplier", fmt.Sprint(sup), "--channel", "edi",
			"--sftp-host", srv.Host(), "--sftp-port", fmt.Sprint(srv.Port()), "--sftp-user", "edi", "--sftp-password", "edi-pw",
			"--sftp-fingerprint", srv.Fingerprint(), "--edi-sender-id", "CONSIGNTEST", "--edi-receiver-id", "EDIWORKS")
		order := func(id int64) {
			o := samples.Order{ID: id, Number: int(id), Lines: []samples.OrderLine{
				{Product: samples.Product{VariantID: 3, ProductID: 13, SKU: "ED-1", Title: "EDI lamp", Price: "20.00"}, Quantity: 1}}}
			h.Webhook("orders/create", fmt.Sprint("restart-", id), samples.ShopifyOrder(o))
		}
		control := func(n int) []string {
			var msgs []models.OutboundMessage
			h.Eventually(fmt.Sprintf("%d 850s sent", n), func() bool {
				msgs = nil
				h.App.DB.Gorm.Where("kind = ? AND state = ?", "850", models.MessageSent).Order("id").Find(&msgs)
				return len(msgs) == n
			})
			out := make([]string, n)
			for i, m := range msgs {
				out[i] = m.ControlNumber
			}
			return out
		}
		order(7001)
		first := control(1)
		var po models.PurchaseOrder
		apptest.Must(t, h.App.DB.Gorm.Where("supplier_id = ?", sup).Take(&po).Error)
		var render strings.Builder
		renderCmd := func() string {
			render.Reset()
			env := map[string]string{"DATABASE_URL": h.DBURL, "CONSIGN_ENCRYPTION_KEY": apptest.EncryptionKey}
			apptest.Must(t, app.Main(context.Background(), []string{"edi", "render", fmt.Sprint(po.ID)}, func(k string) string { return env[k] }, &render, io.Discard))
			return render.String()
		}
		shown := renderCmd()
		if renderCmd() != shown || !strings.Contains(shown, "BEG*00*DS*"+po.Number) {
			t.Fatalf("edi render took a control number, or shows another PO:\n%s", shown)
		}
		h.Stop()
		h = apptest.Start(t, d, apptest.Options{DBURL: h.DBURL, Fake: h.Fake})
		order(7002)
		both := control(2)
		before, _ := strconv.Atoi(both[0])
		after, _ := strconv.Atoi(both[1])
		if both[0] != first[0] || after <= before {
			t.Fatalf("control numbers before and after a restart: %v", both)
		}
		if !strings.Contains(shown, fmt.Sprintf("*%09d*", after)) {
			t.Errorf("edi render showed the next interchange as something else than %s:\n%s", both[1], shown)
		}
	})
}

// A cancelled order withdraws its PO from an email supplier with a reply
// in the PO mail's thread.
func TestEmailSupplierIsToldOfACancellationInTheThread(t *testing.T) {
	eachDialect(t, func(t *testing.T, d database.Dialect) {
		sink, err := mailsink.Start(mailsink.Options{})
		apptest.Must(t, err)
		t.Cleanup(func() { sink.Close() })
		h := apptest.Start(t, d, apptest.Options{Env: map[string]string{"SMTP_URL": sink.URL(), "SMTP_DOMAIN": "replies.consign.test"}})
		sup, _ := h.AddSupplier("Mail Order Co", 10, samples.CatalogCSV(0))
		if err := consignErr(t, h.DBURL, "supplier", "channel", "--supplier", fmt.Sprint(sup), "--channel", "email"); err == nil ||
			!strings.Contains(err.Error(), "email.to") {
			t.Errorf("the email channel without any address: %v", err)
		}
		consignIn(t, h, nil, "supplier", "channel", "--supplier", fmt.Sprint(sup), "--channel", "email", "--email", "po@mailorder.example")
		h.Webhook("orders/create", "cancel-1", sampleOrder(9100, "paid", false, time.Now().Add(-time.Hour)))
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		apptest.Must(t, sink.Wait(ctx, 1))
		h.Webhook("orders/cancelled", "cancel-2", sampleOrder(9100, "refunded", true, time.Now()))
		apptest.Must(t, sink.Wait(ctx, 2))
		msgs := sink.Messages()
		first, err := reply.Parse(msgs[0].Raw)
		apptest.Must(t, err)
		second, err := reply.Parse(msgs[1].Raw)
		apptest.Must(t, err)
		if second.InReplyTo != first.MessageID || !strings.HasPrefix(second.Subject, "Re: ") ||
			!strings.Contains(strings.ToLower(second.FullText), "cancel") {
			t.Errorf("cancellation mail: subject %q, in reply to %q (PO mail %q)\n%s", second.Subject, second.InReplyTo, first.MessageID, second.FullText)
		}
		h.Idle()
		if n := len(sink.Messages()); n != 2 {
			t.Errorf("%d mails, want the PO and its cancellation", n)
		}
	})
}
