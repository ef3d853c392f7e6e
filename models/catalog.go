package models

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"gorm.io/gorm"
)

// ReserveInventory takes units (by catalog item id) out of stock, never
// below zero.
func ReserveInventory(tx *gorm.DB, units map[int64]int) error {
	delta := make(map[int64]int, len(units))
	for id, n := range units {
		delta[id] = -n
	}
	if err := adjustInventory(tx, delta); err != nil {
		return fmt.Errorf("reserve inventory: %w", err)
	}
	return nil
}

// ReleaseInventory returns the units of cancelled or rejected PO lines to
// stock (lines rejected earlier gave theirs back already).
func ReleaseInventory(tx *gorm.DB, lines []POLine) error {
	delta := map[int64]int{}
	for _, l := range lines {
		if l.CatalogItemID != nil && l.State != LineRejected {
			delta[*l.CatalogItemID] += l.Quantity
		}
	}
	if err := adjustInventory(tx, delta); err != nil {
		return fmt.Errorf("release inventory: %w", err)
	}
	return nil
}

// adjustInventory adds delta (by catalog item id) to stock, never going
// below zero, in two statements at most. Items whose stock is not tracked
// (NULL) are left alone. Every change of stock goes through here, because
// transactions that share items must lock their rows in the same order or
// they deadlock (a plain UPDATE ... WHERE id IN (...) locks in scan order,
// and did): on Postgres a sorted SELECT locks them first; SQLite has one
// writer and cannot deadlock.
func adjustInventory(tx *gorm.DB, delta map[int64]int) error {
	if len(delta) == 0 {
		return nil
	}
	ids := slices.Sorted(maps.Keys(delta))
	var values strings.Builder
	args := make([]any, 0, 2*len(ids))
	for i, id := range ids {
		if i > 0 {
			values.WriteString(", ")
		}
		values.WriteString("(CAST(? AS BIGINT), CAST(? AS INTEGER))")
		args = append(args, id, delta[id])
	}
	if tx.Dialector.Name() == "postgres" {
		// Lock first, in id order, with a statement that runs to completion
		// (locks taken inside the UPDATE's own plan follow join order). NO
		// KEY UPDATE, as the UPDATE itself takes: FOR UPDATE would also
		// conflict with the KEY SHARE locks that inserting po_lines (a
		// foreign key to these rows) takes, and deadlock against them.
		var locked []int64
		if err := tx.Raw(`SELECT id FROM catalog_items WHERE id IN ? ORDER BY id FOR NO KEY UPDATE`, ids).Scan(&locked).Error; err != nil {
			return fmt.Errorf("lock catalog items %v: %w", ids, err)
		}
	}
	sql := `WITH change (id, delta) AS (VALUES ` + values.String() + `)
		UPDATE catalog_items SET inventory = CASE WHEN inventory + c.delta > 0 THEN inventory + c.delta ELSE 0 END
		FROM change c WHERE catalog_items.id = c.id AND catalog_items.inventory IS NOT NULL`
	if err := tx.Exec(sql, args...).Error; err != nil {
		return fmt.Errorf("update stock of catalog items %v: %w", ids, err)
	}
	return nil
}

// Candidate is a catalog item of an active partner supplier that may fill a
// retailer's order line, found by mapping, SKU or GTIN.
type Candidate struct {
	Item            CatalogItem
	Partnership     Partnership
	MappedVariant   string // set when found through a mapping of this variant
	MappingPriority int
}

// FindCandidates returns the active catalog items of the retailer's active
// partners that match any of the variants (through mappings), SKUs or
// GTINs: three indexed queries, whatever the size of the catalogs.
func FindCandidates(tx *gorm.DB, retailerID int64, variants, skus, gtins []string) ([]Candidate, error) {
	var partners []Partnership
	if err := tx.Where("retailer_id = ? AND active", retailerID).Find(&partners).Error; err != nil {
		return nil, fmt.Errorf("load partnerships of retailer %d: %w", retailerID, err)
	}
	if len(partners) == 0 {
		return nil, nil
	}
	bySupplier := make(map[int64]Partnership, len(partners))
	supplierIDs := make([]int64, 0, len(partners))
	for _, p := range partners {
		bySupplier[p.SupplierID] = p
		supplierIDs = append(supplierIDs, p.SupplierID)
	}
	var out []Candidate
	if len(variants) > 0 {
		var mapped []struct {
			CatalogItem
			MappedVariant   string
			MappingPriority int
		}
		err := tx.Raw(`SELECT ci.*, m.variant_id AS mapped_variant, m.priority AS mapping_priority
			FROM mappings m JOIN catalog_items ci ON ci.id = m.catalog_item_id AND ci.supplier_id = m.supplier_id
			WHERE m.retailer_id = ? AND m.variant_id IN ? AND m.supplier_id IN ? AND ci.active`,
			retailerID, variants, supplierIDs).Scan(&mapped).Error
		if err != nil {
			return nil, fmt.Errorf("load mapped catalog items: %w", err)
		}
		for _, m := range mapped {
			out = append(out, Candidate{Item: m.CatalogItem, Partnership: bySupplier[m.SupplierID],
				MappedVariant: m.MappedVariant, MappingPriority: m.MappingPriority})
		}
	}
	// One round trip for both keys; each branch keeps its own index. The
	// GTIN index is partial (gtin <> ''), so its branch repeats that.
	var branches []string
	var args []any
	if len(skus) > 0 {
		branches = append(branches, "SELECT * FROM catalog_items WHERE sku IN ? AND supplier_id IN ? AND active")
		args = append(args, skus, supplierIDs)
	}
	if len(gtins) > 0 {
		branches = append(branches, "SELECT * FROM catalog_items WHERE gtin IN ? AND gtin <> '' AND supplier_id IN ? AND active")
		args = append(args, gtins, supplierIDs)
	}
	if len(branches) > 0 {
		var items []CatalogItem
		if err := tx.Raw(strings.Join(branches, " UNION ALL "), args...).Scan(&items).Error; err != nil {
			return nil, fmt.Errorf("load catalog items by SKU and GTIN: %w", err)
		}
		for _, it := range items {
			out = append(out, Candidate{Item: it, Partnership: bySupplier[it.SupplierID]})
		}
	}
	return out, nil
}

// UnshippedQuantities maps each accepted line of a PO to the units that no
// shipment carries yet.
func UnshippedQuantities(tx *gorm.DB, poID int64) (map[int64]int, error) {
	var rows []struct {
		ID       int64
		Quantity int
		Shipped  int
	}
	err := tx.Raw(`SELECT l.id, l.quantity, COALESCE(SUM(sl.quantity), 0) AS shipped
		FROM po_lines l LEFT JOIN shipment_lines sl ON sl.po_line_id = l.id
		WHERE l.purchase_order_id = ? AND l.state <> ?
		GROUP BY l.id, l.quantity`, poID, LineRejected).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("sum shipped units of purchase order %d: %w", poID, err)
	}
	out := make(map[int64]int, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Quantity - r.Shipped
	}
	return out, nil
}
