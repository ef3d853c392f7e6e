// Package hooks keeps a connected store sending Consign its order webhooks,
// on platforms where the app creates its hooks through the store's API
// (BigCommerce, WooCommerce; Shopify's come from the app's configuration).
// Each connection's hooks carry a secret of their own, kept sealed, that
// every delivery is checked against.
package hooks

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/consign/consign/app/accounts"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/models"
)

// Setup creates or repairs one platform's order webhooks in a store.
type Setup interface {
	// EnsureHooks creates the hooks the store lacks and re-enables the
	// ones it disabled, all delivering to Consign with secret. It is
	// idempotent.
	EnsureHooks(ctx context.Context, conn models.Connection, token, secret string) error
}

// Service connects stores' hooks.
type Service struct {
	DB       *database.DB
	Accounts *accounts.Service
	Setups   map[string]Setup // by platform
}

// Connect makes sure the connection has a hook secret and its store has
// every hook, and returns the secret (the CLI prints it).
func (s *Service) Connect(ctx context.Context, connID int64) (string, error) {
	var conn models.Connection
	if err := s.DB.Gorm.WithContext(ctx).Take(&conn, connID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return "", fmt.Errorf("connection %d: %w", connID, models.ErrNotFound)
		}
		return "", fmt.Errorf("load connection %d: %w", connID, err)
	}
	setup, ok := s.Setups[conn.Platform]
	if !ok {
		return "", fmt.Errorf("%s stores get their webhooks from the app's configuration", conn.Platform)
	}
	if conn.UninstalledAt != nil {
		return "", fmt.Errorf("connection %d (%s) is uninstalled", conn.ID, conn.Shop)
	}
	secret, err := s.Accounts.EnsureWebhookSecret(ctx, conn)
	if err != nil {
		return "", err
	}
	token, err := s.Accounts.AccessToken(ctx, conn.ID)
	if err != nil {
		return "", err
	}
	if err := setup.EnsureHooks(ctx, conn, token, secret); err != nil {
		return "", fmt.Errorf("create webhooks in %s %s: %w", conn.Platform, conn.Shop, err)
	}
	return secret, nil
}
