package sftpcsv_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/app/channels/sftpcsv"
	"github.com/consign/consign/app/devkit/channelstest"
	"github.com/consign/consign/app/devkit/sftpserver"
	"github.com/consign/consign/app/money"
	"github.com/consign/consign/models"
)

var ctx = context.Background()

// newEdge is the edge as the app builds it, on the tests' clock. Its
// Folder dials plainly: the app passes the guarded dialer.
func newEdge() *sftpcsv.Edge {
	return &sftpcsv.Edge{Now: func() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) }}
}

// partner starts a real SFTP server for the supplier and returns the
// settings that reach it, the password, and the server (its Root is the
// supplier's disk).
func partner(t *testing.T) (channels.Settings, *channels.Secrets, *sftpserver.Server) {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"outbound", "inbound", "archive"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := sftpserver.Start(sftpserver.Options{Root: root, User: "consign", Password: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	set := channels.Settings{SFTP: channels.SFTPSettings{Host: srv.Host(), Port: srv.Port(), User: "consign",
		Fingerprint: srv.Fingerprint(), Outbound: "/outbound", Inbound: "/inbound", Archive: "/archive"}}
	return set, &channels.Secrets{Password: "s3cret"}, srv
}

// lines have the cells spreadsheets mangle: leading zeros, a number in
// exponent form, a formula.
var lines = []channelstest.Line{
	{SKU: "00123", GTIN: "012345678905", Title: `=HYPERLINK("https://evil.example")`, Quantity: 2, Cost: "3.50"},
	{SKU: "1E5", Title: "Tote bag", Quantity: 1, Cost: "12.00"},
}

// readCSV parses a file of the supplier's folder.
func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the file is not on the supplier's server: %v", err)
	}
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatalf("%s is not CSV: %v", path, err)
	}
	return recs
}

