// Package routing decides which supplier ships which order line. It is pure:
// the caller loads the order, the candidates and what is already on a PO, and
// writes the resulting POs; nothing here touches a database or the network.
package routing

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/consign/consign/app/money"
)

// Trigger says which orders are routed.
type Trigger string

const (
	TriggerPaid Trigger = "paid" // only orders with money captured (the default)
	TriggerAny  Trigger = "any"  // unpaid orders too
)

// ParseTrigger reads a configured trigger; empty means TriggerPaid.
func ParseTrigger(s string) (Trigger, error) {
	switch t := Trigger(strings.ToLower(strings.TrimSpace(s))); t {
	case "":
		return TriggerPaid, nil
	case TriggerPaid, TriggerAny:
		return t, nil
	}
	return "", fmt.Errorf("unknown routing trigger %q (want %q or %q)", s, TriggerPaid, TriggerAny)
}

// Strategy is how a partnership chooses among several suppliers for one line.
type Strategy string

const (
	StrategyPriority     Strategy = "priority" // the default
	StrategyLowestCost   Strategy = "lowest_cost"
	StrategyInStockFirst Strategy = "in_stock_first"
)

// ParseStrategy reads a configured strategy; empty means StrategyPriority.
func ParseStrategy(s string) (Strategy, error) {
	switch st := Strategy(strings.ToLower(strings.TrimSpace(s))); st {
	case "":
		return StrategyPriority, nil
	case StrategyPriority, StrategyLowestCost, StrategyInStockFirst:
		return st, nil
	}
	return "", fmt.Errorf("unknown routing strategy %q (want %q, %q or %q)",
		s, StrategyPriority, StrategyLowestCost, StrategyInStockFirst)
}

// How a candidate was found, in order of precedence.
const (
	ViaMapping = "mapping" // a retailer's explicit variant -> catalog item mapping
	ViaSKU     = "sku"
	ViaGTIN    = "gtin"
)

// Line is an order line as routing needs it.
type Line struct {
	ID                  int64 // the order line's id in our database
	VariantID           string
	SKU                 string
	GTIN                string
	Title               string
	Quantity            int
	FulfillableQuantity int
	RequiresShipping    bool
	GiftCard            bool
}

// Candidate is one catalog item that could fill one order line.
type Candidate struct {
	LineID          int64
	Via             string // ViaMapping, ViaSKU or ViaGTIN; anything else is ignored
	SupplierID      int64
	CatalogItemID   int64
	SKU             string
	Title           string
	Cost            money.Amount
	Currency        string
	Inventory       int
	PartnerPriority int // lower goes first
	MappingPriority int // lower goes first
	Strategy        Strategy
}

// Input is everything Route needs to know about one order.
type Input struct {
	Trigger    Trigger
	Paid       bool
	Cancelled  bool
	Lines      []Line // in the order's line order
	Candidates []Candidate
	// Routed holds the order line ids already on a live PO.
	Routed map[int64]bool
	// Blocked maps a supplier id to why no line can be added to its PO
	// for this order (for example, the supplier already accepted it).
	Blocked map[int64]string
}

// Plan is the outcome of routing one order.
type Plan struct {
	Eligible  bool
	Why       string    // why the order is not eligible
	POs       []PO      // sorted by SupplierID
	Unmatched []Problem // lines that need a supplier: the order needs attention
	Skipped   []Problem // lines that are never sent to a supplier
}

// PO is the set of lines one supplier is asked to ship.
type PO struct {
	SupplierID int64
	Lines      []POLine // in the order's line order
}

// POLine is one order line on a PO, at the catalog item's cost.
type POLine struct {
	OrderLineID   int64
	CatalogItemID int64
	SKU           string
	Title         string
	Quantity      int
	Cost          money.Amount
	Currency      string
}

// Problem says why a line is not on any PO.
type Problem struct {
	LineID int64
	Reason string
}

// Eligible reports whether an order may be routed and, if not, why.
// An unknown trigger behaves as TriggerPaid: waiting is the safe mistake.
func Eligible(trigger Trigger, paid, cancelled bool) (bool, string) {
	switch {
	case cancelled:
		return false, "the order is cancelled"
	case trigger == TriggerAny, paid:
		return true, ""
	}
	return false, "the order is not paid yet and routing waits for payment"
}

// Route matches every line still to route to one supplier and groups the
// matched lines into one PO per supplier. Lines already in in.Routed are left
// alone, so routing an order again creates only what is missing.
func Route(in Input) Plan {
	ok, why := Eligible(in.Trigger, in.Paid, in.Cancelled)
	if !ok {
		return Plan{Why: why}
	}
	byLine := make(map[int64][]Candidate)
	for _, c := range in.Candidates {
		byLine[c.LineID] = append(byLine[c.LineID], c)
	}
	plan := Plan{Eligible: true}
	idx := make(map[int64]int) // supplier id -> index in plan.POs
	for _, l := range in.Lines {
		if in.Routed[l.ID] {
			continue
		}
		if reason := skipReason(l); reason != "" {
			plan.Skipped = append(plan.Skipped, Problem{l.ID, reason})
			continue
		}
		c, reason := choose(l, byLine[l.ID], in.Blocked)
		if reason != "" {
			plan.Unmatched = append(plan.Unmatched, Problem{l.ID, reason})
			continue
		}
		i, ok := idx[c.SupplierID]
		if !ok {
			i = len(plan.POs)
			idx[c.SupplierID] = i
			plan.POs = append(plan.POs, PO{SupplierID: c.SupplierID})
		}
		plan.POs[i].Lines = append(plan.POs[i].Lines, POLine{
			OrderLineID: l.ID, CatalogItemID: c.CatalogItemID, SKU: c.SKU, Title: c.Title,
			Quantity: l.FulfillableQuantity, Cost: c.Cost, Currency: c.Currency,
		})
	}
	slices.SortFunc(plan.POs, func(a, b PO) int { return cmp.Compare(a.SupplierID, b.SupplierID) })
	return plan
}

