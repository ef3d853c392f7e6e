package x12

// InventoryAdvice is an 846 inventory inquiry/advice.
type InventoryAdvice struct {
	Purpose    string // BIA01: 00 original
	ReportType string // BIA02: DD distributor inventory report, MM manufacturer, SI seller inventory, ...
	Reference  string // BIA03
	Date       string // BIA04, CCYYMMDD
	Items      []InventoryItem
}

// InventoryItem is a LIN loop with its QTY segments.
type InventoryItem struct {
	LineNumber  string // LIN01
	IDs         []ID   // LIN02/LIN03, ...
	Description string // PID05 of the first PID*F
	Quantities  []Quantity
}

// Quantity is a QTY segment.
type Quantity struct {
	Qualifier string // QTY01, element 673; see OnHand
	Value     string // QTY02, decimal text
	Unit      string // first component of QTY03, or UIT01 of a UIT right after the QTY
}

// onHandQualifiers are the QTY01 codes OnHand reads, best first: 33 quantity
// available for sale (stock quantity), 17 quantity on hand, 34 noncommitted
// inventory on shelf. Other codes (02 cumulative, 29 projected available,
// QH on hold, ...) do not say what can be sold now.
var onHandQualifiers = []string{"33", "17", "34"}

// OnHand returns the quantity the item can be sold from: the first of QTY*33,
// QTY*17 and QTY*34 it has.
func (it InventoryItem) OnHand() (string, bool) {
	for _, q := range onHandQualifiers {
		for _, qty := range it.Quantities {
			if qty.Qualifier == q {
				return qty.Value, true
			}
		}
	}
	return "", false
}

// InventoryAdvice decodes an 846.
func (t *Transaction) InventoryAdvice() (*InventoryAdvice, error) {
	if err := t.expect("846"); err != nil {
		return nil, err
	}
	adv := &InventoryAdvice{}
	sawBIA := false
	item := -1
	for _, seg := range t.Segments {
		switch seg.ID {
		case "BIA":
			sawBIA = true
			adv.Purpose, adv.ReportType, adv.Reference, adv.Date = seg.E(1), seg.E(2), seg.E(3), seg.E(4)
		case "LIN":
			adv.Items = append(adv.Items, InventoryItem{LineNumber: seg.E(1), IDs: idPairs(seg, 2)})
			item = len(adv.Items) - 1
		case "PID":
			if item >= 0 && seg.E(1) == "F" && adv.Items[item].Description == "" {
				adv.Items[item].Description = seg.E(5)
			}
		case "QTY":
			if item < 0 {
				continue
			}
			if err := checkDecimals(seg, 2, "quantity", 2, "quantity"); err != nil {
				return nil, err
			}
			it := &adv.Items[item]
			it.Quantities = append(it.Quantities, Quantity{Qualifier: seg.E(1), Value: seg.E(2), Unit: seg.Component(3, 1)})
		case "UIT":
			if item < 0 {
				continue
			}
			if qs := adv.Items[item].Quantities; len(qs) > 0 && qs[len(qs)-1].Unit == "" {
				qs[len(qs)-1].Unit = seg.Component(1, 1)
			}
		case "CTT":
			item = -1
		}
	}
	if !sawBIA {
		return nil, t.missing("BIA")
	}
	return adv, nil
}

// Set writes the advice as an 846 body: BIA, then per item LIN, PID*F and its
// QTY segments, and CTT with the number of items.
func (adv *InventoryAdvice) Set() SetBody {
	b := SetBody{ID: "846"}
	b.Add("BIA", adv.Purpose, adv.ReportType, adv.Reference, adv.Date)
	for _, it := range adv.Items {
		b.Add("LIN", append([]string{it.LineNumber}, idElements(it.IDs)...)...)
		if it.Description != "" {
			b.Add("PID", "F", "", "", "", it.Description)
		}
		for _, q := range it.Quantities {
			b.Add("QTY", q.Qualifier, q.Value, q.Unit)
		}
	}
	b.Add("CTT", countOr("", len(adv.Items)))
	return b
}
