package install

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"github.com/consign/consign/app/accounts"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/platforms/woocommerce"
	"github.com/consign/consign/models"
)

// wooStateTTL is how long a merchant has to approve the key request.
const wooStateTTL = 15 * time.Minute

// WooCommerce connects WooCommerce stores with WooCommerce's key request
// (/wc-auth/v1/authorize): the merchant approves read_write access in the
// store's admin, the store POSTs the new REST keys to the callback, and the
// merchant's browser returns to Consign, which opens the admin. A state
// nonce (the request's user_id) ties the three steps together.
type WooCommerce struct {
	DB       *database.DB
	Accounts *accounts.Service
	AppName  string
	// AppURL is Consign's public URL: the callback and return live there.
	AppURL   string
	Sessions Sessions
	Hooks    HookQueue
	Now      func() time.Time
	Log      *slog.Logger
}

// Begin starts a connect for the store at storeURL and returns where to
// send the merchant: the store's key approval page.
func (w *WooCommerce) Begin(ctx context.Context, storeURL string) (string, error) {
	store, err := woocommerce.NormalizeStoreURL(storeURL)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadShop, err)
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	now := w.Now()
	st := models.OAuthState{State: hex.EncodeToString(b), Platform: models.PlatformWooCommerce, Shop: store,
		CreatedAt: now, ExpiresAt: now.Add(wooStateTTL)}
	err = w.DB.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("expires_at < ?", now).Delete(&models.OAuthState{}).Error; err != nil {
			return fmt.Errorf("drop expired states: %w", err)
		}
		return tx.Create(&st).Error
	})
	if err != nil {
		return "", fmt.Errorf("store state: %w", err)
	}
	return woocommerce.AuthorizeURL(store, w.AppName, st.State,
		w.AppURL+"/auth/woocommerce/return", w.AppURL+"/auth/woocommerce/callback"), nil
}

// Callback stores the keys a store POSTs after the merchant approved, and
// queues its webhooks (a job: the store is waiting on this request, and its
// hook creation pings Consign back). The user_id must be a live state of
// ours; a second POST for one state is refused.
func (w *WooCommerce) Callback(ctx context.Context, body []byte) error {
	g, err := woocommerce.ParseKeyGrant(body)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrForged, err)
	}
	db := w.DB.Gorm.WithContext(ctx)
	var st models.OAuthState
	err = db.Where("state = ? AND platform = ? AND expires_at > ? AND connection_id IS NULL", g.UserID, models.PlatformWooCommerce, w.Now()).
		Take(&st).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrState
	}
	if err != nil {
		return fmt.Errorf("look up state: %w", err)
	}
	conn, err := w.Accounts.Install(ctx, models.PlatformWooCommerce, st.Shop,
		accounts.Grant{AccessToken: g.ConsumerKey + ":" + g.ConsumerSecret, Scopes: g.KeyPermissions})
	if err != nil {
		return fmt.Errorf("connect woocommerce store %s: %w", st.Shop, err)
	}
	err = db.Model(&models.OAuthState{}).Where("state = ? AND connection_id IS NULL", st.State).
		Update("connection_id", conn.ID).Error
	if err != nil {
		return fmt.Errorf("record connection of state: %w", err)
	}
	w.Log.InfoContext(ctx, "woocommerce store connected", "shop", conn.Shop, "connection_id", conn.ID)
	return w.Hooks(ctx, conn.ID)
}

// Return spends the state of a finished connect and opens an admin session
// for its store. A merchant who declined, or a state already used, gets
// ErrState.
func (w *WooCommerce) Return(ctx context.Context, userID string) (string, error) {
	var st models.OAuthState
	err := w.DB.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Where("state = ? AND platform = ? AND expires_at > ? AND connection_id IS NOT NULL", userID, models.PlatformWooCommerce, w.Now()).
			Take(&st).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrState
		}
		if err != nil {
			return fmt.Errorf("look up state: %w", err)
		}
		res := tx.Where("state = ?", st.State).Delete(&models.OAuthState{})
		if res.Error != nil {
			return fmt.Errorf("spend state: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return ErrState
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return w.Sessions.Issue(models.PlatformWooCommerce, st.Shop)
}
