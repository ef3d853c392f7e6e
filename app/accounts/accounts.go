// Package accounts sets Consign up for a retailer: its store connection,
// its suppliers and their API keys, and variant mappings. Self-hosters
// script these through the CLI; the admin pages call the same functions.
package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/routing"
	"github.com/consign/consign/app/secrets"
	"github.com/consign/consign/models"
)

// Service manages accounts and what hangs off them.
type Service struct {
	DB  *database.DB
	Now func() time.Time
	// ValidateShop checks a shop name per platform before it is stored.
	ValidateShop map[string]func(string) error
	// Tokens seals store tokens at rest; required to connect or read a token.
	Tokens *secrets.Keyring
	// Refreshers renew expiring tokens, per platform.
	Refreshers map[string]Refresher
}

// Connect creates (or refreshes the token of) a retailer's store connection,
// creating the retailer account on first connect. The token does not expire
// (a custom app's Admin API token); installs through OAuth call Install.
func (s *Service) Connect(ctx context.Context, platform, shop, token string) (models.Connection, error) {
	return s.Install(ctx, platform, shop, Grant{AccessToken: token})
}

// Retailer finds the retailer account that owns a shop.
func (s *Service) Retailer(ctx context.Context, shop string) (models.Account, error) {
	var acct models.Account
	err := s.DB.Gorm.WithContext(ctx).
		Where("id = (SELECT account_id FROM connections WHERE shop = ? LIMIT 1)", strings.ToLower(strings.TrimSpace(shop))).
		Take(&acct).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return acct, fmt.Errorf("no retailer connected with shop %q: %w", shop, models.ErrNotFound)
	}
	return acct, err
}

// SupplierInput describes a new supplier of a retailer.
type SupplierInput struct {
	Name     string
	Email    string
	Strategy string
	Priority int
}

// Validate checks the input on its own.
func (in SupplierInput) Validate() error {
	if strings.TrimSpace(in.Name) == "" {
		return &models.ValidationError{Message: "a supplier name is required"}
	}
	if in.Email != "" {
		if _, err := mail.ParseAddress(in.Email); err != nil {
			return &models.ValidationError{Message: fmt.Sprintf("email %q is not an address", in.Email)}
		}
	}
	if _, err := routing.ParseStrategy(in.Strategy); err != nil {
		return &models.ValidationError{Message: err.Error()}
	}
	return nil
}

// AddSupplier creates a supplier account and its partnership with the
// retailer, and returns an API key for it (shown once; only its hash is kept).
func (s *Service) AddSupplier(ctx context.Context, retailerID int64, in SupplierInput) (models.Account, string, error) {
	if err := in.Validate(); err != nil {
		return models.Account{}, "", err
	}
	strategy, _ := routing.ParseStrategy(in.Strategy)
	now := s.Now()
	var sup models.Account
	var key string
	err := s.DB.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		sup = models.Account{Name: strings.TrimSpace(in.Name), Email: in.Email, IsSupplier: true, Currency: "USD",
			RoutingTrigger: string(routing.TriggerPaid), LateAcceptHours: 24, LateShipDays: 3, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&sup).Error; err != nil {
			return fmt.Errorf("create supplier account: %w", err)
		}
		p := models.Partnership{RetailerID: retailerID, SupplierID: sup.ID, Strategy: string(strategy),
			Priority: in.Priority, Channel: models.ChannelPortal, Active: true, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&p).Error; err != nil {
			return fmt.Errorf("create partnership: %w", err)
		}
		var err error
		key, err = createAPIKey(tx, sup.ID, now)
		return err
	})
	return sup, key, err
}

// apiKeyPrefix marks Consign keys, so a leaked one is recognisable.
const apiKeyPrefix = "csk_"

func createAPIKey(tx *gorm.DB, accountID int64, now time.Time) (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate api key: %w", err)
	}
	key := apiKeyPrefix + hex.EncodeToString(b)
	k := models.APIKey{AccountID: accountID, Prefix: key[:len(apiKeyPrefix)+6], Hash: hashKey(key), CreatedAt: now}
	if err := tx.Create(&k).Error; err != nil {
		return "", fmt.Errorf("store api key: %w", err)
	}
	return key, nil
}

// CreateAPIKey issues one more key for an account.
func (s *Service) CreateAPIKey(ctx context.Context, accountID int64) (string, error) {
	return createAPIKey(s.DB.Gorm.WithContext(ctx), accountID, s.Now())
}

// hashKey is SHA-256: keys are 192 random bits, so a slow hash adds nothing.
func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// Authenticate returns the account an API key belongs to.
func (s *Service) Authenticate(ctx context.Context, key string) (int64, error) {
	if !strings.HasPrefix(key, apiKeyPrefix) {
		return 0, models.ErrNotFound
	}
	var k models.APIKey
	err := s.DB.Gorm.WithContext(ctx).Select("id", "account_id").
		Where("hash = ? AND revoked_at IS NULL", hashKey(key)).Take(&k).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, models.ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("look up api key: %w", err)
	}
	return k.AccountID, nil
}

// Map points a retailer's variant at a supplier's catalog item (by SKU).
func (s *Service) Map(ctx context.Context, retailerID int64, variantID string, supplierID int64, sku string) (models.Mapping, error) {
	variantID = strings.TrimSpace(variantID)
	if variantID == "" {
		return models.Mapping{}, &models.ValidationError{Message: "a variant id is required"}
	}
	db := s.DB.Gorm.WithContext(ctx)
	var n int64
	if err := db.Model(&models.Partnership{}).Where("retailer_id = ? AND supplier_id = ?", retailerID, supplierID).Count(&n).Error; err != nil {
		return models.Mapping{}, fmt.Errorf("check partnership: %w", err)
	}
	if n == 0 {
		return models.Mapping{}, fmt.Errorf("supplier %d is not a partner of this retailer: %w", supplierID, models.ErrNotFound)
	}
	var item models.CatalogItem
	if err := db.Where("supplier_id = ? AND sku = ?", supplierID, sku).Take(&item).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return models.Mapping{}, fmt.Errorf("supplier %d has no catalog item with SKU %q: %w", supplierID, sku, models.ErrNotFound)
		}
		return models.Mapping{}, fmt.Errorf("look up catalog item: %w", err)
	}
	m := models.Mapping{RetailerID: retailerID, VariantID: variantID, SupplierID: supplierID,
		CatalogItemID: item.ID, Priority: 100, CreatedAt: s.Now()}
	err := db.Where("retailer_id = ? AND variant_id = ? AND supplier_id = ?", retailerID, variantID, supplierID).
		Assign(models.Mapping{CatalogItemID: item.ID}).FirstOrCreate(&m).Error
	if err != nil {
		return m, fmt.Errorf("save mapping: %w", err)
	}
	return m, nil
}
