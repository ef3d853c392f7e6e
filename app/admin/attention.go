package admin

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/consign/consign/app/money"
	"github.com/consign/consign/app/pipeline"
	"github.com/consign/consign/models"
)

const (
	// attentionOrders bounds the orders the needs-attention page shows.
	attentionOrders = 25
	// candidateLimit bounds each suggestion query, whatever the catalogs hold.
	candidateLimit = 500
	// suggestionsShown per line.
	suggestionsShown = 5
	// minTitleScore is the least word overlap (Jaccard) worth suggesting.
	minTitleScore = 0.3
	// titleKeywords per line are searched for with LIKE.
	titleKeywords = 3
)

// Why a catalog item is suggested.
const (
	ViaSKU   = "same SKU"
	ViaGTIN  = "same GTIN"
	ViaTitle = "similar title"
)

// Suggestion is a catalog item that may fill an unmatched line.
type Suggestion struct {
	ItemID     int64
	SupplierID int64
	Supplier   string
	SKU        string
	GTIN       string
	Title      string
	Cost       money.Amount
	Currency   string
	Why        string
	score      float64
}

// UnmatchedLine is a shippable order line no live PO carries.
type UnmatchedLine struct {
	models.OrderLine
	Suggestions []Suggestion
}

// Mappable reports whether the line can be mapped: a mapping keys on the
// store's variant, which a deleted product no longer has.
func (l UnmatchedLine) Mappable() bool { return l.VariantID != "" }

// AttentionOrder is an order that needs a person, with its unmatched lines.
type AttentionOrder struct {
	models.Order
	Lines []UnmatchedLine
}

// Attention lists the oldest orders needing attention with their unmatched
// lines and suggested catalog items: seven queries, each bounded.
func (s *Service) Attention(ctx context.Context, retailerID int64) ([]AttentionOrder, int64, error) {
	db := s.db(ctx)
	var total int64
	q := db.Model(&models.Order{}).Where("retailer_id = ? AND state = ?", retailerID, models.OrderNeedsAttention)
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count orders needing attention: %w", err)
	}
	var orders []models.Order
	if err := db.Preload("Lines").Where("retailer_id = ? AND state = ?", retailerID, models.OrderNeedsAttention).
		Order("id").Limit(attentionOrders).Find(&orders).Error; err != nil {
		return nil, 0, fmt.Errorf("list orders needing attention: %w", err)
	}
	if len(orders) == 0 {
		return nil, total, nil
	}
	ids := make([]int64, len(orders))
	for i, o := range orders {
		ids[i] = o.ID
	}
	var carried []int64
	if err := db.Table("po_lines l").Joins("JOIN purchase_orders p ON p.id = l.purchase_order_id").
		Where("p.order_id IN ? AND p.retailer_id = ? AND p.state NOT IN ? AND l.state <> ?",
			ids, retailerID, []string{models.POCancelled, models.PORejected}, models.LineRejected).
		Pluck("l.order_line_id", &carried).Error; err != nil {
		return nil, 0, fmt.Errorf("load routed lines: %w", err)
	}
	var out []AttentionOrder
	var lines []*UnmatchedLine
	for _, o := range orders {
		ao := AttentionOrder{Order: o}
		for _, l := range o.Lines {
			if !l.RequiresShipping || l.GiftCard || l.FulfillableQuantity <= 0 || slices.Contains(carried, l.ID) {
				continue
			}
			ao.Lines = append(ao.Lines, UnmatchedLine{OrderLine: l})
		}
		slices.SortFunc(ao.Lines, func(a, b UnmatchedLine) int { return cmp.Compare(a.ID, b.ID) })
		ao.Order.Lines = nil
		out = append(out, ao)
	}
	for i := range out {
		for j := range out[i].Lines {
			lines = append(lines, &out[i].Lines[j])
		}
	}
	if err := s.suggest(ctx, retailerID, lines); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// partner is an active supplier of the retailer.
type partner struct {
	ID   int64
	Name string
}

func (s *Service) partners(ctx context.Context, retailerID int64) (map[int64]string, []int64, error) {
	var ps []partner
	err := s.db(ctx).Table("partnerships p").Select("a.id, a.name").
		Joins("JOIN accounts a ON a.id = p.supplier_id").
		Where("p.retailer_id = ? AND p.active", retailerID).Scan(&ps).Error
	if err != nil {
		return nil, nil, fmt.Errorf("load partner suppliers: %w", err)
	}
	names := make(map[int64]string, len(ps))
	ids := make([]int64, len(ps))
	for i, p := range ps {
		names[p.ID], ids[i] = p.Name, p.ID
	}
	return names, ids, nil
}

