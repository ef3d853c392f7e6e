package x12

// PurchaseOrder is an 850.
type PurchaseOrder struct {
	Purpose   string    // BEG01: 00 original, 01 cancellation, 05 replace, 06 confirmation
	Type      string    // BEG02: SA stand-alone, DS drop ship, NE new order, ...
	PONumber  string    // BEG03
	Date      string    // BEG05, CCYYMMDD
	Currency  string    // CUR02, e.g. USD
	Refs      []Ref     // header REF segments, those inside N1 loops included
	Dates     []DateRef // header DTM segments
	Parties   []Party   // header N1 loops; N1 loops inside PO1 loops are not read
	Lines     []POLine
	LineCount string // CTT01 as sent: the number of PO1 lines the sender counted
}

// Party is an N1 loop: N1, N2, N3, N4.
type Party struct {
	Entity      string // N101: ST ship to, BT bill to, BY buyer, VN vendor, SF ship from, ...
	Name        string // N102
	IDQualifier string // N103: 92 assigned by buyer, 1 DUNS, UL GLN, ...
	ID          string // N104
	Name2       string // N201
	Address1    string // N301 of the first N3
	Address2    string // N302 of the first N3
	// MoreAddress holds N301/N302 of any further N3 segments: some senders
	// use two, and an address line dropped is a parcel lost.
	MoreAddress []string
	City        string // N401
	State       string // N402
	Zip         string // N403
	Country     string // N404
}

// POLine is a PO1 line with the description of the PID that follows it.
type POLine struct {
	LineNumber  string // PO101, assigned by the buyer; may be empty
	Quantity    string // PO102, decimal text
	Unit        string // PO103: EA each, CA case, ...
	Price       string // PO104, decimal text
	PriceBasis  string // PO105: PE price per each, TE contract, ...
	IDs         []ID   // PO106/PO107, PO108/PO109, ...
	Description string // PID05 of the first PID*F after the PO1
}

// ProductIDs are the PO1/IT1/LIN qualifier pairs for an item: VN with the
// vendor's SKU, then the GTIN qualified by its length: UP for a 12-digit UPC,
// EN for a 13-digit EAN, UK for a 14-digit GTIN-14. Empty values and GTINs of
// other lengths are left out.
func ProductIDs(vendorSKU, gtin string) []ID {
	var ids []ID
	if vendorSKU != "" {
		ids = append(ids, ID{Qualifier: "VN", Value: vendorSKU})
	}
	if isDigits(gtin) {
		switch len(gtin) {
		case 12:
			ids = append(ids, ID{Qualifier: "UP", Value: gtin})
		case 13:
			ids = append(ids, ID{Qualifier: "EN", Value: gtin})
		case 14:
			ids = append(ids, ID{Qualifier: "UK", Value: gtin})
		}
	}
	return ids
}

// PurchaseOrder decodes an 850.
func (t *Transaction) PurchaseOrder() (*PurchaseOrder, error) {
	if err := t.expect("850"); err != nil {
		return nil, err
	}
	po := &PurchaseOrder{}
	sawBEG := false
	line, party := -1, -1
	for _, seg := range t.Segments {
		switch seg.ID {
		case "BEG":
			sawBEG = true
			po.Purpose, po.Type, po.PONumber, po.Date = seg.E(1), seg.E(2), seg.E(3), seg.E(5)
			if po.PONumber == "" {
				return nil, problem(KindMissingElement, seg, 3, "the purchase order number is empty")
			}
		case "CUR":
			if line < 0 {
				po.Currency = seg.E(2)
			}
		case "REF":
			if line < 0 {
				po.Refs = append(po.Refs, Ref{Qualifier: seg.E(1), Value: seg.E(2)})
			}
		case "DTM":
			if line < 0 {
				po.Dates = append(po.Dates, DateRef{Qualifier: seg.E(1), Value: seg.E(2)})
			}
		case "N1":
			party = -1
			if line < 0 {
				po.Parties = append(po.Parties, Party{Entity: seg.E(1), Name: seg.E(2), IDQualifier: seg.E(3), ID: seg.E(4)})
				party = len(po.Parties) - 1
			}
		case "N2", "N3", "N4":
			if party >= 0 {
				readAddress(&po.Parties[party], seg)
			}
		case "PO1":
			if err := checkDecimals(seg, 2, "quantity", 4, "unit price"); err != nil {
				return nil, err
			}
			po.Lines = append(po.Lines, POLine{
				LineNumber: seg.E(1), Quantity: seg.E(2), Unit: seg.E(3), Price: seg.E(4), PriceBasis: seg.E(5),
				IDs: idPairs(seg, 6),
			})
			line, party = len(po.Lines)-1, -1
		case "PID":
			if line >= 0 && seg.E(1) == "F" && po.Lines[line].Description == "" {
				po.Lines[line].Description = seg.E(5)
			}
		case "CTT":
			po.LineCount = seg.E(1)
			line = -1
		}
	}
	if !sawBEG {
		return nil, t.missing("BEG")
	}
	return po, nil
}

// readAddress fills a party from one N2, N3 or N4 segment.
func readAddress(p *Party, seg Segment) {
	switch seg.ID {
	case "N2":
		p.Name2 = seg.E(1)
	case "N3":
		if p.Address1 == "" && p.Address2 == "" {
			p.Address1, p.Address2 = seg.E(1), seg.E(2)
			return
		}
		for _, a := range []string{seg.E(1), seg.E(2)} {
			if a != "" {
				p.MoreAddress = append(p.MoreAddress, a)
			}
		}
	case "N4":
		p.City, p.State, p.Zip, p.Country = seg.E(1), seg.E(2), seg.E(3), seg.E(4)
	}
}

// Set writes the order as an 850 body: BEG, CUR, REF, DTM, the N1 loops, PO1
// lines each with a PID*F description, and CTT. CTT01 is LineCount, or the
// number of lines when LineCount is empty.
func (po *PurchaseOrder) Set() SetBody {
	b := SetBody{ID: "850"}
	b.Add("BEG", po.Purpose, po.Type, po.PONumber, "", po.Date)
	if po.Currency != "" {
		b.Add("CUR", "BY", po.Currency)
	}
	for _, r := range po.Refs {
		b.Add("REF", r.Qualifier, r.Value)
	}
	for _, d := range po.Dates {
		b.Add("DTM", d.Qualifier, d.Value)
	}
	for _, p := range po.Parties {
		b.addParty(p)
	}
	for _, l := range po.Lines {
		b.Add("PO1", append([]string{l.LineNumber, l.Quantity, l.Unit, l.Price, l.PriceBasis}, idElements(l.IDs)...)...)
		if l.Description != "" {
			b.Add("PID", "F", "", "", "", l.Description)
		}
	}
	b.Add("CTT", countOr(po.LineCount, len(po.Lines)))
	return b
}

// addParty writes an N1 loop.
func (b *SetBody) addParty(p Party) {
	b.Add("N1", p.Entity, p.Name, p.IDQualifier, p.ID)
	if p.Name2 != "" {
		b.Add("N2", p.Name2)
	}
	if p.Address1 != "" || p.Address2 != "" {
		b.Add("N3", p.Address1, p.Address2)
	}
	for i := 0; i < len(p.MoreAddress); i += 2 {
		b.Add("N3", p.MoreAddress[i:min(i+2, len(p.MoreAddress))]...)
	}
	if p.City != "" || p.State != "" || p.Zip != "" || p.Country != "" {
		b.Add("N4", p.City, p.State, p.Zip, p.Country)
	}
}
