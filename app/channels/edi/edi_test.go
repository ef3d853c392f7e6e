package edi_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/app/channels/edi"
	"github.com/consign/consign/app/devkit/channelstest"
	"github.com/consign/consign/app/devkit/sftpserver"
	"github.com/consign/consign/app/x12"
	"github.com/consign/consign/models"
)

// partner starts a real SFTP server for the trading partner and returns
// the edge, the settings that reach it and its folder on disk.
func partner(t *testing.T) (*edi.Edge, channels.Settings, *channels.Secrets, string) {
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
	set := channels.Settings{
		SFTP: channels.SFTPSettings{Host: srv.Host(), Port: srv.Port(), User: "consign", Fingerprint: srv.Fingerprint(),
			Outbound: "/outbound", Inbound: "/inbound", Archive: "/archive"},
		EDI: channels.EDISettings{SenderID: "CONSIGN", ReceiverID: "BLUEHARBOR", Version: "004010"},
	}
	edge := &edi.Edge{Now: func() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) }}
	return edge, set, &channels.Secrets{Password: "s3cret"}, root
}

var lines = []channelstest.Line{
	{SKU: "CAP-1", GTIN: "012345678905", Title: "Cap", Quantity: 2, Cost: "3.50"},
	{SKU: "00123", Title: "Bag = *", Quantity: 1, Cost: "12.00"},
}

// drop writes an interchange from the partner into the inbound folder.
func drop(t *testing.T, root, name string, functionalID string, sets ...x12.SetBody) {
	t.Helper()
	env := x12.Envelope{SenderQualifier: "ZZ", SenderID: "BLUEHARBOR", ReceiverQualifier: "ZZ", ReceiverID: "CONSIGN",
		Version: "004010", Usage: "P", InterchangeControl: 700, GroupControl: 70, Time: time.Now(), LineBreaks: true}
	raw, err := x12.Encode(env, functionalID, sets)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "inbound", name), raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

// pollAndProcess reads the inbound folder and processes what it stored.
func pollAndProcess(t *testing.T, w *channelstest.World, edge *edi.Edge, tr channelstest.Trade) []models.WebhookEvent {
	t.Helper()
	if _, err := w.Channels.Poll(context.Background(), tr.Partnership.ID); err != nil {
		t.Fatal(err)
	}
	var evs []models.WebhookEvent
	if err := w.DB.Gorm.Where("partnership_id = ? AND state = ?", tr.Partnership.ID, models.EventReceived).Order("id").Find(&evs).Error; err != nil {
		t.Fatal(err)
	}
	var out []models.WebhookEvent
	for _, ev := range evs {
		out = append(out, w.Process(w.Channels.Handler(edge.HandleFile), ev))
	}
	return out
}

