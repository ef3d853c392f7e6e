package routing

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/consign/consign/app/money"
)

// line is a shippable order line wanting qty units.
func line(id int64, sku string, qty int) Line {
	return Line{ID: id, VariantID: "v" + sku, SKU: sku, Title: "Item " + sku,
		Quantity: qty, FulfillableQuantity: qty, RequiresShipping: true}
}

// cand is a candidate for lineID; item ids are unique across a test.
func cand(lineID int64, via string, supplier, item int64, cost money.Amount) Candidate {
	return Candidate{LineID: lineID, Via: via, SupplierID: supplier, CatalogItemID: item,
		SKU: "S", Title: "T", Cost: cost, Currency: "USD", Inventory: 100}
}

// paid is an eligible input.
func paid(lines []Line, cs ...Candidate) Input {
	return Input{Trigger: TriggerPaid, Paid: true, Lines: lines, Candidates: cs}
}

// chosen maps each routed order line to the catalog item it was given.
func chosen(p Plan) map[int64]int64 {
	m := make(map[int64]int64)
	for _, po := range p.POs {
		for _, l := range po.Lines {
			m[l.OrderLineID] = l.CatalogItemID
		}
	}
	return m
}

func TestEligible(t *testing.T) {
	tests := []struct {
		trigger         Trigger
		paid, cancelled bool
		want            bool
		why             string
	}{
		{TriggerPaid, true, false, true, ""},
		{TriggerPaid, false, false, false, "not paid"},
		{TriggerPaid, true, true, false, "cancelled"},
		{TriggerAny, false, false, true, ""},
		{TriggerAny, true, false, true, ""},
		{TriggerAny, false, true, false, "cancelled"},
		{"", false, false, false, "not paid"}, // empty trigger is the default, paid
		{"", true, false, true, ""},
		{"bogus", false, false, false, "not paid"}, // unknown trigger waits for payment
	}
	for _, tt := range tests {
		got, why := Eligible(tt.trigger, tt.paid, tt.cancelled)
		if got != tt.want || !strings.Contains(why, tt.why) || (tt.want && why != "") {
			t.Errorf("Eligible(%q, paid=%v, cancelled=%v) = %v, %q; want %v, containing %q",
				tt.trigger, tt.paid, tt.cancelled, got, why, tt.want, tt.why)
		}
	}
}

func TestRouteNotEligible(t *testing.T) {
	in := paid([]Line{line(1, "A", 1)}, cand(1, ViaSKU, 7, 70, 100))
	in.Cancelled = true
	got := Route(in)
	want := Plan{Why: "the order is cancelled"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Route = %+v, want %+v", got, want)
	}
	in.Cancelled, in.Paid = false, false
	if got := Route(in); got.Eligible || got.POs != nil || got.Why == "" {
		t.Fatalf("unpaid order with trigger paid: Route = %+v, want not eligible", got)
	}
	in.Trigger = TriggerAny
	if got := Route(in); !got.Eligible || len(got.POs) != 1 {
		t.Fatalf("unpaid order with trigger any: Route = %+v, want one PO", got)
	}
}

