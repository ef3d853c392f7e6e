package install

import (
	"context"
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

// KeyVerifier proves that a key grant works on a store: an authenticated
// call to the store at storeURL with the key and secret succeeds.
type KeyVerifier func(ctx context.Context, storeURL, key, secret string) error

// AdminSessions opens Consign's own admin sessions (app/admin).
type AdminSessions interface {
	Open(ctx context.Context, platform, shop, userRef string) (string, error)
}

// WooCommerce connects WooCommerce stores with WooCommerce's key request
// (/wc-auth/v1/authorize): the merchant approves read_write access in the
// store's admin, the store POSTs the new REST keys to the callback, and the
// merchant's browser returns to Consign, which opens the admin.
//
// Nothing in the callback is taken on its word. Anyone can POST keys there,
// so the keys count only once an authenticated call to the store the
// connect was started for succeeds with them: keys of another store, or
// made up, connect nothing. A store that is already connected keeps its
// keys: the callback may replace them only for a reconnect the store's
// signed-in admin started. And the state is bound to the browser that
// started the connect (a cookie), so the session at the end goes to that
// browser only, whoever else learns the state.
type WooCommerce struct {
	DB       *database.DB
	Accounts *accounts.Service
	AppName  string
	// AppURL is Consign's public URL: the callback and return live there.
	AppURL   string
	Sessions AdminSessions
	Hooks    HookQueue
	Verify   KeyVerifier
	// CheckURL refuses a store URL Consign may not reach (app/netguard):
	// a literal private or metadata address is refused before the merchant
	// is sent anywhere; names are checked again when dialled.
	CheckURL func(string) error
	Now      func() time.Time
	Log      *slog.Logger
}

// Begin starts a connect for the store at storeURL and returns where to
// send the merchant (the store's key approval page) and the binding cookie.
// reconnectOf is the connection a signed-in admin asked to reconnect, or 0.
func (w *WooCommerce) Begin(ctx context.Context, storeURL string, reconnectOf int64) (Start, error) {
	store, err := woocommerce.NormalizeStoreURL(storeURL)
	if err != nil {
		return Start{}, fmt.Errorf("%w: %v", ErrBadShop, err)
	}
	if w.CheckURL != nil {
		if err := w.CheckURL(store); err != nil {
			return Start{}, fmt.Errorf("%w: %v", ErrBlockedURL, err)
		}
	}
	st := models.OAuthState{Platform: models.PlatformWooCommerce, Shop: store}
	if reconnectOf != 0 {
		st.ReconnectOf = &reconnectOf
	}
	st, browser, err := newState(ctx, w.DB, w.Now(), st, wooStateTTL)
	if err != nil {
		return Start{}, err
	}
	return Start{Browser: browser, URL: woocommerce.AuthorizeURL(store, w.AppName, st.State,
		w.AppURL+"/auth/woocommerce/return", w.AppURL+"/auth/woocommerce/callback")}, nil
}

// Callback takes the keys a store POSTs after the merchant approved. The
// user_id must be a live, unanswered state of ours, and the keys must work
// on that state's store. A new (or uninstalled) store is connected with
// them and its webhooks queued; a connected store keeps the keys it has,
// unless the state is the reconnect of that very connection; either way
// the state now names the connection, for the return step.
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
	// Proof before trust; a refusal leaves the state for the real callback.
	if err := w.Verify(ctx, st.Shop, g.ConsumerKey, g.ConsumerSecret); err != nil {
		return fmt.Errorf("%w: the keys do not work on %s: %v", ErrForged, st.Shop, err)
	}
	var (
		conn     models.Connection
		replaced bool
	)
	err = db.Transaction(func(tx *gorm.DB) error {
		err := tx.Where("platform = ? AND shop = ?", models.PlatformWooCommerce, st.Shop).Take(&conn).Error
		found := err == nil
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return fmt.Errorf("look up connection of %s: %w", st.Shop, err)
		}
		keep := found && conn.UninstalledAt == nil && (st.ReconnectOf == nil || *st.ReconnectOf != conn.ID)
		if !keep {
			conn, err = w.Accounts.InstallTx(tx, models.PlatformWooCommerce, st.Shop,
				accounts.Grant{AccessToken: g.ConsumerKey + ":" + g.ConsumerSecret, Scopes: g.KeyPermissions})
			if err != nil {
				return fmt.Errorf("connect woocommerce store %s: %w", st.Shop, err)
			}
			replaced = true
		}
		// Last, and conditional: of two callbacks racing for one state,
		// one commits and the other rolls back whatever it did.
		res := tx.Model(&models.OAuthState{}).Where("state = ? AND connection_id IS NULL", st.State).Update("connection_id", conn.ID)
		if res.Error != nil {
			return fmt.Errorf("record connection of state: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return ErrState
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !replaced {
		// The approver proved they administer the store; their new key
		// is not kept, and the one Consign holds goes on working.
		w.Log.InfoContext(ctx, "woocommerce connect of a connected store: sign-in only, keys kept", "shop", conn.Shop, "connection_id", conn.ID)
		return nil
	}
	w.Log.InfoContext(ctx, "woocommerce store connected", "shop", conn.Shop, "connection_id", conn.ID, "reconnect", st.ReconnectOf != nil)
	return w.Hooks(ctx, conn.ID)
}

// Return spends the state of a finished connect and opens an admin session
// for its store, only in the browser that started the connect (browser is
// its binding cookie). A merchant who declined, a state already used, or
// another browser gets ErrState.
func (w *WooCommerce) Return(ctx context.Context, userID, browser string) (string, error) {
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
		if !sameBrowser(st, browser) {
			// Not spent: the browser that holds the cookie may still return.
			return fmt.Errorf("%w: returned in another browser than the one that started the connect", ErrState)
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
	return w.Sessions.Open(ctx, models.PlatformWooCommerce, st.Shop, "")
}
