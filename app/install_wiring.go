package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/consign/consign/app/accounts"
	"github.com/consign/consign/app/admin"
	"github.com/consign/consign/app/install"
	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/app/secrets"
	"github.com/consign/consign/handlers"
	"github.com/consign/consign/models"
)

// wireInstall gives Accounts its token keyring and refresher, and builds the
// install service. Without CONSIGN_ENCRYPTION_KEY (the demo, one-off
// commands; serve refuses to start) tokens are sealed under a random key that
// lives as long as this process.
func (a *App) wireInstall(now func() time.Time) error {
	cfg := a.Config
	key := cfg.EncryptionKey
	if len(key) == 0 {
		a.Log.Warn("CONSIGN_ENCRYPTION_KEY is not set: store tokens are sealed with a throwaway key and unreadable after restart")
		key = secrets.NewKey()
	}
	ring, err := secrets.NewKeyring(key, cfg.EncryptionKeysOld...)
	if err != nil {
		return fmt.Errorf("encryption keys: %w", err)
	}
	oauth := &shopify.OAuth{ClientID: cfg.ShopifyAPIKey, ClientSecret: cfg.ShopifyAPISecret, BaseURL: cfg.ShopifyAPIBaseURL,
		HTTP: &http.Client{Timeout: 30 * time.Second, Transport: a.Metrics.PlatformTransport("shopify", nil, shopify.RequestOperation)},
		Now:  now}
	a.Accounts.Tokens = ring
	a.Sessions = &admin.Sessions{DB: a.DB, Key: ring.Derive("admin sessions"), Now: now}
	a.Accounts.Refreshers = map[string]accounts.Refresher{models.PlatformShopify: shopifyRefresher{oauth}}
	a.Install = &install.Service{DB: a.DB, Accounts: a.Accounts, OAuth: oauth, Secret: []byte(cfg.ShopifyAPISecret),
		Scopes: cfg.ShopifyScopes, CallbackURL: cfg.AppURL + "/auth/shopify/callback", Now: now, Log: a.logger()}
	return nil
}

func (a *App) logger() *slog.Logger {
	if a.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return a.Log
}

// authSection serves the authorization-code install (/auth/shopify).
func (a *App) authSection() handlers.Section {
	return &handlers.Auth{Installer: a.Install, APIKey: a.Config.ShopifyAPIKey, Starts: a.limits.ConnectPerClient}
}

// shopifyRefresher adapts the OAuth client to accounts.Refresher.
type shopifyRefresher struct{ oauth *shopify.OAuth }

func (r shopifyRefresher) Refresh(ctx context.Context, shop, refreshToken string) (accounts.Grant, error) {
	g, err := r.oauth.Refresh(ctx, shop, refreshToken)
	return accounts.Grant(g), err
}
