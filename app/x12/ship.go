package x12

import (
	"slices"
	"strconv"
)

// ShipNotice is an 856 ship notice (ASN).
type ShipNotice struct {
	Purpose      string // BSN01: 00 original, 14 advance notification, ...
	ShipmentID   string // BSN02
	Date         string // BSN03, CCYYMMDD
	Time         string // BSN04, HHMM
	Carrier      string // TD503 at shipment level: the carrier's SCAC when TD502 is 2
	Routing      string // TD505 at shipment level: routing or carrier name, e.g. "UPS GROUND"
	BillOfLading string // REF*BM at shipment level
	// TrackingNumbers are REF*CN (carrier's reference, the PRO or tracking
	// number) and REF*2I (tracking number) at shipment level. Packs carry
	// their own; AllTrackingNumbers joins both.
	TrackingNumbers []string
	Packs           []Pack
	Orders          []ShipOrder
}

// Pack is a P (pack) or T (tare, e.g. pallet) hierarchical level.
type Pack struct {
	Level string // HL03: P or T
	// Marks are the container labels of MAN segments, such as GM (SSCC-18 with
	// its application identifier) or UC (U.P.C. shipping container code).
	Marks []Mark
	// TrackingNumbers are MAN*CP (carrier-assigned package ID: the parcel's
	// tracking number) and REF*CN / REF*2I at this level.
	TrackingNumbers []string
}

// Mark is one MAN qualifier and value.
type Mark struct {
	Qualifier string
	Value     string
}

// ShipOrder is an O (order) level.
type ShipOrder struct {
	PONumber string // PRF01
	PODate   string // PRF04
	Items    []ShipItem
}

// ShipItem is an I (item) level.
type ShipItem struct {
	LineNumber  string // LIN01, or SN101 when LIN01 is empty
	IDs         []ID   // LIN02/LIN03, LIN04/LIN05, ...
	Quantity    string // SN102, units shipped
	Unit        string // SN103
	Description string // PID05 of the first PID*F
	// Pack is the position, counting from 1, in ShipNotice.Packs of the
	// nearest pack or tare level above the item; 0 when the item sits
	// directly under its order.
	Pack int
}

// hlLevel is one HL as the decoder walks the hierarchy. Each level inherits
// the order and pack of its parent, so an item finds both however the sender
// nests S, O, T, P and I.
type hlLevel struct {
	id    string
	level string
	order int32 // index in Orders, -1 for none
	pack  int32 // position in Packs from 1, 0 for none
	item  int32 // index in the item slab for an I level, else -1
}

// AllTrackingNumbers lists the shipment's tracking numbers and then each
// pack's, without repeats.
func (sn *ShipNotice) AllTrackingNumbers() []string {
	var out []string
	add := func(v string) {
		for _, o := range out {
			if o == v {
				return
			}
		}
		out = append(out, v)
	}
	for _, v := range sn.TrackingNumbers {
		add(v)
	}
	for _, p := range sn.Packs {
		for _, v := range p.TrackingNumbers {
			add(v)
		}
	}
	return out
}

