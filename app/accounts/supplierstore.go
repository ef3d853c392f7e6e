package accounts

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/consign/consign/models"
)

// ConnectSupplierStore connects a supplier's own store to its existing
// supplier account, so that POs of its "store" partnerships become orders
// there. A later install or token refresh of the shop updates this same
// connection. A shop already connected to another account is refused: one
// store belongs to one account.
func (s *Service) ConnectSupplierStore(ctx context.Context, supplierID int64, platform, shop string, g Grant) (models.Connection, error) {
	shop, err := s.checkGrant(platform, shop, g)
	if err != nil {
		return models.Connection{}, err
	}
	sealed, err := s.seal(g)
	if err != nil {
		return models.Connection{}, err
	}
	now := s.Now()
	var conn models.Connection
	err = s.DB.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var sup models.Account
		if err := tx.Where("id = ? AND is_supplier", supplierID).Take(&sup).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return fmt.Errorf("supplier %d: %w", supplierID, models.ErrNotFound)
			}
			return fmt.Errorf("load supplier %d: %w", supplierID, err)
		}
		err := tx.Where("platform = ? AND shop = ?", platform, shop).Take(&conn).Error
		switch {
		case err == nil && conn.AccountID != supplierID:
			return fmt.Errorf("%w: %s is connected to account %d", models.ErrConflict, shop, conn.AccountID)
		case err == nil:
			if conn.UninstalledAt != nil {
				conn.InstalledAt = now
			}
			conn.UninstalledAt, conn.UpdatedAt = nil, now
			setGrant(&conn, sealed)
			if err := tx.Save(&conn).Error; err != nil {
				return fmt.Errorf("update connection %d: %w", conn.ID, err)
			}
			return nil
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return fmt.Errorf("look up connection: %w", err)
		}
		conn = models.Connection{AccountID: supplierID, Platform: platform, Shop: shop,
			InstalledAt: now, CreatedAt: now, UpdatedAt: now}
		setGrant(&conn, sealed)
		if err := tx.Create(&conn).Error; err != nil {
			return fmt.Errorf("create connection: %w", err)
		}
		return nil
	})
	return conn, err
}

// SetChannel changes how a retailer's supplier receives its POs. The store
// channel needs the supplier's store connected first.
func (s *Service) SetChannel(ctx context.Context, retailerID, supplierID int64, channel string) error {
	if channel != models.ChannelPortal && channel != models.ChannelStore {
		return &models.ValidationError{Message: fmt.Sprintf("channel %q: want %s or %s", channel, models.ChannelPortal, models.ChannelStore)}
	}
	db := s.DB.Gorm.WithContext(ctx)
	if channel == models.ChannelStore {
		var n int64
		if err := db.Model(&models.Connection{}).Where("account_id = ? AND uninstalled_at IS NULL", supplierID).Count(&n).Error; err != nil {
			return fmt.Errorf("look up supplier %d's store: %w", supplierID, err)
		}
		if n == 0 {
			return &models.ValidationError{Message: "connect the supplier's store before choosing the store channel"}
		}
	}
	res := db.Model(&models.Partnership{}).Where("retailer_id = ? AND supplier_id = ?", retailerID, supplierID).
		Updates(map[string]any{"channel": channel, "updated_at": s.Now()})
	if res.Error != nil {
		return fmt.Errorf("set channel of supplier %d: %w", supplierID, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("supplier %d of retailer %d: %w", supplierID, retailerID, models.ErrNotFound)
	}
	return nil
}