// suggest fills each line's Suggestions from the partners' active catalog
// items with the same SKU (ignoring case and spaces), the same GTIN, or a
// title sharing enough words: three bounded queries for all lines.
func (s *Service) suggest(ctx context.Context, retailerID int64, lines []*UnmatchedLine) error {
	if len(lines) == 0 {
		return nil
	}
	names, supplierIDs, err := s.partners(ctx, retailerID)
	if err != nil || len(supplierIDs) == 0 {
		return err
	}
	var skus, gtins, words []string
	for _, l := range lines {
		if k := foldSKU(l.SKU); k != "" {
			skus = append(skus, k)
		}
		if l.GTIN != "" {
			gtins = append(gtins, l.GTIN)
		}
		words = append(words, keywords(l.Title)...)
	}
	db := s.db(ctx)
	var items []models.CatalogItem
	find := func(what string, where any, args ...any) error {
		var found []models.CatalogItem
		if err := db.Where("supplier_id IN ? AND active", supplierIDs).Where(where, args...).
			Limit(candidateLimit).Find(&found).Error; err != nil {
			return fmt.Errorf("find catalog items by %s: %w", what, err)
		}
		items = append(items, found...)
		return nil
	}
	if len(skus) > 0 {
		// The expression matches the catalog_items_sku_folded index.
		if err := find("sku", "lower(replace(sku, ' ', '')) IN ?", skus); err != nil {
			return err
		}
	}
	if len(gtins) > 0 {
		if err := find("gtin", "gtin IN ?", gtins); err != nil {
			return err
		}
	}
	if len(words) > 0 {
		slices.Sort(words)
		words = slices.Compact(words)
		cond := db.Where(`LOWER(title) LIKE ? ESCAPE '\'`, likePattern(words[0]))
		for _, w := range words[1:] {
			cond = cond.Or(`LOWER(title) LIKE ? ESCAPE '\'`, likePattern(w))
		}
		if err := find("title", cond); err != nil {
			return err
		}
	}
	for _, l := range lines {
		seen := map[int64]bool{}
		lineWords := wordSet(l.Title)
		for _, it := range items {
			if seen[it.ID] {
				continue
			}
			sg := Suggestion{ItemID: it.ID, SupplierID: it.SupplierID, Supplier: names[it.SupplierID], SKU: it.SKU,
				GTIN: it.GTIN, Title: it.Title, Cost: it.Cost, Currency: it.Currency}
			switch {
			case l.SKU != "" && foldSKU(it.SKU) == foldSKU(l.SKU):
				sg.Why, sg.score = ViaSKU, 3
			case l.GTIN != "" && it.GTIN == l.GTIN:
				sg.Why, sg.score = ViaGTIN, 2
			default:
				score := jaccard(lineWords, wordSet(it.Title))
				if score < minTitleScore {
					continue
				}
				sg.Why, sg.score = ViaTitle, score
			}
			seen[it.ID] = true
			l.Suggestions = append(l.Suggestions, sg)
		}
		slices.SortStableFunc(l.Suggestions, func(a, b Suggestion) int {
			return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.ItemID, b.ItemID))
		})
		if len(l.Suggestions) > suggestionsShown {
			l.Suggestions = l.Suggestions[:suggestionsShown]
		}
	}
	return nil
}

// foldSKU is a SKU without case or spaces, as the folded index stores it.
func foldSKU(s string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
}

// words splits a title into lower-case words of letters and digits.
func words(title string) []string {
	return strings.FieldsFunc(strings.ToLower(title), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

func wordSet(title string) map[string]bool {
	set := map[string]bool{}
	for _, w := range words(title) {
		set[w] = true
	}
	return set
}

// keywords are a title's longest words (at least three letters): the ones
// most likely to single out similar titles.
func keywords(title string) []string {
	var ws []string
	for _, w := range words(title) {
		if len([]rune(w)) >= 3 {
			ws = append(ws, w)
		}
	}
	slices.SortStableFunc(ws, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	ws = slices.Compact(ws)
	if len(ws) > titleKeywords {
		ws = ws[:titleKeywords]
	}
	return ws
}

// jaccard is the share of words two titles have in common.
func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	both := 0
	for w := range a {
		if b[w] {
			both++
		}
	}
	return float64(both) / float64(len(a)+len(b)-both)
}

// MapResult says what mapping a line did.
type MapResult struct {
	OrderID  int64
	Supplier string
	SKU      string
	Route    pipeline.RouteResult
}

// MapLine maps an unmatched line's variant to a partner's catalog item and
// routes its order again. Both must be the retailer's: a foreign line or
// item is models.ErrNotFound.
func (s *Service) MapLine(ctx context.Context, retailerID, lineID, itemID int64) (MapResult, error) {
	db := s.db(ctx)
	var line models.OrderLine
	if err := db.Table("order_lines l").Select("l.*").Joins("JOIN orders o ON o.id = l.order_id").
		Where("l.id = ? AND o.retailer_id = ?", lineID, retailerID).Take(&line).Error; err != nil {
		return MapResult{}, notFound(err, fmt.Sprintf("order line %d", lineID))
	}
	var item struct {
		models.CatalogItem
		Supplier string
	}
	if err := db.Table("catalog_items i").Select("i.*, a.name AS supplier").
		Joins("JOIN partnerships p ON p.supplier_id = i.supplier_id AND p.retailer_id = ?", retailerID).
		Joins("JOIN accounts a ON a.id = i.supplier_id").
		Where("i.id = ?", itemID).Take(&item).Error; err != nil {
		return MapResult{}, notFound(err, fmt.Sprintf("catalog item %d", itemID))
	}
	if line.VariantID == "" {
		return MapResult{}, &models.ValidationError{Message: "this line has no store variant (its product was deleted), so it cannot be mapped"}
	}
	if _, err := s.Accounts.Map(ctx, retailerID, line.VariantID, item.SupplierID, item.SKU); err != nil {
		return MapResult{}, err
	}
	res, err := s.Router.RouteOrder(ctx, line.OrderID)
	if err != nil {
		return MapResult{}, fmt.Errorf("route order %d after mapping: %w", line.OrderID, err)
	}
	return MapResult{OrderID: line.OrderID, Supplier: item.Supplier, SKU: item.SKU, Route: res}, nil
}
