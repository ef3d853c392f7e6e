package x12

import "fmt"

// Invoice is an 810.
type Invoice struct {
	Date          string // BIG01, CCYYMMDD
	InvoiceNumber string // BIG02
	PODate        string // BIG03
	PONumber      string // BIG04
	Lines         []InvoiceLine
	// Total is TDS01 as an exact decimal with two places: TDS01 is an N2
	// number, its last two digits are cents, so "1999" is "19.99".
	Total    string
	TotalRaw string // TDS01 as sent
}

// InvoiceLine is an IT1 line.
type InvoiceLine struct {
	LineNumber  string // IT101
	Quantity    string // IT102, quantity invoiced
	Unit        string // IT103
	Price       string // IT104, unit price
	PriceBasis  string // IT105
	IDs         []ID   // IT106/IT107, IT108/IT109, ...
	Description string // PID05 of the first PID*F
}

// Invoice decodes an 810.
func (t *Transaction) Invoice() (*Invoice, error) {
	if err := t.expect("810"); err != nil {
		return nil, err
	}
	inv := &Invoice{}
	sawBIG := false
	line := -1
	for _, seg := range t.Segments {
		switch seg.ID {
		case "BIG":
			sawBIG = true
			inv.Date, inv.InvoiceNumber, inv.PODate, inv.PONumber = seg.E(1), seg.E(2), seg.E(3), seg.E(4)
			if inv.InvoiceNumber == "" {
				return nil, problem(KindMissingElement, seg, 2, "the invoice number is empty")
			}
		case "IT1":
			if err := checkDecimals(seg, 2, "quantity", 4, "unit price"); err != nil {
				return nil, err
			}
			inv.Lines = append(inv.Lines, InvoiceLine{
				LineNumber: seg.E(1), Quantity: seg.E(2), Unit: seg.E(3), Price: seg.E(4), PriceBasis: seg.E(5),
				IDs: idPairs(seg, 6),
			})
			line = len(inv.Lines) - 1
		case "PID":
			if line >= 0 && seg.E(1) == "F" && inv.Lines[line].Description == "" {
				inv.Lines[line].Description = seg.E(5)
			}
		case "TDS":
			total, err := impliedDecimal(seg.E(1), 2)
			if err != nil {
				return nil, problem(KindInvalidElement, seg, 1, "total: %v", err)
			}
			inv.Total, inv.TotalRaw = total, seg.E(1)
			line = -1
		}
	}
	if !sawBIG {
		return nil, t.missing("BIG")
	}
	return inv, nil
}

// Set writes the invoice as an 810 body: BIG, IT1 lines with PID*F
// descriptions, TDS and CTT. TDS01 is Total in implied decimals ("19.99" is
// written 1999), or TotalRaw as it is when Total is empty. A Total with more
// than two decimal places is an error Encode reports.
func (inv *Invoice) Set() SetBody {
	b := SetBody{ID: "810"}
	b.Add("BIG", inv.Date, inv.InvoiceNumber, inv.PODate, inv.PONumber)
	for _, l := range inv.Lines {
		b.Add("IT1", append([]string{l.LineNumber, l.Quantity, l.Unit, l.Price, l.PriceBasis}, idElements(l.IDs)...)...)
		if l.Description != "" {
			b.Add("PID", "F", "", "", "", l.Description)
		}
	}
	tds := inv.TotalRaw
	if inv.Total != "" {
		var err error
		if tds, err = toImplied(inv.Total, 2); err != nil {
			b.fail(fmt.Errorf("TDS01: %w", err))
		}
	}
	if tds != "" {
		b.Add("TDS", tds)
	}
	b.Add("CTT", countOr("", len(inv.Lines)))
	return b
}
