package channels

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/consign/consign/app/portal"
	"github.com/consign/consign/app/sheet"
)

// RowError is a row of a supplier's file that was refused, and why.
type RowError struct {
	Line   int
	Reason string
}

func (e RowError) String() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// TrackingRow is one row of a tracking file: a quantity of one SKU of a PO
// under one tracking number.
type TrackingRow struct {
	Line     int
	PONumber string
	SKU      string // empty: every unshipped line of the PO
	Quantity int    // 0: every unshipped unit of the line
	Carrier  string
	Number   string
	URL      string
}

// IsTrackingTable reports whether a table has the columns of a tracking
// file.
func IsTrackingTable(t sheet.Table) bool {
	return t.Index("tracking_number", "tracking", "tracking_no") >= 0 && t.Index("po_number", "po", "purchase_order") >= 0
}

// IsInventoryTable reports whether a table has the columns of a stock file.
func IsInventoryTable(t sheet.Table) bool {
	return t.Index("sku") >= 0 && t.Index("quantity", "qty", "stock", "inventory", "available") >= 0 && !IsTrackingTable(t)
}

// TrackingRows reads a tracking table (po_number, sku, quantity, carrier,
// tracking_number, optional tracking_url). Rows that cannot be read are
// refused with their line; the others are returned.
func TrackingRows(t sheet.Table) ([]TrackingRow, []RowError) {
	po, sku, qty := t.Index("po_number", "po", "purchase_order"), t.Index("sku"), t.Index("quantity", "qty")
	carrier, number, link := t.Index("carrier"), t.Index("tracking_number", "tracking", "tracking_no"), t.Index("tracking_url")
	var rows []TrackingRow
	var refused []RowError
	for i, rec := range t.Rows {
		r := TrackingRow{Line: t.Lines[i], PONumber: sheet.Cell(rec, po), SKU: sheet.Cell(rec, sku),
			Carrier: sheet.Cell(rec, carrier), Number: strings.Join(strings.Fields(sheet.Cell(rec, number)), ""), URL: sheet.Cell(rec, link)}
		switch {
		case r.PONumber == "":
			refused = append(refused, RowError{r.Line, "no po_number"})
			continue
		case r.Number == "":
			refused = append(refused, RowError{r.Line, "no tracking_number"})
			continue
		}
		if q := sheet.Cell(rec, qty); q != "" {
			n, err := strconv.Atoi(q)
			if err != nil || n <= 0 {
				refused = append(refused, RowError{r.Line, fmt.Sprintf("quantity %q is not a positive whole number", q)})
				continue
			}
			r.Quantity = n
		}
		if r.URL == "" {
			r.URL = portal.TrackingURL(r.Carrier, r.Number)
		}
		rows = append(rows, r)
	}
	return rows, refused
}

// InventoryRows reads a stock table (sku, quantity).
func InventoryRows(t sheet.Table) (map[string]int, []RowError) {
	sku, qty := t.Index("sku"), t.Index("quantity", "qty", "stock", "inventory", "available")
	stock := map[string]int{}
	var refused []RowError
	for i, rec := range t.Rows {
		s, q := sheet.Cell(rec, sku), sheet.Cell(rec, qty)
		n, err := strconv.Atoi(q)
		switch {
		case s == "":
			refused = append(refused, RowError{t.Lines[i], "no sku"})
		case err != nil || n < 0:
			refused = append(refused, RowError{t.Lines[i], fmt.Sprintf("quantity %q is not a whole number of zero or more", q)})
		default:
			stock[s] = n
		}
	}
	return stock, refused
}

// ApplyTracking records the shipments a tracking table describes, one per
// PO and tracking number, keyed by source and number so the same file read
// again adds nothing. Rows naming an unknown PO or SKU are refused.
func (a *Answer) ApplyTracking(rows []TrackingRow, source string) (int, []RowError, error) {
	type key struct{ po, number string }
	var order []key
	groups := map[key][]TrackingRow{}
	for _, r := range rows {
		k := key{r.PONumber, r.Number}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	var refused []RowError
	shipped := 0
	for _, k := range order {
		rs := groups[k]
		po, err := a.FindPO(k.po)
		if err != nil {
			for _, r := range rs {
				refused = append(refused, RowError{r.Line, fmt.Sprintf("no purchase order %s for this supplier", k.po)})
			}
			continue
		}
		left, err := a.Unshipped(po)
		if err != nil {
			return shipped, refused, err
		}
		var lines []ShipLine
		for _, r := range rs {
			if r.SKU == "" {
				for _, l := range po.Lines {
					if left[l.ID] > 0 {
						lines = append(lines, ShipLine{LineID: l.ID, Quantity: left[l.ID]})
					}
				}
				continue
			}
			l := MatchLine(po, "", []string{r.SKU}, []string{r.SKU})
			if l == nil {
				refused = append(refused, RowError{r.Line, fmt.Sprintf("SKU %s is not on purchase order %s", r.SKU, po.Number)})
				continue
			}
			q := r.Quantity
			if q == 0 {
				q = left[l.ID]
			}
			lines = append(lines, ShipLine{LineID: l.ID, Quantity: q})
		}
		if len(lines) == 0 {
			continue
		}
		first := rs[0]
		ok, err := a.Ship(po, first.Carrier, first.Number, first.URL, merge(lines), source+":"+first.Number)
		if err != nil {
			return shipped, refused, err
		}
		if ok {
			shipped++
			if err := a.Link(po, "tracking "+first.Number); err != nil {
				return shipped, refused, err
			}
		}
	}
	return shipped, refused, nil
}

// merge adds up repeated lines.
func merge(lines []ShipLine) []ShipLine {
	var out []ShipLine
	at := map[int64]int{}
	for _, l := range lines {
		if i, ok := at[l.LineID]; ok {
			out[i].Quantity += l.Quantity
			continue
		}
		at[l.LineID] = len(out)
		out = append(out, l)
	}
	return out
}
