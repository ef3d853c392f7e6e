package accounts

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/consign/consign/models"
)

// ListAPIKeys returns an account's keys, newest first, revoked ones too
// (their hashes are left out: nothing reads them back).
func (s *Service) ListAPIKeys(ctx context.Context, accountID int64) ([]models.APIKey, error) {
	var keys []models.APIKey
	err := s.DB.Gorm.WithContext(ctx).Select("id", "account_id", "prefix", "created_at", "last_used_at", "revoked_at").
		Where("account_id = ?", accountID).Order("id DESC").Find(&keys).Error
	if err != nil {
		return nil, fmt.Errorf("list api keys of account %d: %w", accountID, err)
	}
	return keys, nil
}

// RevokeAPIKey stops one of the account's keys from working. Revoking a
// revoked key is a no-op; another account's key is models.ErrNotFound.
func (s *Service) RevokeAPIKey(ctx context.Context, accountID, keyID int64) error {
	db := s.DB.Gorm.WithContext(ctx)
	res := db.Model(&models.APIKey{}).Where("id = ? AND account_id = ? AND revoked_at IS NULL", keyID, accountID).
		Update("revoked_at", s.Now())
	if res.Error != nil {
		return fmt.Errorf("revoke api key %d: %w", keyID, res.Error)
	}
	if res.RowsAffected == 1 {
		return nil
	}
	var k models.APIKey
	err := db.Select("id").Where("id = ? AND account_id = ?", keyID, accountID).Take(&k).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("api key %d: %w", keyID, models.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("look up api key %d: %w", keyID, err)
	}
	return nil
}