// skipReason says why a line is never sent to a supplier, or "" when it may be.
func skipReason(l Line) string {
	switch {
	case l.GiftCard:
		return "gift card"
	case !l.RequiresShipping:
		return "does not require shipping"
	case l.FulfillableQuantity <= 0:
		return "nothing left to fulfil"
	}
	return ""
}

// choose picks the best candidate for l whose supplier is not blocked, or
// says why there is none. Blocked suppliers still take part in the ranking
// (and in picking the strategy): being blocked is a passing state of one PO,
// not a change in the retailer's rules, so the fallback is simply the next in line.
func choose(l Line, all []Candidate, blocked map[int64]string) (Candidate, string) {
	cs := precedent(all)
	if len(cs) == 0 {
		return Candidate{}, noCandidate(l)
	}
	rank(cs, l.FulfillableQuantity)
	var why []string
	seen := make(map[int64]bool)
	for _, c := range cs {
		reason, ok := blocked[c.SupplierID]
		if !ok {
			return c, ""
		}
		if !seen[c.SupplierID] {
			seen[c.SupplierID] = true
			why = append(why, fmt.Sprintf("supplier %d: %s", c.SupplierID, cmp.Or(reason, "blocked")))
		}
	}
	return Candidate{}, "no supplier can take it: " + strings.Join(why, "; ")
}

// precedent returns a fresh slice of the candidates found the most
// trustworthy way: an explicit mapping beats a same-SKU match, which beats a
// same-GTIN match. Lower groups are not considered at all, so a retailer's
// mapping is never overridden by a cheaper SKU lookalike.
func precedent(cs []Candidate) []Candidate {
	for _, via := range []string{ViaMapping, ViaSKU, ViaGTIN} {
		var g []Candidate
		for _, c := range cs {
			if c.Via == via {
				g = append(g, c)
			}
		}
		if len(g) > 0 {
			return g
		}
	}
	return nil
}

// rank sorts cs best first for a line needing qty units.
//
// Candidates of different suppliers may come from partnerships with different
// strategies, yet a line needs one ordering. We use the strategy of the
// partnership the retailer ranks first, by (PartnerPriority, SupplierID):
// the retailer's preferred partner sets the rules, and the choice does not
// depend on the order candidates arrive in.
func rank(cs []Candidate, qty int) {
	lead := slices.MinFunc(cs, func(a, b Candidate) int {
		return cmp.Or(
			cmp.Compare(a.PartnerPriority, b.PartnerPriority),
			cmp.Compare(a.SupplierID, b.SupplierID),
			cmp.Compare(a.Strategy, b.Strategy),
		)
	})
	inStock := func(c Candidate) int {
		if c.Inventory >= qty {
			return 0
		}
		return 1
	}
	byPriority := func(a, b Candidate) int {
		return cmp.Or(
			cmp.Compare(a.PartnerPriority, b.PartnerPriority),
			cmp.Compare(a.MappingPriority, b.MappingPriority),
			cmp.Compare(a.Cost, b.Cost),
			cmp.Compare(a.SupplierID, b.SupplierID),
			cmp.Compare(a.CatalogItemID, b.CatalogItemID),
		)
	}
	slices.SortFunc(cs, func(a, b Candidate) int {
		var c int
		switch lead.Strategy {
		case StrategyLowestCost:
			c = cmp.Or(
				cmp.Compare(a.Cost, b.Cost),
				cmp.Compare(a.PartnerPriority, b.PartnerPriority),
				cmp.Compare(a.SupplierID, b.SupplierID),
				cmp.Compare(a.CatalogItemID, b.CatalogItemID),
			)
		case StrategyInStockFirst:
			c = cmp.Or(cmp.Compare(inStock(a), inStock(b)), byPriority(a, b))
		default:
			c = byPriority(a, b)
		}
		return cmp.Or(c, tiebreak(a, b))
	})
}

// tiebreak orders candidates by every remaining field, so that even
// inconsistent duplicates (same item, different cost) never make the result
// depend on input order.
func tiebreak(a, b Candidate) int {
	return cmp.Or(
		cmp.Compare(a.SupplierID, b.SupplierID),
		cmp.Compare(a.CatalogItemID, b.CatalogItemID),
		cmp.Compare(a.Cost, b.Cost),
		cmp.Compare(a.Currency, b.Currency),
		cmp.Compare(a.SKU, b.SKU),
		cmp.Compare(a.Title, b.Title),
		cmp.Compare(a.Inventory, b.Inventory),
		cmp.Compare(a.PartnerPriority, b.PartnerPriority),
		cmp.Compare(a.MappingPriority, b.MappingPriority),
		cmp.Compare(a.Strategy, b.Strategy),
	)
}

// noCandidate names what was looked for, so a merchant knows what to map.
func noCandidate(l Line) string {
	var keys []string
	if l.SKU != "" {
		keys = append(keys, fmt.Sprintf("SKU %q", l.SKU))
	}
	if l.GTIN != "" {
		keys = append(keys, "GTIN "+l.GTIN)
	}
	if l.VariantID != "" {
		keys = append(keys, "variant "+l.VariantID)
	}
	switch len(keys) {
	case 0:
		return fmt.Sprintf("no supplier carries %q: the line has no variant, SKU or GTIN to match", l.Title)
	case 1:
		return "no supplier carries " + keys[0]
	}
	return "no supplier carries " + keys[0] + " (" + strings.Join(keys[1:], ", ") + ")"
}
