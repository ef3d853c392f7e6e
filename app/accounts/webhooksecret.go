package accounts

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/consign/consign/models"
)

// NewWebhookSecret makes the secret a store's hooks authenticate with.
func NewWebhookSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// WebhookSecret returns the hook secret of a store's connection, uninstalled
// or not (the caller decides what an uninstalled store may still send), and
// the connection. A store Consign does not know, or one without a secret, is
// models.ErrNotFound.
func (s *Service) WebhookSecret(ctx context.Context, platform, shop string) (models.Connection, string, error) {
	var conn models.Connection
	err := s.DB.Gorm.WithContext(ctx).Where("platform = ? AND shop = ?", platform, shop).Take(&conn).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return conn, "", fmt.Errorf("no %s connection for %q: %w", platform, shop, models.ErrNotFound)
	}
	if err != nil {
		return conn, "", fmt.Errorf("look up %s connection %q: %w", platform, shop, err)
	}
	if conn.WebhookSecret == "" {
		return conn, "", fmt.Errorf("%s connection %q has no webhook secret: %w", platform, shop, models.ErrNotFound)
	}
	secret, err := s.open(conn.WebhookSecret)
	if err != nil {
		return conn, "", fmt.Errorf("open webhook secret of connection %d: %w", conn.ID, err)
	}
	return conn, secret, nil
}

// EnsureWebhookSecret returns the connection's hook secret, making and
// storing one the first time. A reconnect keeps the secret, so deliveries
// already on their way still verify. Two first connects at once agree on
// one secret: only an empty secret is ever written.
func (s *Service) EnsureWebhookSecret(ctx context.Context, conn models.Connection) (string, error) {
	if conn.WebhookSecret == "" {
		if s.Tokens == nil {
			return "", errors.New("accounts: no encryption key configured for store secrets")
		}
		sealed, err := s.Tokens.Seal(NewWebhookSecret())
		if err != nil {
			return "", fmt.Errorf("seal webhook secret: %w", err)
		}
		db := s.DB.Gorm.WithContext(ctx)
		err = db.Model(&models.Connection{}).Where("id = ? AND webhook_secret = ''", conn.ID).
			Updates(map[string]any{"webhook_secret": sealed, "updated_at": s.Now()}).Error
		if err != nil {
			return "", fmt.Errorf("store webhook secret of connection %d: %w", conn.ID, err)
		}
		// Read back what won: ours, or one another connect stored first.
		if err := db.Select("webhook_secret").Take(&conn, conn.ID).Error; err != nil {
			return "", fmt.Errorf("read webhook secret of connection %d: %w", conn.ID, err)
		}
	}
	secret, err := s.open(conn.WebhookSecret)
	if err != nil {
		return "", fmt.Errorf("open webhook secret of connection %d: %w", conn.ID, err)
	}
	return secret, nil
}
