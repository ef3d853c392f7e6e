package models

import (
	"fmt"

	"gorm.io/gorm"
)

// ReserveInventory takes a PO line's units out of its catalog item's stock,
// never below zero. Items whose stock is not tracked (NULL) are left alone.
func ReserveInventory(tx *gorm.DB, catalogItemID int64, quantity int) error {
	err := tx.Exec(`UPDATE catalog_items SET inventory = CASE WHEN inventory > ? THEN inventory - ? ELSE 0 END
		WHERE id = ? AND inventory IS NOT NULL`, quantity, quantity, catalogItemID).Error
	if err != nil {
		return fmt.Errorf("reserve inventory of catalog item %d: %w", catalogItemID, err)
	}
	return nil
}

// ReleaseInventory returns the units of cancelled PO lines to stock.
func ReleaseInventory(tx *gorm.DB, lines []POLine) error {
	for _, l := range lines {
		if l.CatalogItemID == nil || l.State == LineRejected {
			continue
		}
		err := tx.Exec(`UPDATE catalog_items SET inventory = inventory + ? WHERE id = ? AND inventory IS NOT NULL`,
			l.Quantity, *l.CatalogItemID).Error
		if err != nil {
			return fmt.Errorf("release inventory of catalog item %d: %w", *l.CatalogItemID, err)
		}
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
// GTINs: four indexed queries, whatever the size of the catalogs.
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
		var maps []Mapping
		if err := tx.Where("retailer_id = ? AND variant_id IN ? AND supplier_id IN ?", retailerID, variants, supplierIDs).
			Find(&maps).Error; err != nil {
			return nil, fmt.Errorf("load mappings: %w", err)
		}
		if len(maps) > 0 {
			ids := make([]int64, len(maps))
			for i, m := range maps {
				ids[i] = m.CatalogItemID
			}
			var items []CatalogItem
			if err := tx.Where("id IN ? AND active", ids).Find(&items).Error; err != nil {
				return nil, fmt.Errorf("load mapped catalog items: %w", err)
			}
			byID := make(map[int64]CatalogItem, len(items))
			for _, it := range items {
				byID[it.ID] = it
			}
			for _, m := range maps {
				if it, ok := byID[m.CatalogItemID]; ok && it.SupplierID == m.SupplierID {
					out = append(out, Candidate{Item: it, Partnership: bySupplier[it.SupplierID], MappedVariant: m.VariantID, MappingPriority: m.Priority})
				}
			}
		}
	}
	// The GTIN index is partial (gtin <> ''); SQLite uses it, and a generic
	// Postgres plan can, only when the query repeats that condition.
	for _, q := range []struct {
		where string
		keys  []string
	}{{"sku IN ?", skus}, {"gtin IN ? AND gtin <> ''", gtins}} {
		if len(q.keys) == 0 {
			continue
		}
		var items []CatalogItem
		if err := tx.Where(q.where+" AND supplier_id IN ? AND active", q.keys, supplierIDs).Find(&items).Error; err != nil {
			return nil, fmt.Errorf("load catalog items by %s: %w", q.where, err)
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
