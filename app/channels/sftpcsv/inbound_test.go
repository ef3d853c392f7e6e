package sftpcsv_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/consign/consign/app/channels/sftpcsv"
	"github.com/consign/consign/app/devkit/channelstest"
	"github.com/consign/consign/app/devkit/sftpserver"
	"github.com/consign/consign/models"
)

// drop leaves a file in the supplier's inbound folder.
func drop(t *testing.T, srv *sftpserver.Server, name string, body []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(srv.Root(), "inbound", name), body, 0o644); err != nil {
		t.Fatal(err)
	}
}

// pollAndProcess reads the inbound folder as the poll job does and
// processes the events it stored with the edge's handler.
func pollAndProcess(t *testing.T, w *channelstest.World, edge *sftpcsv.Edge, tr channelstest.Trade) (int, []models.WebhookEvent) {
	t.Helper()
	stored, err := w.Channels.Poll(ctx, tr.Partnership.ID)
	if err != nil {
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
	return stored, out
}

// one processes the one file a poll should find.
func one(t *testing.T, w *channelstest.World, edge *sftpcsv.Edge, tr channelstest.Trade) models.WebhookEvent {
	t.Helper()
	stored, evs := pollAndProcess(t, w, edge, tr)
	if stored != 1 || len(evs) != 1 {
		t.Fatalf("poll stored %d files, processed %d events; want one", stored, len(evs))
	}
	return evs[0]
}

func processed(t *testing.T, ev models.WebhookEvent) {
	t.Helper()
	if ev.State != models.EventProcessed {
		t.Fatalf("event %s is %s: %q", ev.Headers, ev.State, ev.Error)
	}
}

func files(t *testing.T, srv *sftpserver.Server, folder string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(srv.Root(), folder))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// tracking ships one unit of two, so a file applied twice would ship the
// second one.
const tracking = "PO Number,SKU,Quantity,Carrier,Tracking Number\r\nPO-IN-1,00123,1,UPS,1Z999AA10123456784\r\n"

func TestTrackingFileShipsOnce(t *testing.T) {
	edge := newEdge()
	channelstest.Each(t, models.ChannelSFTP, edge, func(t *testing.T, w *channelstest.World) {
		set, secret, srv := partner(t)
		tr := w.Trade(models.ChannelSFTP, set, secret, "PO-IN-1", lines...)
		sendAll(t, w, tr.Partnership.ID)

		drop(t, srv, "tracking-1.csv", []byte(tracking))
		ev := one(t, w, edge, tr)
		processed(t, ev)
		if !strings.Contains(ev.Error, "tracking-1.csv: 1 shipments recorded") {
			t.Errorf("note %q", ev.Error)
		}
		sh := w.Shipments(tr.PO.ID)
		if len(sh) != 1 || sh[0].TrackingNumber != "1Z999AA10123456784" || sh[0].Carrier != "UPS" ||
			!strings.HasPrefix(sh[0].TrackingURL, "https://www.ups.com/") || len(sh[0].Lines) != 1 || sh[0].Lines[0].Quantity != 1 {
			t.Fatalf("shipments %+v", sh)
		}
		if po := w.PO(tr.PO.ID); po.State != models.POPartiallyShipped {
			t.Errorf("PO %s with one unit of three shipped", po.State)
		}
		timeline, err := w.Channels.Timeline(ctx, tr.PO.ID)
		if err != nil {
			t.Fatal(err)
		}
		if last := timeline[len(timeline)-1]; last.Direction != "in" || last.EventID != ev.ID {
			t.Errorf("the tracking file is not on the PO's timeline: %+v", timeline)
		}
		if got := files(t, srv, "archive"); len(got) != 1 || got[0] != "tracking-1.csv" {
			t.Errorf("archive %v", got)
		}
		if got := files(t, srv, "inbound"); len(got) != 0 {
			t.Errorf("inbound %v after the poll", got)
		}

		// Archived: the next poll finds nothing.
		if stored, evs := pollAndProcess(t, w, edge, tr); stored != 0 || len(evs) != 0 {
			t.Errorf("a second poll stored %d", stored)
		}
		// The same file left again is a duplicate: archived, not stored.
		drop(t, srv, "tracking-1.csv", []byte(tracking))
		if stored, _ := pollAndProcess(t, w, edge, tr); stored != 0 {
			t.Errorf("the same file again stored %d events", stored)
		}
		if got := files(t, srv, "inbound"); len(got) != 0 {
			t.Errorf("the duplicate stayed in the inbound folder: %v", got)
		}
		// Replayed: the shipment's key (file name and hash) ships nothing new.
		processed(t, w.Process(w.Channels.Handler(edge.HandleFile), ev))
		if n := len(w.Shipments(tr.PO.ID)); n != 1 {
			t.Errorf("%d shipments after the file came twice and was replayed", n)
		}
	})
}

func TestXLSXTrackingFile(t *testing.T) {
	edge := newEdge()
	channelstest.Each(t, models.ChannelSFTP, edge, func(t *testing.T, w *channelstest.World) {
		set, secret, srv := partner(t)
		tr := w.Trade(models.ChannelSFTP, set, secret, "PO-X-1", lines...)
		sendAll(t, w, tr.Partnership.ID)

		f := excelize.NewFile()
		sheet := f.GetSheetName(0)
		for i, row := range [][]any{
			{"PO Number", "SKU", "Quantity", "Carrier", "Tracking Number"},
			{"PO-X-1", "00123", 2, "USPS", "9400111899223100000001"},
			{"PO-X-1", "1E5", 1, "USPS", "9400111899223100000001"},
		} {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(sheet, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		drop(t, srv, "tracking.xlsx", buf.Bytes())
		processed(t, one(t, w, edge, tr))
		sh := w.Shipments(tr.PO.ID)
		if len(sh) != 1 || sh[0].TrackingNumber != "9400111899223100000001" || len(sh[0].Lines) != 2 {
			t.Fatalf("shipments %+v", sh)
		}
		if po := w.PO(tr.PO.ID); po.State != models.POShipped {
			t.Errorf("PO %s with every line shipped", po.State)
		}
	})
}

func TestInventoryFileSetsStock(t *testing.T) {
	edge := newEdge()
	channelstest.Each(t, models.ChannelSFTP, edge, func(t *testing.T, w *channelstest.World) {
		set, secret, srv := partner(t)
		tr := w.Trade(models.ChannelSFTP, set, secret, "PO-S-1", lines...)
		drop(t, srv, "stock.csv", []byte("SKU;Qty\n00123;17\n1E5;0\nNOT-OURS;5\n"))
		ev := one(t, w, edge, tr)
		processed(t, ev)
		if !strings.Contains(ev.Error, "stock set for 2 items") || !strings.Contains(ev.Error, "NOT-OURS") {
			t.Errorf("note %q", ev.Error)
		}
		for sku, want := range map[string]int{"00123": 17, "1E5": 0} {
			var item models.CatalogItem
			if err := w.DB.Gorm.Where("supplier_id = ? AND sku = ?", tr.Supplier.ID, sku).Take(&item).Error; err != nil {
				t.Fatalf("catalog item %s: %v", sku, err)
			}
			if item.Inventory == nil || *item.Inventory != want {
				t.Errorf("stock of %s: %v, want %d", sku, item.Inventory, want)
			}
		}
	})
}

func TestBadRowsAreRefusedAndTheRestApplied(t *testing.T) {
	edge := newEdge()
	channelstest.Each(t, models.ChannelSFTP, edge, func(t *testing.T, w *channelstest.World) {
		set, secret, srv := partner(t)
		tr := w.Trade(models.ChannelSFTP, set, secret, "PO-R-1", lines...)
		sendAll(t, w, tr.Partnership.ID)
		// A PO of the same supplier, cancelled since: its rows are refused
		// and the others still apply.
		gone := deliver(t, w, tr, "PO-R-2", channelstest.Line{SKU: "CAP-9", Title: "Cap", Quantity: 1, Cost: "4.00"})
		if err := w.DB.Gorm.Model(&models.PurchaseOrder{}).Where("id = ?", gone.ID).Update("state", models.POCancelled).Error; err != nil {
			t.Fatal(err)
		}
		drop(t, srv, "tracking.csv", []byte("po_number,sku,quantity,carrier,tracking_number\n"+
			"PO-R-1,00123,2,UPS,1Z999AA10123456784\n"+
			"PO-R-1,1E5,two,UPS,1Z999AA10123456784\n"+
			"PO-R-2,CAP-9,1,UPS,1Z999AA10123456785\n"))
		ev := one(t, w, edge, tr)
		// Applied in part: failed, with the refused lines, to replay once fixed.
		if ev.State != models.EventFailed {
			t.Fatalf("event %s is %s, want failed with the refused rows", ev.Headers, ev.State)
		}
		if !strings.Contains(ev.Error, `line 3: quantity "two"`) || !strings.Contains(ev.Error, "line 4: ") ||
			!strings.Contains(ev.Error, "cancelled") {
			t.Errorf("note %q, want lines 3 and 4 refused", ev.Error)
		}
		sh := w.Shipments(tr.PO.ID)
		if len(sh) != 1 || len(sh[0].Lines) != 1 || sh[0].Lines[0].Quantity != 2 {
			t.Fatalf("shipments %+v", sh)
		}
		if n := len(w.Shipments(gone.ID)); n != 0 {
			t.Errorf("%d shipments on the cancelled PO", n)
		}
	})
}

func TestFilesWithNothingToApplyFail(t *testing.T) {
	edge := newEdge()
	channelstest.Each(t, models.ChannelSFTP, edge, func(t *testing.T, w *channelstest.World) {
		set, secret, srv := partner(t)
		tr := w.Trade(models.ChannelSFTP, set, secret, "PO-F-1", lines...)
		sendAll(t, w, tr.Partnership.ID)
		for name, c := range map[string]struct{ body, reason string }{
			"broken.csv":  {"po_number,tracking_number\nPO-F-1,1Z\"99\n", "line 2"},
			"unknown.csv": {"colour,size\nred,M\n", "columns are colour, size"},
			"all-bad.csv": {"po_number,sku,quantity,tracking_number\nPO-F-1,00123,two,1Z999AA10123456784\n", `every row was refused: line 2: quantity "two"`},
			"never.csv":   {"po_number,tracking_number\nPO-NEVER,1Z999AA10123456784\n", "no purchase order PO-NEVER"},
		} {
			drop(t, srv, name, []byte(c.body))
			ev := one(t, w, edge, tr)
			if ev.State != models.EventFailed || !strings.Contains(ev.Error, name) || !strings.Contains(ev.Error, c.reason) {
				t.Errorf("%s: %s %q, want failed with %q", name, ev.State, ev.Error, c.reason)
			}
		}
		if n := len(w.Shipments(tr.PO.ID)); n != 0 {
			t.Errorf("%d shipments from files that failed", n)
		}
		// Kept: each failed file is an event to replay once fixed.
		var failed int64
		w.DB.Gorm.Model(&models.WebhookEvent{}).Where("partnership_id = ? AND state = ?", tr.Partnership.ID, models.EventFailed).Count(&failed)
		if failed != 4 {
			t.Errorf("%d failed events kept, want 4", failed)
		}
	})
}
