package install

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/consign/consign/app/accounts"
	"github.com/consign/consign/app/ingest"
	"github.com/consign/consign/app/platforms/bigcommerce"
	"github.com/consign/consign/app/replay"
	"github.com/consign/consign/models"
)

// ErrCallbackRefused: a BigCommerce callback's signed payload does not
// verify, has expired, or was used before.
var ErrCallbackRefused = errors.New("install: signed payload refused")

// callbackLeeway forgives clock skew between BigCommerce and us.
const callbackLeeway = 30 * time.Second

// StoreSessions opens and ends Consign's own admin sessions (app/admin).
type StoreSessions interface {
	AdminSessions
	RevokeStore(ctx context.Context, platform, shop, userRef string) (int64, error)
}

// HookQueue queues the creation of a connection's webhooks (a River job,
// retried until the store answers).
type HookQueue func(ctx context.Context, connID int64) error

// BigCommerce installs Consign into BigCommerce stores as a single-click
// app: the auth callback trades its code for a token, and the load,
// uninstall and remove_user callbacks carry a signed payload (JWT) that is
// verified and used once.
type BigCommerce struct {
	Accounts     *accounts.Service
	OAuth        *bigcommerce.OAuth
	ClientID     string
	ClientSecret []byte
	Replay       *replay.Guard
	Sessions     StoreSessions
	Hooks        HookQueue
	// Ingester stores the uninstall as a lifecycle event, processed like
	// Shopify's app/uninstalled.
	Ingester *ingest.Ingester
	Now      func() time.Time
	Log      *slog.Logger
}

// Callback finishes an install: it exchanges the code, stores the token,
// queues the webhooks and opens an admin session for the store.
func (b *BigCommerce) Callback(ctx context.Context, code, scope, storeContext string) (string, error) {
	hash, err := bigcommerce.StoreHashFromContext(storeContext)
	if err != nil || code == "" {
		return "", fmt.Errorf("%w: callback without a code or a store context", ErrForged)
	}
	g, err := b.OAuth.Exchange(ctx, code, scope, storeContext)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrSessionRefused, err)
	}
	if g.StoreHash != hash {
		return "", fmt.Errorf("%w: token is for store %q, not %q", ErrForged, g.StoreHash, hash)
	}
	conn, err := b.Accounts.Install(ctx, models.PlatformBigCommerce, hash, accounts.Grant{AccessToken: g.AccessToken, Scopes: g.Scope})
	if err != nil {
		return "", fmt.Errorf("install bigcommerce store %s: %w", hash, err)
	}
	if err := b.Hooks(ctx, conn.ID); err != nil {
		return "", err
	}
	b.Log.InfoContext(ctx, "bigcommerce store installed", "shop", hash, "connection_id", conn.ID, "user", g.UserEmail)
	return b.Sessions.Open(ctx, models.PlatformBigCommerce, hash, userRef(g.UserID))
}

// verify checks a signed payload and uses its jti, so it works once.
func (b *BigCommerce) verify(ctx context.Context, signed string) (bigcommerce.Claims, error) {
	claims, err := bigcommerce.VerifySignedPayload(signed, b.ClientID, b.ClientSecret, b.Now(), callbackLeeway)
	if err != nil {
		return claims, fmt.Errorf("%w: %v", ErrCallbackRefused, err)
	}
	if err := b.Replay.Use(ctx, "bigcommerce:"+claims.JTI, claims.ExpiresAt.Add(callbackLeeway)); err != nil {
		if errors.Is(err, replay.ErrReplayed) {
			return claims, fmt.Errorf("%w: %v", ErrCallbackRefused, err)
		}
		return claims, err
	}
	return claims, nil
}

// Load opens the admin for a store whose user opened the app in the
// BigCommerce control panel.
func (b *BigCommerce) Load(ctx context.Context, signed string) (string, error) {
	claims, err := b.verify(ctx, signed)
	if err != nil {
		return "", err
	}
	return b.Sessions.Open(ctx, models.PlatformBigCommerce, claims.StoreHash, userRef(claims.UserID))
}

// Uninstall records that the store removed the app, through the same
// lifecycle event Shopify's app/uninstalled is: queued work is cancelled and
// the data stays.
func (b *BigCommerce) Uninstall(ctx context.Context, signed string) error {
	claims, err := b.verify(ctx, signed)
	if err != nil {
		return err
	}
	// Sessions end now; the lifecycle event then marks the connection.
	if _, err := b.Sessions.RevokeStore(ctx, models.PlatformBigCommerce, claims.StoreHash, ""); err != nil {
		return err
	}
	body, err := json.Marshal(map[string]any{"store_hash": claims.StoreHash, "user_id": claims.UserID, "owner_id": claims.OwnerID})
	if err != nil {
		return err
	}
	_, _, err = b.Ingester.Ingest(ctx, ingest.Delivery{
		Platform: models.PlatformBigCommerce, Topic: TopicUninstalled, Shop: claims.StoreHash,
		DeliveryID: "jti:" + claims.JTI, Body: body, Handled: true, EvenUninstalled: true,
		Headers: map[string]string{"X-Consign-Source": "uninstall callback"},
	})
	return err
}

// TopicUninstalled is the lifecycle topic an uninstall is stored under.
const TopicUninstalled = "app/uninstalled"

// RemoveUser ends the admin sessions of a store user who lost access to
// the app; Consign keeps nothing else per user.
func (b *BigCommerce) RemoveUser(ctx context.Context, signed string) error {
	claims, err := b.verify(ctx, signed)
	if err != nil {
		return err
	}
	if claims.UserID == 0 {
		return fmt.Errorf("%w: remove_user names no user", ErrCallbackRefused)
	}
	n, err := b.Sessions.RevokeStore(ctx, models.PlatformBigCommerce, claims.StoreHash, userRef(claims.UserID))
	if err != nil {
		return err
	}
	b.Log.InfoContext(ctx, "bigcommerce user removed", "shop", claims.StoreHash, "user_id", claims.UserID, "sessions_ended", n)
	return nil
}

// userRef names a BigCommerce user in a session row.
func userRef(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}