// ShipNotice decodes an 856, walking the HL hierarchy by HL01 IDs and HL02
// parent IDs. Items outside any order level are gathered in an order with an
// empty PONumber. MAN segments count only at pack and tare levels.
func (t *Transaction) ShipNotice() (*ShipNotice, error) {
	if err := t.expect("856"); err != nil {
		return nil, err
	}
	// Count first, so that levels, orders, packs, items and their IDs each
	// take one allocation: this decoder is on the hot path of receiving ASNs.
	n := countShipNotice(t.Segments)
	sn := &ShipNotice{Orders: make([]ShipOrder, 0, n.orders), Packs: make([]Pack, 0, n.packs)}
	levels := make([]hlLevel, 0, n.levels)
	items := make([]ShipItem, 0, n.items)
	itemOrder := make([]int, 0, n.items) // the order each item belongs to
	ids := make([]ID, 0, n.ids)
	marks := make([]Mark, 0, n.marks)
	tracking := make([]string, 0, n.marks)
	var index hlIndex
	sawBSN := false
	cur := -1   // index in levels of the HL the segments belong to; -1 before the first
	loose := -1 // index in Orders of the order holding items outside order levels
	for _, seg := range t.Segments {
		at := hlLevel{order: -1, item: -1}
		if cur >= 0 {
			at = levels[cur]
		}
		switch seg.ID {
		case "BSN":
			sawBSN = true
			sn.Purpose, sn.ShipmentID, sn.Date, sn.Time = seg.E(1), seg.E(2), seg.E(3), seg.E(4)
		case "HL":
			lv, err := newLevel(seg, levels, &index)
			if err != nil {
				return nil, err
			}
			switch lv.level {
			case "O":
				sn.Orders = append(sn.Orders, ShipOrder{})
				lv.order = int32(len(sn.Orders) - 1)
			case "P", "T":
				sn.Packs = append(sn.Packs, Pack{Level: lv.level})
				lv.pack = int32(len(sn.Packs))
			case "I":
				if lv.order < 0 {
					if loose < 0 {
						sn.Orders = append(sn.Orders, ShipOrder{})
						loose = len(sn.Orders) - 1
					}
					lv.order = int32(loose)
				}
				items = append(items, ShipItem{Pack: int(lv.pack)})
				itemOrder = append(itemOrder, int(lv.order))
				lv.item = int32(len(items) - 1)
			}
			levels = append(levels, lv)
			cur = len(levels) - 1
		case "TD5":
			if (cur < 0 || at.level == "S") && sn.Carrier == "" && sn.Routing == "" {
				sn.Carrier, sn.Routing = seg.E(3), seg.E(5)
			}
		case "REF":
			switch {
			case cur < 0 || at.level == "S":
				switch seg.E(1) {
				case "BM":
					sn.BillOfLading = seg.E(2)
				case "CN", "2I":
					sn.TrackingNumbers = append(sn.TrackingNumbers, seg.E(2))
				}
			case at.pack > 0 && (at.level == "P" || at.level == "T"):
				if q := seg.E(1); q == "CN" || q == "2I" {
					p := &sn.Packs[at.pack-1]
					p.TrackingNumbers = appendTail(&tracking, p.TrackingNumbers, seg.E(2))
				}
			}
		case "MAN":
			if at.pack > 0 && (at.level == "P" || at.level == "T") {
				p := &sn.Packs[at.pack-1]
				for _, i := range []int{1, 4} { // MAN01/02 and MAN04/05
					q, v := seg.E(i), seg.E(i+1)
					switch {
					case q == "" && v == "":
					case q == "CP":
						p.TrackingNumbers = appendTail(&tracking, p.TrackingNumbers, v)
					default:
						p.Marks = appendTail(&marks, p.Marks, Mark{Qualifier: q, Value: v})
					}
				}
			}
		case "PRF":
			if at.level == "O" && at.order >= 0 {
				o := &sn.Orders[at.order]
				o.PONumber, o.PODate = seg.E(1), seg.E(4)
			}
		case "LIN":
			if at.item >= 0 {
				it := &items[at.item]
				it.LineNumber, it.IDs = seg.E(1), pairsInto(&ids, seg, 2)
			}
		case "SN1":
			if at.item >= 0 {
				if err := checkDecimals(seg, 2, "units shipped", 2, "units shipped"); err != nil {
					return nil, err
				}
				it := &items[at.item]
				it.Quantity, it.Unit = seg.E(2), seg.E(3)
				if it.LineNumber == "" {
					it.LineNumber = seg.E(1)
				}
			}
		case "PID":
			if at.item >= 0 && seg.E(1) == "F" && items[at.item].Description == "" {
				items[at.item].Description = seg.E(5)
			}
		}
	}
	if !sawBSN {
		return nil, t.missing("BSN")
	}
	giveItems(sn.Orders, items, itemOrder)
	if len(sn.Orders) == 0 {
		sn.Orders = nil
	}
	if len(sn.Packs) == 0 {
		sn.Packs = nil
	}
	return sn, nil
}

// shipCounts are upper bounds of what an 856 holds.
type shipCounts struct{ levels, orders, packs, items, ids, marks int }

func countShipNotice(segs []Segment) shipCounts {
	var n shipCounts
	for _, seg := range segs {
		switch seg.ID {
		case "HL":
			n.levels++
			switch seg.E(3) {
			case "O":
				n.orders++
			case "P", "T":
				n.packs++
			case "I":
				n.items++
			}
		case "LIN":
			n.ids += len(seg.Elements) / 2
		case "MAN":
			n.marks++
		}
	}
	n.orders++ // room for the order of items outside order levels
	return n
}

// appendTail appends v to tail, the values of one level, keeping them in
// slab's single allocation. A level's values come from the segments between
// its HL and the next, so they are the last ones in slab; if they are not,
// tail just grows on its own.
func appendTail[T any](slab *[]T, tail []T, v T) []T {
	start := len(*slab) - len(tail)
	if start < 0 || (len(tail) > 0 && &tail[0] != &(*slab)[start]) {
		return append(tail, v)
	}
	*slab = append(*slab, v)
	return (*slab)[start:len(*slab):len(*slab)]
}

// giveItems hands each order its items from the slab they were read into.
// Items come order by order in nearly every notice, so each order takes a
// sub-slice; otherwise they are copied out.
func giveItems(orders []ShipOrder, items []ShipItem, owner []int) {
	if !slices.IsSorted(owner) {
		for i, it := range items {
			o := &orders[owner[i]]
			o.Items = append(o.Items, it)
		}
		return
	}
	for start := 0; start < len(items); {
		end := start + 1
		for end < len(items) && owner[end] == owner[start] {
			end++
		}
		orders[owner[start]].Items = items[start:end:end]
		start = end
	}
}

// hlIndex finds levels by their HL01 ID. Senders nearly always number HLs
// 1, 2, 3, ...; while they do, an ID is its own position and nothing is
// stored. At the first other ID a map of every level so far takes over.
type hlIndex struct {
	byID map[string]int
}