func sendAll(t *testing.T, w *channelstest.World, partnershipID int64) {
	t.Helper()
	for _, err := range w.Send(partnershipID) {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestPOFileLandsInTheOutboundFolder(t *testing.T) {
	edge := newEdge()
	channelstest.Each(t, models.ChannelSFTP, edge, func(t *testing.T, w *channelstest.World) {
		set, secret, srv := partner(t)
		tr := w.Trade(models.ChannelSFTP, set, secret, "PO-CSV-1", lines...)
		out := w.Outbound(tr.Partnership.ID)
		if len(out) != 1 || out[0].Kind != "po" || out[0].Name != "PO-CSV-1.csv" || out[0].ContentType != "text/csv" ||
			out[0].State != models.MessageQueued {
			t.Fatalf("outbound %+v", out)
		}
		sendAll(t, w, tr.Partnership.ID)
		if m := w.Outbound(tr.Partnership.ID)[0]; m.State != models.MessageSent {
			t.Fatalf("message %s after sending: %q", m.State, m.Error)
		}
		got := readCSV(t, filepath.Join(srv.Root(), "outbound", "PO-CSV-1.csv"))
		want := [][]string{
			channels.POFields,
			{"PO-CSV-1", "#1003", "2026-11-30T12:00:00Z", "Northwind Outfitters", "Grace Hopper", "", "1 Compiler Rd", "",
				"Arlington", "VA", "22201", "US", "'+1 555 0100", "1", "00123", "012345678905",
				`'=HYPERLINK("https://evil.example")`, "2", "3.50", "USD"},
			{"PO-CSV-1", "#1003", "2026-11-30T12:00:00Z", "Northwind Outfitters", "Grace Hopper", "", "1 Compiler Rd", "",
				"Arlington", "VA", "22201", "US", "'+1 555 0100", "2", "1E5", "", "Tote bag", "1", "12.00", "USD"},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("PO file:\n%q\nwant\n%q", got, want)
		}
	})
}

func TestColumnTemplateIsHonoured(t *testing.T) {
	edge := newEdge()
	channelstest.Each(t, models.ChannelSFTP, edge, func(t *testing.T, w *channelstest.World) {
		set, secret, srv := partner(t)
		set.CSV.Columns = []channels.Column{{Field: "sku", Header: "Item"}, {Field: "quantity", Header: "Qty"}}
		tr := w.Trade(models.ChannelSFTP, set, secret, "PO-CSV-2", lines...)
		sendAll(t, w, tr.Partnership.ID)
		got := readCSV(t, filepath.Join(srv.Root(), "outbound", "PO-CSV-2.csv"))
		if want := [][]string{{"Item", "Qty"}, {"00123", "2"}, {"1E5", "1"}}; !reflect.DeepEqual(got, want) {
			t.Errorf("PO file %q, want %q", got, want)
		}
	})
}

func TestCancellationFileSaysCancelled(t *testing.T) {
	edge := newEdge()
	channelstest.Each(t, models.ChannelSFTP, edge, func(t *testing.T, w *channelstest.World) {
		set, secret, srv := partner(t)
		tr := w.Trade(models.ChannelSFTP, set, secret, "PO-CSV-3", lines...)
		sendAll(t, w, tr.Partnership.ID)
		if err := w.DB.Gorm.Model(&models.PurchaseOrder{}).Where("id = ?", tr.PO.ID).Update("state", models.POCancelled).Error; err != nil {
			t.Fatal(err)
		}
		if err := w.Channels.Cancel(ctx, tr.PO.ID); err != nil {
			t.Fatal(err)
		}
		sendAll(t, w, tr.Partnership.ID)
		got := readCSV(t, filepath.Join(srv.Root(), "outbound", "PO-CSV-3-cancel.csv"))
		if len(got) != 3 || !reflect.DeepEqual(got[0], append(slices.Clone(channels.POFields), "status")) {
			t.Fatalf("cancellation file %q", got)
		}
		for _, rec := range got[1:] {
			if rec[0] != "PO-CSV-3" || rec[len(rec)-1] != "cancelled" {
				t.Errorf("cancellation row %q", rec)
			}
		}
	})
}

func TestRender(t *testing.T) {
	edge := newEdge()
	po := channels.PO{PurchaseOrder: models.PurchaseOrder{ID: 7, Number: "../PO 12/3", Currency: "USD",
		Lines: []models.POLine{{ID: 1, SKU: "A-1", Title: "Cap", Quantity: 1, Cost: 100}}}}
	batching := channels.Partner{Settings: channels.Settings{CSV: channels.CSVSettings{Batch: true}}}

	out, err := edge.Render(ctx, nil, batching, po, "po")
	if err != nil || len(out) != 1 || out[0].Name != "PO-12-3.csv" || !out[0].Batched {
		t.Errorf("po: %v %+v", err, out)
	}
	out, err = edge.Render(ctx, nil, batching, po, "cancel")
	if err != nil || len(out) != 1 || out[0].Name != "PO-12-3-cancel.csv" || out[0].Batched || out[0].Kind != "cancel" {
		t.Errorf("a cancellation waits for no batch: %v %+v", err, out)
	}
	po.Number = "..."
	if out, _ := edge.Render(ctx, nil, batching, po, "po"); out[0].Name != "PO-7.csv" {
		t.Errorf("a number with nothing usable in a file name gave %q", out[0].Name)
	}

	bad := channels.Partner{Settings: channels.Settings{CSV: channels.CSVSettings{Columns: []channels.Column{{Field: "sku"}, {Field: "colour"}}}}}
	if _, err := edge.Render(ctx, nil, bad, po, "po"); err == nil || !strings.Contains(err.Error(), `"colour"`) {
		t.Errorf("a template naming an unknown field: %v", err)
	}
	if _, err := edge.Render(ctx, nil, batching, po, "invoice"); err == nil {
		t.Error("an unknown kind rendered")
	}
}

// deliver creates a second order and PO of the trade's partnership and
// delivers it.
func deliver(t *testing.T, w *channelstest.World, tr channelstest.Trade, number string, l channelstest.Line) models.PurchaseOrder {
	t.Helper()
	db := w.DB.Gorm
	order := tr.Order
	order.ID, order.ExternalID, order.Name, order.Number = 0, "2000"+number, "#2000", 2000
	if err := db.Create(&order).Error; err != nil {
		t.Fatal(err)
	}
	ol := models.OrderLine{OrderID: order.ID, ExternalID: "9100" + number, VariantID: "4100", SKU: l.SKU, Title: l.Title,
		Quantity: l.Quantity, FulfillableQuantity: l.Quantity, RequiresShipping: true}
	if err := db.Create(&ol).Error; err != nil {
		t.Fatal(err)
	}
	cost, err := money.Parse(l.Cost, "USD")
	if err != nil {
		t.Fatal(err)
	}
	po := models.PurchaseOrder{Number: number, OrderID: order.ID, RetailerID: tr.Retailer.ID, SupplierID: tr.Supplier.ID,
		State: models.POPending, Currency: "USD", ShipTo: tr.PO.ShipTo, TotalCost: cost * money.Amount(l.Quantity),
		CreatedAt: w.Now, UpdatedAt: w.Now}
	if err := db.Create(&po).Error; err != nil {
		t.Fatal(err)
	}
	pl := models.POLine{PurchaseOrderID: po.ID, OrderLineID: ol.ID, SKU: l.SKU, Title: l.Title, Quantity: l.Quantity,
		Cost: cost, State: models.LineOpen}
	if err := db.Create(&pl).Error; err != nil {
		t.Fatal(err)
	}
	if err := w.Purchasing.Deliver(ctx, po.ID); err != nil {
		t.Fatal(err)
	}
	return w.PO(po.ID)
}

func TestBatchModeSendsOneFile(t *testing.T) {
	edge := newEdge()
	channelstest.Each(t, models.ChannelSFTP, edge, func(t *testing.T, w *channelstest.World) {
		set, secret, srv := partner(t)
		set.CSV.Batch = true
		tr := w.Trade(models.ChannelSFTP, set, secret, "PO-B-1", lines...)
		second := deliver(t, w, tr, "PO-B-2", channelstest.Line{SKU: "CAP-9", Title: "Cap", Quantity: 3, Cost: "4.00"})
		out := w.Outbound(tr.Partnership.ID)
		if len(out) != 2 || out[0].State != models.MessageBatched || out[1].State != models.MessageBatched {
			t.Fatalf("outbound before the flush %+v", out)
		}
		if errs := w.Send(tr.Partnership.ID); len(errs) != 0 {
			t.Fatalf("batched messages were sent on their own: %v", errs)
		}

		if err := w.Channels.Flush(ctx, tr.Partnership.ID); err != nil {
			t.Fatal(err)
		}
		out = w.Outbound(tr.Partnership.ID)
		if len(out) != 3 || out[2].Kind != "batch" || out[2].Name != "POs-20261130T120000Z.csv" || out[2].State != models.MessageQueued {
			t.Fatalf("outbound after the flush %+v", out)
		}
		sendAll(t, w, tr.Partnership.ID)
		for _, m := range w.Outbound(tr.Partnership.ID) {
			if m.State != models.MessageSent {
				t.Errorf("message %s is %s once its batch is sent", m.Name, m.State)
			}
		}
		files, err := os.ReadDir(filepath.Join(srv.Root(), "outbound"))
		if err != nil || len(files) != 1 || files[0].Name() != "POs-20261130T120000Z.csv" {
			t.Fatalf("outbound folder %v %v, want the batch file alone", err, files)
		}
		got := readCSV(t, filepath.Join(srv.Root(), "outbound", files[0].Name()))
		if len(got) != 4 || !reflect.DeepEqual(got[0], channels.POFields) {
			t.Fatalf("batch file %q", got)
		}
		var numbers, skus []string
		for _, rec := range got[1:] {
			numbers, skus = append(numbers, rec[0]), append(skus, rec[14])
		}
		if want := []string{"PO-B-1", "PO-B-1", second.Number}; !reflect.DeepEqual(numbers, want) {
			t.Errorf("batch rows are of %v, want %v", numbers, want)
		}
		if want := []string{"00123", "1E5", "CAP-9"}; !reflect.DeepEqual(skus, want) {
			t.Errorf("batch SKUs %v, want %v", skus, want)
		}
		if h := w.History(second.ID); !strings.Contains(strings.Join(h, "\n"), "sent in batch file POs-20261130T120000Z.csv") {
			t.Errorf("history of the second PO: %q", h)
		}
	})
}

// A template changed while POs waited: the batch has every column, each
// cell under its own header.
func TestBatchLinesUpColumnsByHeader(t *testing.T) {
	msgs := []models.OutboundMessage{
		{ID: 1, Name: "PO-1.csv", Body: []byte("sku,quantity\r\nA,1\r\n")},
		{ID: 2, Name: "PO-2.csv", Body: []byte("sku,title,quantity\r\nB,Cap,2\r\nC,Bag,3\r\n")},
	}
	out, err := newEdge().Batch(ctx, channels.Partner{}, msgs)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(out.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"sku", "quantity", "title"}, {"A", "1", ""}, {"B", "2", "Cap"}, {"C", "3", "Bag"}}
	if out.Kind != "batch" || !reflect.DeepEqual(recs, want) {
		t.Errorf("batch %s %q, want %q", out.Kind, recs, want)
	}
}

// otherFingerprint is the fingerprint of a key the server does not have.
func otherFingerprint(t *testing.T) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return ssh.FingerprintSHA256(signer.PublicKey())
}