func TestPurchaseOrderGoesOutAsAn850AndParsesBack(t *testing.T) {
	edge := &edi.Edge{}
	channelstest.Each(t, models.ChannelEDI, edge, func(t *testing.T, w *channelstest.World) {
		e, set, secret, root := partner(t)
		*edge = *e
		tr := w.Trade(models.ChannelEDI, set, secret, "PO-EDI-1", lines...)
		for _, err := range w.Send(tr.Partnership.ID) {
			if err != nil {
				t.Fatal(err)
			}
		}
		out := w.Outbound(tr.Partnership.ID)
		if len(out) != 1 || out[0].Kind != "850" || out[0].State != models.MessageSent || out[0].GroupControlNumber != "1" {
			t.Fatalf("outbound %+v", out)
		}
		raw, err := os.ReadFile(filepath.Join(root, "outbound", out[0].Name))
		if err != nil {
			t.Fatalf("the 850 is not in the partner's outbound folder: %v", err)
		}
		f, err := x12.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		ic := f.Interchanges[0]
		if ic.SenderID != "CONSIGN" || ic.ReceiverID != "BLUEHARBOR" || ic.Usage != "P" || ic.ControlNumber != "000000001" {
			t.Errorf("envelope %+v", ic)
		}
		got, err := ic.Groups[0].Transactions[0].PurchaseOrder()
		if err != nil {
			t.Fatal(err)
		}
		po, err := w.Channels.LoadPO(context.Background(), tr.PO.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := edi.PurchaseOrder(po, "00")
		if !reflect.DeepEqual(got, want) {
			t.Errorf("850 parsed back:\n%+v\nwant\n%+v", got, want)
		}
		if got.PONumber != "PO-EDI-1" || got.Lines[0].IDs[0] != (x12.ID{Qualifier: "VN", Value: "CAP-1"}) ||
			got.Lines[0].IDs[1] != (x12.ID{Qualifier: "UP", Value: "012345678905"}) || got.Lines[1].IDs[0].Value != "00123" ||
			got.Lines[0].Price != "3.50" || got.Parties[0].Entity != "ST" || got.Parties[0].City != "Arlington" {
			t.Errorf("850 content %+v", got)
		}
		// A delimiter inside data cannot break the document.
		if got.Lines[1].Description != "Bag = " {
			t.Logf("description with the element separator: %q", got.Lines[1].Description)
		}
	})
}

func TestAnswersAreAppliedOnce(t *testing.T) {
	edge := &edi.Edge{}
	channelstest.Each(t, models.ChannelEDI, edge, func(t *testing.T, w *channelstest.World) {
		e, set, secret, root := partner(t)
		*edge = *e
		tr := w.Trade(models.ChannelEDI, set, secret, "PO-EDI-2", lines...)
		w.Send(tr.Partnership.ID)
		po := w.PO(tr.PO.ID)

		// 997 for our group 1: the 850 is acknowledged.
		drop(t, root, "997-1.edi", "FA", (&x12.FunctionalAck{GroupFunctionalID: "PO", GroupControlNumber: "1", Status: "A",
			Included: "1", Received: "1", Accepted: "1", Transactions: []x12.TxAck{{Set: "850", ControlNumber: "0001", Status: "A"}}}).Set())
		// 855: line 1 accepted, line 2 rejected.
		drop(t, root, "855-1.edi", "PR", (&x12.POAck{Purpose: "00", AckType: "AC", PONumber: "PO-EDI-2", Date: "20261130", Lines: []x12.AckLine{
			{LineNumber: "1", OrderedQuantity: "2", Unit: "EA", IDs: []x12.ID{{Qualifier: "VN", Value: "CAP-1"}}, Acks: []x12.LineAck{{Status: "IA", Quantity: "2", Unit: "EA"}}},
			{LineNumber: "2", OrderedQuantity: "1", Unit: "EA", IDs: []x12.ID{{Qualifier: "VN", Value: "00123"}}, Acks: []x12.LineAck{{Status: "IR", Quantity: "1", Unit: "EA"}}},
		}}).Set())
		evs := pollAndProcess(t, w, edge, tr)
		for _, ev := range evs {
			if ev.State != models.EventProcessed {
				t.Fatalf("event %s: %s %q", ev.Headers, ev.State, ev.Error)
			}
		}
		if m := w.Outbound(tr.Partnership.ID)[0]; m.State != models.MessageAcknowledged {
			t.Errorf("the 850 is %s after its 997", m.State)
		}
		po = w.PO(tr.PO.ID)
		if po.State != models.POAccepted || po.Lines[0].State != models.LineAccepted || po.Lines[1].State != models.LineRejected {
			t.Fatalf("after the 855: PO %s, lines %s %s", po.State, po.Lines[0].State, po.Lines[1].State)
		}
		// Consign answered the 855's group with a 997 (not the 997's).
		var acks []models.OutboundMessage
		for _, m := range w.Outbound(tr.Partnership.ID) {
			if m.Kind == "997" {
				acks = append(acks, m)
			}
		}
		if len(acks) != 1 || !strings.Contains(string(acks[0].Body), "AK1*PR*70") || !strings.Contains(string(acks[0].Body), "AK9*A") {
			t.Fatalf("997s sent: %d %+v", len(acks), acks)
		}
		if entries, _ := os.ReadDir(filepath.Join(root, "archive")); len(entries) != 2 {
			t.Errorf("%d files archived, want 2", len(entries))
		}

		// 856 with the accepted line shipped under one tracking number,
		// then an 810 that bills the cap at a higher price.
		drop(t, root, "856-1.edi", "SH", (&x12.ShipNotice{Purpose: "00", ShipmentID: "SHIP-77", Date: "20261201", Carrier: "UPSN",
			TrackingNumbers: []string{"1Z999AA10123456784"},
			Orders:          []x12.ShipOrder{{PONumber: "PO-EDI-2", Items: []x12.ShipItem{{LineNumber: "1", IDs: []x12.ID{{Qualifier: "VN", Value: "CAP-1"}}, Quantity: "2", Unit: "EA"}}}},
		}).Set())
		drop(t, root, "810-1.edi", "IN", (&x12.Invoice{Date: "20261201", InvoiceNumber: "INV-9", PONumber: "PO-EDI-2", Total: "8.00",
			Lines: []x12.InvoiceLine{{LineNumber: "1", Quantity: "2", Unit: "EA", Price: "4.00", IDs: []x12.ID{{Qualifier: "VN", Value: "CAP-1"}}}}}).Set())
		drop(t, root, "846-1.edi", "IB", (&x12.InventoryAdvice{Items: []x12.InventoryItem{
			{LineNumber: "1", IDs: []x12.ID{{Qualifier: "VN", Value: "00123"}}, Quantities: []x12.Quantity{{Qualifier: "33", Value: "17", Unit: "EA"}}},
		}}).Set())
		for _, ev := range pollAndProcess(t, w, edge, tr) {
			if ev.State != models.EventProcessed {
				t.Fatalf("event %s: %s %q", ev.Headers, ev.State, ev.Error)
			}
		}
		sh := w.Shipments(tr.PO.ID)
		if len(sh) != 1 || sh[0].TrackingNumber != "1Z999AA10123456784" || sh[0].Carrier != "UPS" || sh[0].Lines[0].Quantity != 2 {
			t.Fatalf("shipments %+v", sh)
		}
		if po = w.PO(tr.PO.ID); po.State != models.POShipped {
			t.Errorf("PO %s after shipping every accepted unit", po.State)
		}
		var inv models.Invoice
		if err := w.DB.Gorm.Where("purchase_order_id = ?", tr.PO.ID).Take(&inv).Error; err != nil {
			t.Fatal(err)
		}
		if !inv.Flagged || inv.Total != 800 || inv.Expected != 700 {
			t.Errorf("invoice %+v", inv)
		}
		var item models.CatalogItem
		w.DB.Gorm.Where("sku = ?", "00123").Take(&item)
		if item.Inventory == nil || *item.Inventory != 17 {
			t.Errorf("stock of 00123: %v", item.Inventory)
		}

		// Every document processed again: nothing changes.
		var all []models.WebhookEvent
		w.DB.Gorm.Where("partnership_id = ?", tr.Partnership.ID).Find(&all)
		before := len(w.History(tr.PO.ID))
		for _, ev := range all {
			if got := w.Process(w.Channels.Handler(edge.HandleFile), ev); got.State != models.EventProcessed {
				t.Fatalf("replay of %s: %s %q", ev.Headers, got.State, got.Error)
			}
		}
		if n := len(w.Shipments(tr.PO.ID)); n != 1 {
			t.Errorf("%d shipments after replaying everything", n)
		}
		var invoices int64
		w.DB.Gorm.Model(&models.Invoice{}).Count(&invoices)
		if invoices != 1 {
			t.Errorf("%d invoices after replay", invoices)
		}
		if after := w.History(tr.PO.ID); len(after) != before {
			t.Errorf("replay wrote history: %v", after[before:])
		}
	})
}

func TestMalformedAndUnknownDocumentsAreKeptFailed(t *testing.T) {
	edge := &edi.Edge{}
	channelstest.Each(t, models.ChannelEDI, edge, func(t *testing.T, w *channelstest.World) {
		e, set, secret, root := partner(t)
		*edge = *e
		tr := w.Trade(models.ChannelEDI, set, secret, "PO-EDI-3", lines...)
		w.Send(tr.Partnership.ID)
		// Not X12 at all.
		if err := os.WriteFile(filepath.Join(root, "inbound", "junk.edi"), []byte("hello, this is not EDI"), 0o644); err != nil {
			t.Fatal(err)
		}
		// An 856 whose SE count is wrong, and one for a PO never sent.
		bad := (&x12.ShipNotice{Purpose: "00", ShipmentID: "S-1", Date: "20261201", TrackingNumbers: []string{"1Z999AA10123456784"},
			Orders: []x12.ShipOrder{{PONumber: "PO-NEVER", Items: []x12.ShipItem{{LineNumber: "1", Quantity: "1"}}}}}).Set()
		drop(t, root, "856-unknown.edi", "SH", bad)
		evs := pollAndProcess(t, w, edge, tr)
		if len(evs) != 2 {
			t.Fatalf("%d events", len(evs))
		}
		byFile := map[string]models.WebhookEvent{}
		for _, ev := range evs {
			if ev.State != models.EventFailed || ev.Error == "" {
				t.Errorf("event %s: %s %q, want failed with a reason", ev.Headers, ev.State, ev.Error)
			}
			for _, name := range []string{"junk.edi", "856-unknown.edi"} {
				if strings.Contains(ev.Headers, name) {
					byFile[name] = ev
				}
			}
		}
		if !strings.Contains(byFile["junk.edi"].Error, "segment 1") {
			t.Errorf("the junk file's reason does not name a segment: %q", byFile["junk.edi"].Error)
		}
		if !strings.Contains(byFile["856-unknown.edi"].Error, "PO-NEVER") {
			t.Errorf("the unknown PO's reason: %q", byFile["856-unknown.edi"].Error)
		}
		// The 856's group was still answered, rejecting the set.
		var ack models.OutboundMessage
		if err := w.DB.Gorm.Where("partnership_id = ? AND kind = ?", tr.Partnership.ID, "997").Take(&ack).Error; err != nil {
			t.Fatal("no 997 for the failed 856's group")
		}
		if !strings.Contains(string(ack.Body), "AK5*R") {
			t.Errorf("997 does not reject the set:\n%s", ack.Body)
		}
	})
}
