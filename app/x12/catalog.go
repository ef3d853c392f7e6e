package x12

// PriceCatalog is an 832 price/sales catalog.
type PriceCatalog struct {
	Purpose       string // BCT01, catalog purpose code (e.g. PC price catalog)
	CatalogNumber string // BCT02
	Items         []CatalogItem
}

// CatalogItem is a LIN loop of the catalog.
type CatalogItem struct {
	LineNumber  string  // LIN01
	IDs         []ID    // LIN02/LIN03, ...
	Description string  // PID05 of the first PID*F
	Prices      []Price // every CTP of the loop, those inside packaging (PKL) loops included
}

// Price is a CTP segment.
type Price struct {
	Class     string // CTP01, class of trade (e.g. DI distributor)
	Qualifier string // CTP02: CAT catalog price, SLP suggested list, RES resale, UCP unit cost, ...
	Value     string // CTP03, decimal text
	Quantity  string // CTP04, the quantity the price is for
	Unit      string // first component of CTP05
}

// PriceCatalog decodes an 832.
func (t *Transaction) PriceCatalog() (*PriceCatalog, error) {
	if err := t.expect("832"); err != nil {
		return nil, err
	}
	cat := &PriceCatalog{}
	sawBCT := false
	item := -1
	for _, seg := range t.Segments {
		switch seg.ID {
		case "BCT":
			sawBCT = true
			cat.Purpose, cat.CatalogNumber = seg.E(1), seg.E(2)
		case "LIN":
			cat.Items = append(cat.Items, CatalogItem{LineNumber: seg.E(1), IDs: idPairs(seg, 2)})
			item = len(cat.Items) - 1
		case "PID":
			if item >= 0 && seg.E(1) == "F" && cat.Items[item].Description == "" {
				cat.Items[item].Description = seg.E(5)
			}
		case "CTP":
			if item < 0 {
				continue
			}
			if err := checkDecimals(seg, 3, "unit price", 4, "quantity"); err != nil {
				return nil, err
			}
			it := &cat.Items[item]
			it.Prices = append(it.Prices, Price{Class: seg.E(1), Qualifier: seg.E(2), Value: seg.E(3), Quantity: seg.E(4), Unit: seg.Component(5, 1)})
		case "CTT":
			item = -1
		}
	}
	if !sawBCT {
		return nil, t.missing("BCT")
	}
	return cat, nil
}