func TestHostKeyMismatchIsPermanent(t *testing.T) {
	edge := newEdge()
	channelstest.Each(t, models.ChannelSFTP, edge, func(t *testing.T, w *channelstest.World) {
		set, secret, srv := partner(t)
		set.SFTP.Fingerprint = otherFingerprint(t)
		tr := w.Trade(models.ChannelSFTP, set, secret, "PO-K-1", lines...)
		p, err := w.Channels.Partner(ctx, tr.Partnership.ID)
		if err != nil {
			t.Fatal(err)
		}
		m := w.Outbound(tr.Partnership.ID)[0]
		err = edge.Send(ctx, p, m)
		if !errors.Is(err, channels.ErrPermanent) {
			t.Fatalf("send to a server with another host key: %v, want a permanent error", err)
		}
		_, err = edge.Test(ctx, w.DB.Gorm, p)
		if err == nil || !strings.Contains(err.Error(), "host key mismatch") ||
			!strings.Contains(err.Error(), set.SFTP.Fingerprint) || !strings.Contains(err.Error(), srv.Fingerprint()) {
			t.Errorf("test with another host key: %v, want both fingerprints", err)
		}
		w.Send(tr.Partnership.ID)
		if m := w.Outbound(tr.Partnership.ID)[0]; m.State != models.MessageFailed || m.Attempts != 1 {
			t.Errorf("after one permanent failure the message is %s after %d attempts", m.State, m.Attempts)
		}
		if files, _ := os.ReadDir(filepath.Join(srv.Root(), "outbound")); len(files) != 0 {
			t.Errorf("a file reached a server whose key does not match: %v", files)
		}
	})
}