// seq reads id as the 1-based position a sequential numbering gives it, or 0.
func seq(id string) int {
	if id == "" || id[0] < '1' || id[0] > '9' {
		return 0
	}
	n, err := strconv.Atoi(id)
	if err != nil {
		return 0
	}
	return n
}

// find returns the index in levels of the level with the given ID, or -1.
func (x *hlIndex) find(levels []hlLevel, id string) int {
	if x.byID != nil {
		if i, ok := x.byID[id]; ok {
			return i
		}
		return -1
	}
	if n := seq(id); n > 0 && n <= len(levels) {
		return n - 1
	}
	return -1
}

// add records the ID of the level about to be appended to levels and
// reports whether it is already taken.
func (x *hlIndex) add(levels []hlLevel, id string) (taken bool) {
	if x.byID == nil && seq(id) == len(levels)+1 {
		return false
	}
	if x.byID == nil {
		x.byID = make(map[string]int, 2*len(levels)+1)
		for i, lv := range levels {
			x.byID[lv.id] = i
		}
	}
	if _, ok := x.byID[id]; ok {
		return true
	}
	x.byID[id] = len(levels)
	return false
}

// newLevel reads an HL segment and links it to its parent among the levels
// read so far.
func newLevel(seg Segment, levels []hlLevel, index *hlIndex) (hlLevel, error) {
	lv := hlLevel{id: seg.E(1), level: seg.E(3), order: -1, item: -1}
	if lv.id == "" {
		return lv, problem(KindMissingElement, seg, 1, "the hierarchical ID is empty")
	}
	if lv.level == "" {
		return lv, problem(KindMissingElement, seg, 3, "the hierarchical level code is empty")
	}
	// Look the parent up before recording this level: a level cannot be its
	// own parent.
	if parent := seg.E(2); parent != "" {
		i := index.find(levels, parent)
		if i < 0 {
			return lv, problem(KindInvalidElement, seg, 2, "parent %s of hierarchical level %s does not come before it", parent, lv.id)
		}
		lv.order, lv.pack = levels[i].order, levels[i].pack
	}
	if index.add(levels, lv.id) {
		return lv, problem(KindInvalidElement, seg, 1, "hierarchical ID %s is used twice", lv.id)
	}
	return lv, nil
}

// Set writes the notice as an 856 body with a shipment / order / pack / item
// hierarchy: HL*S with TD5, REF*BM and REF*CN; then per order HL*O with PRF
// and its items in order (HL*I with LIN, SN1, PID), each under its order or
// under its pack. A pack (HL*P or HL*T with MAN marks and MAN*CP tracking
// numbers) is written just before the first item in it, so packs no item is
// in are not written. A pack belongs to one order: an item of a later order
// that names it is written directly under its own order. CTT01 is the number
// of HL segments.
func (sn *ShipNotice) Set() SetBody {
	b := SetBody{ID: "856"}
	b.Add("BSN", sn.Purpose, sn.ShipmentID, sn.Date, sn.Time)
	b.Add("HL", "1", "", "S")
	switch {
	case sn.Carrier != "":
		b.Add("TD5", "", "2", sn.Carrier, "", sn.Routing)
	case sn.Routing != "":
		b.Add("TD5", "", "", "", "", sn.Routing)
	}
	if sn.BillOfLading != "" {
		b.Add("REF", "BM", sn.BillOfLading)
	}
	for _, t := range sn.TrackingNumbers {
		b.Add("REF", "CN", t)
	}
	hl := 1
	next := func() string {
		hl++
		return strconv.Itoa(hl)
	}
	packHL := make(map[int]string) // pack position -> its HL01
	packOrder := make(map[int]int) // pack position -> the order it was written under
	for o, order := range sn.Orders {
		orderHL := next()
		b.Add("HL", orderHL, "1", "O")
		b.Add("PRF", order.PONumber, "", "", order.PODate)
		for _, it := range order.Items {
			parent := orderHL
			if p := it.Pack; p > 0 && p <= len(sn.Packs) {
				if _, done := packHL[p]; !done {
					pack := sn.Packs[p-1]
					level := pack.Level
					if level == "" {
						level = "P"
					}
					packHL[p], packOrder[p] = next(), o
					b.Add("HL", packHL[p], orderHL, level)
					for _, m := range pack.Marks {
						b.Add("MAN", m.Qualifier, m.Value)
					}
					for _, t := range pack.TrackingNumbers {
						b.Add("MAN", "CP", t)
					}
				}
				if packOrder[p] == o {
					parent = packHL[p]
				}
			}
			b.Add("HL", next(), parent, "I")
			b.Add("LIN", append([]string{it.LineNumber}, idElements(it.IDs)...)...)
			b.Add("SN1", "", it.Quantity, it.Unit)
			if it.Description != "" {
				b.Add("PID", "F", "", "", "", it.Description)
			}
		}
	}
	b.Add("CTT", strconv.Itoa(hl))
	return b
}