func TestParseTrigger(t *testing.T) {
	tests := []struct {
		in      string
		want    Trigger
		wantErr bool
	}{
		{"", TriggerPaid, false},
		{"paid", TriggerPaid, false},
		{" ANY ", TriggerAny, false},
		{"unpaid", "", true},
	}
	for _, tt := range tests {
		got, err := ParseTrigger(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseTrigger(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseStrategy(t *testing.T) {
	tests := []struct {
		in      string
		want    Strategy
		wantErr bool
	}{
		{"", StrategyPriority, false},
		{"priority", StrategyPriority, false},
		{"Lowest_Cost", StrategyLowestCost, false},
		{"in_stock_first", StrategyInStockFirst, false},
		{"cheapest", "", true},
	}
	for _, tt := range tests {
		got, err := ParseStrategy(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseStrategy(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestSkipped(t *testing.T) {
	gift := line(1, "GIFT", 1)
	gift.GiftCard = true
	digital := line(2, "EBOOK", 1)
	digital.RequiresShipping = false
	shipped := line(3, "DONE", 2)
	shipped.FulfillableQuantity = 0
	partial := line(4, "HALF", 5)
	partial.FulfillableQuantity = 2

	var cs []Candidate
	for i := range int64(4) {
		cs = append(cs, cand(i+1, ViaSKU, 7, 70+i, 100))
	}
	got := Route(paid([]Line{gift, digital, shipped, partial}, cs...))
	want := Plan{
		Eligible: true,
		POs: []PO{{SupplierID: 7, Lines: []POLine{
			{OrderLineID: 4, CatalogItemID: 73, SKU: "S", Title: "T", Quantity: 2, Cost: 100, Currency: "USD"},
		}}},
		Skipped: []Problem{
			{1, "gift card"},
			{2, "does not require shipping"},
			{3, "nothing left to fulfil"},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Route =\n%+v\nwant\n%+v", got, want)
	}
}

func TestPrecedence(t *testing.T) {
	// The lower groups are always more attractive, so only precedence can
	// explain the mapping (or SKU) match winning.
	mapping := cand(1, ViaMapping, 9, 90, 900)
	mapping.PartnerPriority = 5
	sku := cand(1, ViaSKU, 8, 80, 500)
	sku.PartnerPriority = 2
	gtin := cand(1, ViaGTIN, 7, 70, 100)
	unknown := cand(1, "title", 6, 60, 1)

	tests := []struct {
		name string
		cs   []Candidate
		want int64 // catalog item; 0 = unmatched
	}{
		{"mapping beats sku and gtin", []Candidate{gtin, sku, mapping}, 90},
		{"sku beats gtin", []Candidate{gtin, sku}, 80},
		{"gtin alone", []Candidate{gtin}, 70},
		{"unknown via is ignored", []Candidate{unknown}, 0},
		{"none", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, s := range []Strategy{StrategyPriority, StrategyLowestCost, StrategyInStockFirst} {
				cs := make([]Candidate, len(tt.cs))
				for i, c := range tt.cs {
					c.Strategy = s
					cs[i] = c
				}
				p := Route(paid([]Line{line(1, "A", 1)}, cs...))
				if got := chosen(p)[1]; got != tt.want {
					t.Errorf("%s: chose item %d, want %d (plan %+v)", s, got, tt.want, p)
				}
				if tt.want == 0 && len(p.Unmatched) != 1 {
					t.Errorf("%s: Unmatched = %+v, want the line", s, p.Unmatched)
				}
			}
		})
	}
}

func TestStrategies(t *testing.T) {
	type c struct {
		supplier, item   int64
		partner, mapping int
		cost             money.Amount
		inventory        int
		strategy         Strategy
	}
	tests := []struct {
		name string
		qty  int
		cs   []c
		want int64
	}{
		{"priority: partner priority first", 1, []c{
			{1, 10, 2, 0, 100, 9, ""}, {2, 20, 1, 0, 900, 9, ""},
		}, 20},
		{"priority: then mapping priority", 1, []c{
			{1, 10, 1, 2, 100, 9, "priority"}, {2, 20, 1, 1, 900, 9, "priority"},
		}, 20},
		{"priority: then cost", 1, []c{
			{1, 10, 1, 1, 200, 9, "priority"}, {2, 20, 1, 1, 150, 9, "priority"},
		}, 20},
		{"priority: then supplier id", 1, []c{
			{2, 20, 1, 1, 150, 9, "priority"}, {1, 10, 1, 1, 150, 9, "priority"},
		}, 10},
		{"priority: then catalog item id", 1, []c{
			{1, 11, 1, 1, 150, 9, "priority"}, {1, 10, 1, 1, 150, 9, "priority"},
		}, 10},
		{"priority: ignores stock", 5, []c{
			{1, 10, 1, 0, 100, 0, "priority"}, {2, 20, 2, 0, 100, 9, "priority"},
		}, 10},
		{"lowest_cost: cost beats partner priority", 1, []c{
			{1, 10, 1, 0, 500, 9, "lowest_cost"}, {2, 20, 3, 0, 499, 9, "lowest_cost"},
		}, 20},
		{"lowest_cost: ignores mapping priority", 1, []c{
			{1, 10, 1, 0, 500, 9, "lowest_cost"}, {1, 11, 1, 9, 400, 9, "lowest_cost"},
		}, 11},
		{"lowest_cost: equal cost then partner priority", 1, []c{
			{1, 10, 2, 0, 500, 9, "lowest_cost"}, {2, 20, 1, 0, 500, 9, "lowest_cost"},
		}, 20},
		{"in_stock_first: stock beats priority", 3, []c{
			{1, 10, 1, 0, 100, 2, "in_stock_first"}, {2, 20, 2, 0, 900, 3, "in_stock_first"},
		}, 20},
		{"in_stock_first: all short falls back to priority", 3, []c{
			{1, 10, 2, 0, 100, 2, "in_stock_first"}, {2, 20, 1, 0, 900, 0, "in_stock_first"},
		}, 20},
		{"in_stock_first: all in stock falls back to priority", 3, []c{
			{1, 10, 2, 0, 100, 5, "in_stock_first"}, {2, 20, 1, 0, 900, 3, "in_stock_first"},
		}, 20},
		{"mixed: lead partnership's lowest_cost applies", 1, []c{
			{1, 10, 1, 0, 500, 9, "lowest_cost"}, {2, 20, 2, 0, 400, 9, "priority"},
		}, 20},
		{"mixed: lead partnership's priority applies", 1, []c{
			{1, 10, 1, 0, 500, 9, "priority"}, {2, 20, 2, 0, 400, 9, "lowest_cost"},
		}, 10},
		{"mixed: equal partner priority, lower supplier id leads", 1, []c{
			// Under priority, mapping priority would pick item 30.
			{2, 20, 1, 1, 500, 9, "priority"}, {1, 10, 1, 0, 600, 9, "lowest_cost"}, {3, 30, 1, 0, 550, 9, "priority"},
		}, 20},
		{"mixed: equal partner priority, lower supplier id leads (reversed)", 1, []c{
			// Under lowest_cost, item 20 would win.
			{2, 20, 1, 1, 500, 9, "lowest_cost"}, {1, 10, 1, 0, 600, 9, "priority"}, {3, 30, 1, 0, 550, 9, "lowest_cost"},
		}, 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cs []Candidate
			for _, x := range tt.cs {
				k := cand(1, ViaSKU, x.supplier, x.item, x.cost)
				k.PartnerPriority, k.MappingPriority, k.Inventory, k.Strategy = x.partner, x.mapping, x.inventory, x.strategy
				cs = append(cs, k)
			}
			if got := chosen(Route(paid([]Line{line(1, "A", tt.qty)}, cs...)))[1]; got != tt.want {
				t.Errorf("chose item %d, want %d", got, tt.want)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	strategies := []Strategy{"", StrategyPriority, StrategyLowestCost, StrategyInStockFirst}
	vias := []string{ViaMapping, ViaSKU, ViaGTIN}
	r := rand.New(rand.NewPCG(1, 2))
	var lines []Line
	var cs []Candidate
	for l := int64(1); l <= 50; l++ {
		lines = append(lines, line(l, "L", 1+r.IntN(4)))
		for range r.IntN(8) {
			// Few distinct values, so that ties are everywhere, including
			// duplicates of one catalog item that disagree on cost.
			cs = append(cs, Candidate{
				LineID: l, Via: vias[r.IntN(3)], SupplierID: int64(1 + r.IntN(3)),
				SKU: fmt.Sprint("s", r.IntN(2)), Title: fmt.Sprint("t", r.IntN(2)),
				CatalogItemID: int64(1 + r.IntN(2)), Cost: money.Amount(r.IntN(2)),
				Currency: "USD", Inventory: r.IntN(5), PartnerPriority: r.IntN(2),
				MappingPriority: r.IntN(2), Strategy: strategies[r.IntN(len(strategies))],
			})
		}
	}
	// Duplicates of one catalog item that disagree only on what ends up on
	// the PO: nothing but the final tiebreak can order them.
	for i, s := range strategies {
		l := int64(100 + i)
		lines = append(lines, line(l, "D", 1))
		for _, sku := range []string{"x", "y", "z"} {
			cs = append(cs, Candidate{LineID: l, Via: ViaSKU, SupplierID: 1, CatalogItemID: 1,
				SKU: sku, Currency: "USD", Strategy: s})
		}
	}
	in := paid(lines, cs...)
	in.Blocked = map[int64]string{3: "accepted"}
	want := Route(in)
	if len(want.POs) == 0 || len(want.Unmatched) == 0 {
		t.Fatalf("fixture too weak: %+v", want)
	}
	for range 500 {
		shuffled := append([]Candidate(nil), cs...)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		in.Candidates = shuffled
		if got := Route(in); !reflect.DeepEqual(got, want) {
			t.Fatalf("Route depends on candidate order:\n got %+v\nwant %+v", got, want)
		}
	}
}

func TestGrouping(t *testing.T) {
	lines := []Line{line(30, "C", 1), line(10, "A", 2), line(20, "B", 3), line(40, "D", 4)}
	got := Route(paid(lines,
		cand(10, ViaSKU, 9, 91, 100),
		cand(20, ViaSKU, 5, 51, 200),
		cand(30, ViaSKU, 9, 93, 300),
		cand(40, ViaSKU, 5, 54, 400),
	))
	var order [][]int64
	for _, po := range got.POs {
		ids := []int64{po.SupplierID}
		for _, l := range po.Lines {
			ids = append(ids, l.OrderLineID, int64(l.Quantity))
		}
		order = append(order, ids)
	}
	// POs by supplier id; lines in the order's line order, not by id.
	want := [][]int64{{5, 20, 3, 40, 4}, {9, 30, 1, 10, 2}}
	if !reflect.DeepEqual(order, want) {
		t.Fatalf("POs (supplier, line, qty, ...) = %v, want %v", order, want)
	}
}

func TestReroute(t *testing.T) {
	lines := []Line{line(1, "A", 1), line(2, "B", 1), line(3, "C", 1)}
	shipped := line(4, "D", 1)
	shipped.FulfillableQuantity = 0 // on a PO and shipped since: neither skipped nor routed
	lines = append(lines, shipped)
	in := paid(lines,
		cand(1, ViaSKU, 7, 71, 100),
		cand(2, ViaSKU, 8, 82, 100),
		cand(4, ViaSKU, 7, 74, 100),
	)
	in.Routed = map[int64]bool{1: true, 4: true}
	got := Route(in)
	want := Plan{
		Eligible:  true,
		POs:       []PO{{SupplierID: 8, Lines: []POLine{{2, 82, "S", "T", 1, 100, "USD"}}}},
		Unmatched: []Problem{{3, `no supplier carries SKU "C" (variant vC)`}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Route =\n%+v\nwant\n%+v", got, want)
	}
}

func TestBlocked(t *testing.T) {
	first := cand(1, ViaMapping, 7, 70, 100)
	second := cand(1, ViaMapping, 8, 80, 100)
	second.PartnerPriority = 1
	third := cand(1, ViaMapping, 9, 90, 100)
	third.PartnerPriority = 2
	sku := cand(1, ViaSKU, 6, 60, 100) // lower precedence: never a fallback

	tests := []struct {
		name    string
		blocked map[int64]string
		want    int64
		reason  string
	}{
		{"none blocked", nil, 70, ""},
		{"first blocked", map[int64]string{7: "PO accepted"}, 80, ""},
		{"first two blocked", map[int64]string{7: "PO accepted", 8: "PO shipped"}, 90, ""},
		{"unrelated supplier blocked", map[int64]string{6: "x"}, 70, ""},
		{"all blocked", map[int64]string{7: "PO accepted", 8: "PO shipped", 9: ""},
			0, "no supplier can take it: supplier 7: PO accepted; supplier 8: PO shipped; supplier 9: blocked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := paid([]Line{line(1, "A", 1)}, third, sku, first, second, first)
			in.Blocked = tt.blocked
			p := Route(in)
			if got := chosen(p)[1]; got != tt.want {
				t.Errorf("chose item %d, want %d", got, tt.want)
			}
			var reason string
			if len(p.Unmatched) == 1 {
				reason = p.Unmatched[0].Reason
			}
			if reason != tt.reason {
				t.Errorf("unmatched reason = %q, want %q", reason, tt.reason)
			}
		})
	}
}

func TestUnmatchedReason(t *testing.T) {
	tests := []struct {
		l    Line
		want string
	}{
		{Line{SKU: "AB-1", VariantID: "44"}, `no supplier carries SKU "AB-1" (variant 44)`},
		{Line{SKU: "AB-1", GTIN: "0123456789012", VariantID: "44"}, `no supplier carries SKU "AB-1" (GTIN 0123456789012, variant 44)`},
		{Line{GTIN: "0123456789012"}, `no supplier carries GTIN 0123456789012`},
		{Line{VariantID: "44"}, `no supplier carries variant 44`},
		{Line{Title: "Custom engraving"}, `no supplier carries "Custom engraving": the line has no variant, SKU or GTIN to match`},
	}
	for _, tt := range tests {
		l := tt.l
		l.ID, l.RequiresShipping, l.FulfillableQuantity = 1, true, 1
		p := Route(paid([]Line{l}))
		if len(p.Unmatched) != 1 || p.Unmatched[0].Reason != tt.want {
			t.Errorf("line %+v: Unmatched = %+v, want %q", tt.l, p.Unmatched, tt.want)
		}
	}
}