func TestRefusedLoginIsPermanent(t *testing.T) {
	edge := newEdge()
	channelstest.Each(t, models.ChannelSFTP, edge, func(t *testing.T, w *channelstest.World) {
		set, secret, srv := partner(t)
		tr := w.Trade(models.ChannelSFTP, set, secret, "PO-L-1", lines...)
		p, err := w.Channels.Partner(ctx, tr.Partnership.ID)
		if err != nil {
			t.Fatal(err)
		}
		srv.SetRefuseAuth(true)
		if err := edge.Send(ctx, p, w.Outbound(tr.Partnership.ID)[0]); !errors.Is(err, channels.ErrPermanent) {
			t.Errorf("send with a refused login: %v, want a permanent error", err)
		}
		if _, err := edge.Test(ctx, w.DB.Gorm, p); err == nil || !strings.Contains(err.Error(), "refused authentication") {
			t.Errorf("test with a refused login: %v", err)
		}
	})
}

func TestUnreachableServerIsRetried(t *testing.T) {
	edge := newEdge()
	channelstest.Each(t, models.ChannelSFTP, edge, func(t *testing.T, w *channelstest.World) {
		set, secret, srv := partner(t)
		tr := w.Trade(models.ChannelSFTP, set, secret, "PO-U-1", lines...)
		p, err := w.Channels.Partner(ctx, tr.Partnership.ID)
		if err != nil {
			t.Fatal(err)
		}
		srv.Stop()
		err = edge.Send(ctx, p, w.Outbound(tr.Partnership.ID)[0])
		if err == nil || errors.Is(err, channels.ErrPermanent) {
			t.Fatalf("send to a stopped server: %v, want a retryable error", err)
		}
		w.Send(tr.Partnership.ID)
		if m := w.Outbound(tr.Partnership.ID)[0]; m.State != models.MessageQueued || m.Error == "" {
			t.Fatalf("after an outage the message is %s (%q), want queued with the error", m.State, m.Error)
		}
		if err := srv.Restart(); err != nil {
			t.Fatal(err)
		}
		sendAll(t, w, tr.Partnership.ID)
		if m := w.Outbound(tr.Partnership.ID)[0]; m.State != models.MessageSent {
			t.Fatalf("after the restart the message is %s (%q)", m.State, m.Error)
		}
		readCSV(t, filepath.Join(srv.Root(), "outbound", "PO-U-1.csv"))
	})
}

func TestTestSaysWhatItChecked(t *testing.T) {
	edge := newEdge()
	channelstest.Each(t, models.ChannelSFTP, edge, func(t *testing.T, w *channelstest.World) {
		set, secret, srv := partner(t)
		tr := w.Trade(models.ChannelSFTP, set, secret, "PO-T-1", lines...)
		p, err := w.Channels.Partner(ctx, tr.Partnership.ID)
		if err != nil {
			t.Fatal(err)
		}
		said, err := edge.Test(ctx, w.DB.Gorm, p)
		if err != nil || !strings.Contains(said, "/outbound") || !strings.Contains(said, "/inbound") || !strings.Contains(said, srv.Host()) {
			t.Errorf("test: %q %v", said, err)
		}
		if files, _ := os.ReadDir(filepath.Join(srv.Root(), "outbound")); len(files) != 0 {
			t.Errorf("the test wrote %v to the supplier's folder", files)
		}
		if err := os.RemoveAll(filepath.Join(srv.Root(), "inbound")); err != nil {
			t.Fatal(err)
		}
		if _, err := edge.Test(ctx, w.DB.Gorm, p); err == nil || !strings.Contains(err.Error(), `"/inbound" does not exist`) {
			t.Errorf("test without an inbound folder: %v", err)
		}
	})
}
