package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/app/channels/edi"
	"github.com/consign/consign/app/x12"
	"github.com/consign/consign/models"
)

// EDIOptions configure the EDI scenario.
type EDIOptions struct {
	Documents int    // 856 files to read (default 10,000)
	Dir       string // where they are written; a temporary folder when empty
}

// EDIReport compares reading 856 files into shipments (parse, decode, match
// each item to its PO line: what applying a ship notice does before it
// writes) with reading the same files and splitting them on the segment
// terminator, in the same run.
type EDIReport struct {
	Documents  int
	Bytes      int64
	Parse      time.Duration
	Baseline   time.Duration
	Shipments  int
	Segments   int // the baseline's count, so its work is not optimised away
	PeakRSS    int64
	BaselineKB int64
}

// Rate and BaselineRate are documents a second.
func (r EDIReport) Rate() float64         { return float64(r.Documents) / r.Parse.Seconds() }
func (r EDIReport) BaselineRate() float64 { return float64(r.Documents) / r.Baseline.Seconds() }

func (r EDIReport) String() string {
	return fmt.Sprintf("edi %s 856 documents (%d KB): parse+decode+match %.0f docs/s (%s, %d shipments) | baseline read+split %.0f docs/s (%s, %d segments) | ratio %.2fx | peak RSS %d MB",
		count(r.Documents), r.Bytes>>10, r.Rate(), r.Parse.Round(time.Millisecond), r.Shipments,
		r.BaselineRate(), r.Baseline.Round(time.Millisecond), r.Segments, r.Rate()/r.BaselineRate(), r.PeakRSS>>20)
}

// EDI writes o.Documents 856 files, each shipping a three-line PO under
// one tracking number, then reads them twice: the baseline reads each file
// and splits it on its segment terminator; the measured run reads each
// file and plans its shipments with the code the EDI channel applies ship
// notices with (x12.Parse, ShipNotice, edi.PlanShipments).
func EDI(o EDIOptions) (EDIReport, error) {
	n := o.Documents
	if n <= 0 {
		n = 10_000
	}
	rep := EDIReport{Documents: n}
	dir := o.Dir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "consign-bench-edi-"); err != nil {
			return rep, err
		}
		defer os.RemoveAll(dir)
	}
	pos := make(map[string]channels.PO, n)
	paths := make([]string, n)
	for i := range n {
		po := benchPO(i)
		pos[po.Number] = po
		raw, err := shipNotice(po, i)
		if err != nil {
			return rep, err
		}
		paths[i] = filepath.Join(dir, fmt.Sprintf("856_%06d.edi", i))
		if err := os.WriteFile(paths[i], raw, 0o644); err != nil {
			return rep, err
		}
		rep.Bytes += int64(len(raw))
	}
	find := func(number string) (channels.PO, error) {
		po, ok := pos[number]
		if !ok {
			return po, fmt.Errorf("purchase order %s: %w", number, models.ErrNotFound)
		}
		return po, nil
	}

	ResetPeakRSS()
	start := time.Now()
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			return rep, err
		}
		rep.Segments += len(bytes.Split(raw, []byte{'~'}))
	}
	rep.Baseline = time.Since(start)

	start = time.Now()
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			return rep, err
		}
		f, err := x12.Parse(raw)
		if err != nil {
			return rep, fmt.Errorf("%s: %w", p, err)
		}
		for _, ic := range f.Interchanges {
			for _, g := range ic.Groups {
				for ti := range g.Transactions {
					sn, err := g.Transactions[ti].ShipNotice()
					if err != nil {
						return rep, fmt.Errorf("%s: %w", p, err)
					}
					plan, err := edi.PlanShipments(sn, find)
					if err != nil {
						return rep, fmt.Errorf("%s: %w", p, err)
					}
					for _, o := range plan {
						rep.Shipments += len(o.Shipments)
					}
				}
			}
		}
	}
	rep.Parse = time.Since(start)
	rep.PeakRSS = PeakRSS()
	return rep, nil
}

// benchPO is a three-line PO as the EDI channel would have sent it.
func benchPO(i int) channels.PO {
	po := channels.PO{PurchaseOrder: models.PurchaseOrder{ID: int64(i + 1), Number: fmt.Sprintf("PO-%d", i+1), Currency: "USD"},
		GTINs: map[int64]string{}}
	for j := range 3 {
		id := int64(i*3 + j + 1)
		po.Lines = append(po.Lines, models.POLine{ID: id, SKU: fmt.Sprintf("SKU-%05d-%d", i%5000, j), Quantity: j + 1, Cost: 1250})
		po.GTINs[id] = fmt.Sprintf("0840%08d", id)
	}
	return po
}

// shipNotice is the 856 a supplier would send for po: every line in one
// pack, under one UPS tracking number.
func shipNotice(po channels.PO, i int) ([]byte, error) {
	sn := &x12.ShipNotice{Purpose: "00", ShipmentID: "SHIP-" + strconv.Itoa(i), Date: "20261201", Carrier: "UPSN",
		TrackingNumbers: []string{fmt.Sprintf("1Z999AA1%010d", i)}, Orders: []x12.ShipOrder{{PONumber: po.Number}}}
	for j, l := range po.Lines {
		sn.Orders[0].Items = append(sn.Orders[0].Items, x12.ShipItem{LineNumber: strconv.Itoa(j + 1), Quantity: strconv.Itoa(l.Quantity),
			Unit: "EA", IDs: x12.ProductIDs(l.SKU, po.GTINs[l.ID])})
	}
	env := x12.Envelope{SenderQualifier: "ZZ", SenderID: "SUPPLIER", ReceiverQualifier: "ZZ", ReceiverID: "CONSIGN",
		Version: "004010", Usage: "P", InterchangeControl: int64(i + 1), GroupControl: int64(i + 1),
		Time: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), LineBreaks: true}
	return x12.Encode(env, "SH", []x12.SetBody{sn.Set()})
}
