package privacy

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/consign/consign/app/pipeline"
	"github.com/consign/consign/models"
)

// shopRedact erases everything Consign holds for the shop: its deliveries,
// orders (with their lines, POs, history and shipments), data requests, the
// suppliers that trade with no one else, and the connection and retailer
// account. A supplier that also works for other retailers, or runs its own
// store on Consign, keeps its account. Foreign keys cascade from orders and
// accounts; the deletes run children first so neither dialect depends on
// the order cascades fire in.
func (s *Service) shopRedact(ctx context.Context, tx *gorm.DB, ev models.WebhookEvent) (string, error) {
	conn, err := connection(tx, ev)
	if err != nil {
		return "", err
	}
	// Shopify sends shop/redact 48 hours after an uninstall. One for a shop
	// that is installed now is not that: erasing a live store's data would
	// be an outage. Refused, kept and logged; Shopify sends another after
	// the next uninstall, and this one can be replayed then.
	if conn.UninstalledAt == nil {
		return "", fmt.Errorf("%w: shop/redact for %s, which is still installed: erasure runs only after an uninstall", pipeline.ErrRefused, conn.Shop)
	}
	// Everything received from the shop, this request included: the shop's
	// erasure is logged, not stored.
	res := tx.Where("connection_id = ? OR (platform = ? AND shop = ?)", conn.ID, conn.Platform, conn.Shop).Delete(&models.WebhookEvent{})
	if res.Error != nil {
		return "", fmt.Errorf("delete webhook events of %s: %w", conn.Shop, res.Error)
	}
	events := res.RowsAffected
	if err := tx.Where("connection_id = ?", conn.ID).Delete(&DataRequest{}).Error; err != nil {
		return "", fmt.Errorf("delete data requests of %s: %w", conn.Shop, err)
	}
	res = tx.Where("connection_id = ?", conn.ID).Delete(&models.Order{})
	if res.Error != nil {
		return "", fmt.Errorf("delete orders of %s: %w", conn.Shop, res.Error)
	}
	orders := res.RowsAffected

	retailer := conn.AccountID
	var others int64
	if err := tx.Model(&models.Connection{}).Where("account_id = ? AND id <> ?", retailer, conn.ID).Count(&others).Error; err != nil {
		return "", fmt.Errorf("count other stores of account %d: %w", retailer, err)
	}
	if others > 0 {
		// The account has other stores: only this one goes.
		if err := tx.Delete(&models.Connection{}, conn.ID).Error; err != nil {
			return "", fmt.Errorf("delete connection %d: %w", conn.ID, err)
		}
		s.Log.InfoContext(ctx, "shop erased", "shop", conn.Shop, "orders", orders, "events", events, "account_kept", retailer)
		return fmt.Sprintf("erased %d order(s), %d webhook event(s); the account keeps its other stores", orders, events), nil
	}

	var suppliers []int64
	err = tx.Raw(`SELECT p.supplier_id FROM partnerships p JOIN accounts a ON a.id = p.supplier_id
		WHERE p.retailer_id = ? AND p.supplier_id <> ? AND NOT a.is_retailer
		AND NOT EXISTS (SELECT 1 FROM partnerships o WHERE o.supplier_id = p.supplier_id AND o.retailer_id <> ?)
		AND NOT EXISTS (SELECT 1 FROM connections c WHERE c.account_id = p.supplier_id)`,
		retailer, retailer, retailer).Scan(&suppliers).Error
	if err != nil {
		return "", fmt.Errorf("find suppliers only of account %d: %w", retailer, err)
	}
	if len(suppliers) > 0 {
		if err := tx.Where("supplier_id IN ?", suppliers).Delete(&models.Mapping{}).Error; err != nil {
			return "", fmt.Errorf("delete mappings of suppliers: %w", err)
		}
		if err := tx.Where("id IN ?", suppliers).Delete(&models.Account{}).Error; err != nil {
			return "", fmt.Errorf("delete suppliers only of account %d: %w", retailer, err)
		}
	}

	// A retailer that is also a supplier to others keeps its supplier side.
	var supplies int64
	if err := tx.Model(&models.Partnership{}).Where("supplier_id = ? AND retailer_id <> ?", retailer, retailer).Count(&supplies).Error; err != nil {
		return "", fmt.Errorf("count retailers supplied by account %d: %w", retailer, err)
	}
	if supplies > 0 {
		for _, del := range []struct {
			what  string
			model any
			where string
		}{
			{"mappings", &models.Mapping{}, "retailer_id = ?"},
			{"partnerships", &models.Partnership{}, "retailer_id = ?"},
		} {
			if err := tx.Where(del.where, retailer).Delete(del.model).Error; err != nil {
				return "", fmt.Errorf("delete %s of account %d: %w", del.what, retailer, err)
			}
		}
		if err := tx.Delete(&models.Connection{}, conn.ID).Error; err != nil {
			return "", fmt.Errorf("delete connection %d: %w", conn.ID, err)
		}
		if err := tx.Model(&models.Account{}).Where("id = ?", retailer).
			Updates(map[string]any{"is_retailer": false, "updated_at": s.Now()}).Error; err != nil {
			return "", fmt.Errorf("end retailer role of account %d: %w", retailer, err)
		}
	} else if err := tx.Delete(&models.Account{}, retailer).Error; err != nil {
		return "", fmt.Errorf("delete account %d: %w", retailer, err)
	}
	s.Log.InfoContext(ctx, "shop erased", "shop", conn.Shop, "orders", orders, "events", events, "suppliers", len(suppliers))
	return fmt.Sprintf("erased %d order(s), %d webhook event(s), %d supplier account(s)", orders, events, len(suppliers)), nil
}
