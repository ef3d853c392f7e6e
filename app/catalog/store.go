package catalog

import (
	"context"
	"fmt"
	"io"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/consign/consign/app/database"
	"github.com/consign/consign/models"
)

// batchSize rows go in one upsert statement and one transaction: large
// enough to amortise round trips, small enough for SQLite's variable limit.
const batchSize = 1000

// Import streams a catalog CSV into the supplier's catalog, upserting by
// (supplier, SKU). Good rows are imported even when others are bad; the
// Report lists the bad ones by line. Memory stays bounded by one batch.
func Import(ctx context.Context, db *database.DB, supplierID int64, currency string, r io.Reader, now time.Time) (Report, error) {
	batch := make([]models.CatalogItem, 0, batchSize)
	index := make(map[string]int, batchSize) // a SKU repeated within a batch: the later row wins
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := db.Gorm.WithContext(ctx).Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "supplier_id"}, {Name: "sku"}},
			DoUpdates: clause.AssignmentColumns([]string{"gtin", "title", "cost", "currency", "inventory", "active", "updated_at"}),
		}).Session(&gorm.Session{SkipHooks: true}).Create(&batch).Error
		if err != nil {
			return fmt.Errorf("upsert catalog batch: %w", err)
		}
		batch, index = batch[:0], make(map[string]int, batchSize)
		return nil
	}
	report, err := Parse(r, currency, func(it Item) error {
		row := models.CatalogItem{
			SupplierID: supplierID, SKU: it.SKU, GTIN: it.GTIN, Title: it.Title,
			Cost: it.Cost, Currency: it.Currency, Active: true, CreatedAt: now, UpdatedAt: now,
		}
		if it.HasInventory {
			inv := it.Inventory
			row.Inventory = &inv
		}
		if i, ok := index[it.SKU]; ok {
			batch[i] = row
			return nil
		}
		index[it.SKU] = len(batch)
		batch = append(batch, row)
		if len(batch) == batchSize {
			return flush()
		}
		return nil
	})
	if err != nil {
		return report, err
	}
	return report, flush()
}
