package edi_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/app/channels/edi"
	"github.com/consign/consign/app/database/dbtest"
	"github.com/consign/consign/app/devkit/channelstest"
	"github.com/consign/consign/app/ingest"
	"github.com/consign/consign/app/pipeline"
	"github.com/consign/consign/app/x12"
	"github.com/consign/consign/models"
)

// BenchmarkApplyShipNotices stores and applies b.N 856 documents, one
// per PO, through the same path a polled file takes (Receive, then the
// pipeline's ProcessEvent with the EDI handler: parse, plan, shipments
// written, PO shipped, 997 queued). Two baselines run in the same process
// on the same database: splitting the same bytes on the segment terminator
// (x_split), and a plain INSERT of each document's bytes in its own
// transaction (x_insert), the least any durable apply must do.
//
//	go test -run '^$' -bench ApplyShipNotices -benchtime 500x ./app/channels/edi
func BenchmarkApplyShipNotices(b *testing.B) {
	for _, d := range dbtest.Dialects(b) {
		b.Run(string(d), func(b *testing.B) {
			edge := &edi.Edge{Now: func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) }}
			w := channelstest.New(b, d, models.ChannelEDI, edge)
			set := channels.Settings{
				SFTP: channels.SFTPSettings{Host: "edi.blueharbor.example", Port: 22, User: "consign", Outbound: "/out", Inbound: "/in"},
				EDI:  channels.EDISettings{SenderID: "CONSIGN", ReceiverID: "BLUEHARBOR", Version: "004010"},
			}
			trades := make([]channelstest.Trade, b.N)
			docs := make([][]byte, b.N)
			for i := range b.N {
				number := "PO-B-" + strconv.Itoa(i)
				trades[i] = w.Trade(models.ChannelEDI, set, &channels.Secrets{Password: "pw"}, number,
					channelstest.Line{SKU: "CAP-" + strconv.Itoa(i), GTIN: "", Title: "Cap", Quantity: 2, Cost: "3.50"},
					channelstest.Line{SKU: "00123-" + strconv.Itoa(i), Title: "Bag", Quantity: 1, Cost: "12.00"})
				docs[i] = shipNotice(b, trades[i], i)
			}
			ctx := context.Background()
			gdb := w.DB.Gorm

			start := time.Now()
			segments := 0
			for _, raw := range docs {
				segments += len(bytes.Split(raw, []byte{'~'}))
			}
			split := time.Since(start)

			if err := gdb.Exec(`CREATE TABLE bench_plain (id INTEGER PRIMARY KEY, body TEXT NOT NULL)`).Error; err != nil {
				b.Fatal(err)
			}
			start = time.Now()
			for i, raw := range docs {
				if err := gdb.Transaction(func(tx *gorm.DB) error {
					return tx.Exec(`INSERT INTO bench_plain (id, body) VALUES (?, ?)`, i+1, string(raw)).Error
				}); err != nil {
					b.Fatal(err)
				}
			}
			insert := time.Since(start)

			p := &pipeline.Pipeline{DB: w.DB, Queue: w.Jobs, Now: func() time.Time { return w.Now }, Log: slog.New(slog.DiscardHandler),
				Topics: map[string]pipeline.TopicHandler{models.ChannelEDI + " " + channels.TopicFile: w.Channels.Handler(edge.HandleFile)}}
			b.ResetTimer()
			start = time.Now()
			for i, raw := range docs {
				var id int64
				if err := gdb.Transaction(func(tx *gorm.DB) error {
					var err error
					_, id, err = w.Channels.Receive(ctx, tx, ingest.Message{PartnershipID: trades[i].Partnership.ID, Channel: models.ChannelEDI,
						Topic: channels.TopicFile, DedupKey: fmt.Sprintf("856-%d.edi", i), Headers: map[string]string{"File-Name": fmt.Sprintf("856-%d.edi", i)}, Body: raw})
					return err
				}); err != nil {
					b.Fatal(err)
				}
				if err := p.ProcessEvent(ctx, id); err != nil {
					b.Fatal(err)
				}
			}
			applied := time.Since(start)
			b.StopTimer()

			var shipped, failed int64
			gdb.Model(&models.PurchaseOrder{}).Where("state = ?", models.POShipped).Count(&shipped)
			gdb.Model(&models.WebhookEvent{}).Where("partnership_id IS NOT NULL AND state <> ?", models.EventProcessed).Count(&failed)
			if shipped != int64(b.N) || failed != 0 {
				b.Fatalf("%d of %d POs shipped, %d events not processed", shipped, b.N, failed)
			}
			b.ReportMetric(float64(b.N)/applied.Seconds(), "docs/s")
			b.ReportMetric(insert.Seconds()/applied.Seconds(), "x_insert")
			b.ReportMetric(split.Seconds()/applied.Seconds(), "x_split")
			b.ReportMetric(float64(segments)/float64(b.N), "segments/doc")
		})
	}
}

// shipNotice is the 856 that ships every line of tr's PO under one UPS
// tracking number.
func shipNotice(b *testing.B, tr channelstest.Trade, i int) []byte {
	sn := &x12.ShipNotice{Purpose: "00", ShipmentID: "SHIP-" + strconv.Itoa(i), Date: "20261201", Carrier: "UPSN",
		TrackingNumbers: []string{fmt.Sprintf("1Z999AA1%010d", i)}, Orders: []x12.ShipOrder{{PONumber: tr.PO.Number}}}
	for j, l := range tr.PO.Lines {
		sn.Orders[0].Items = append(sn.Orders[0].Items, x12.ShipItem{LineNumber: strconv.Itoa(j + 1), Quantity: strconv.Itoa(l.Quantity),
			Unit: "EA", IDs: []x12.ID{{Qualifier: "VN", Value: l.SKU}}})
	}
	env := x12.Envelope{SenderQualifier: "ZZ", SenderID: "BLUEHARBOR", ReceiverQualifier: "ZZ", ReceiverID: "CONSIGN",
		Version: "004010", Usage: "P", InterchangeControl: int64(i + 1), GroupControl: int64(i + 1),
		Time: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), LineBreaks: true}
	raw, err := x12.Encode(env, "SH", []x12.SetBody{sn.Set()})
	if err != nil {
		b.Fatal(err)
	}
	return raw
}
