// Package install puts Consign into a Shopify store and keeps its token:
// token exchange when the embedded admin is opened by a shop Consign has no
// usable token for, and the authorization-code grant for installs that
// start outside the Shopify admin.
//
// Webhook subscriptions all live in shopify.app.toml (order, fulfillment,
// lifecycle and compliance topics), which `shopify app deploy` publishes for
// every shop, so an install creates none with webhookSubscriptionCreate.
package install

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/consign/consign/app/accounts"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/models"
)

// Refusals of an install request; the handlers map them to statuses.
var (
	// ErrSessionRefused: Shopify would not exchange the session token.
	ErrSessionRefused = errors.New("install: shopify refused the session token")
	// ErrBadShop: the shop parameter is not NAME.myshopify.com.
	ErrBadShop = errors.New("install: invalid shop")
	// ErrForged: the callback's hmac does not verify.
	ErrForged = errors.New("install: callback signature does not verify")
	// ErrStale: the callback's timestamp is missing or too far from now.
	ErrStale = errors.New("install: callback timestamp is stale")
	// ErrState: the state nonce is unknown, expired, used or for another shop.
	ErrState = errors.New("install: unknown or used state")
)

const (
	// callbackMaxAge is how far a callback's timestamp may be from now.
	callbackMaxAge = 90 * time.Second
	// stateTTL is how long a merchant has to approve the install.
	stateTTL = 10 * time.Minute
)

// Service installs Consign into Shopify stores.
type Service struct {
	DB       *database.DB
	Accounts *accounts.Service
	OAuth    *shopify.OAuth
	Secret   []byte // SHOPIFY_API_SECRET: signs OAuth redirects
	Scopes   string // asked for in authorization-code installs
	// CallbackURL is APP_URL + /auth/shopify/callback.
	CallbackURL string
	Now         func() time.Time
	Log         *slog.Logger
}

// EnsureInstalled makes sure a shop whose embedded admin was opened with a
// verified session token has a usable offline token. A shop with no
// connection, an uninstalled one, no token, or an expired token that can no
// longer be refreshed gets one now by token exchange, which also reactivates
// an uninstalled connection. Otherwise it costs one query.
func (s *Service) EnsureInstalled(ctx context.Context, shop, sessionToken string) error {
	shop = strings.ToLower(shop)
	ok, err := s.usable(ctx, shop)
	if err != nil || ok {
		return err
	}
	g, err := s.OAuth.ExchangeSessionToken(ctx, shop, sessionToken)
	var oe *shopify.OAuthError
	if errors.As(err, &oe) && oe.Status < 500 {
		return fmt.Errorf("%w: %v", ErrSessionRefused, err)
	}
	if err != nil {
		return fmt.Errorf("exchange session token of %s: %w", shop, err)
	}
	conn, err := s.Accounts.Install(ctx, models.PlatformShopify, shop, accounts.Grant(g))
	if err != nil {
		return fmt.Errorf("store token of %s: %w", shop, err)
	}
	s.Log.Info("shop installed by token exchange", "shop", shop, "connection_id", conn.ID)
	return nil
}

// usable reports whether shop's connection is active with a token that works
// now or can be refreshed.
func (s *Service) usable(ctx context.Context, shop string) (bool, error) {
	var conn models.Connection
	err := s.DB.Gorm.WithContext(ctx).
		Select("id", "access_token", "refresh_token", "access_token_expires_at", "refresh_token_expires_at", "uninstalled_at").
		Where("platform = ? AND shop = ?", models.PlatformShopify, shop).Take(&conn).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up connection of %s: %w", shop, err)
	}
	now := s.Now()
	switch {
	case conn.UninstalledAt != nil, conn.AccessToken == "":
		return false, nil
	case conn.AccessTokenExpiresAt == nil, now.Before(*conn.AccessTokenExpiresAt):
		return true, nil
	}
	// Expired: usable only through its refresh token.
	return conn.RefreshToken != "" && (conn.RefreshTokenExpiresAt == nil || now.Before(*conn.RefreshTokenExpiresAt)), nil
}

// Begin starts an authorization-code install: it checks the shop, stores a
// single-use state nonce bound to the merchant's browser, and returns the
// shop's authorize URL with the value of the browser's binding cookie.
func (s *Service) Begin(ctx context.Context, shop string) (Start, error) {
	shop = strings.ToLower(strings.TrimSpace(shop))
	if err := shopify.ValidateShop(shop); err != nil {
		return Start{}, fmt.Errorf("%w: %v", ErrBadShop, err)
	}
	st, browser, err := newState(ctx, s.DB, s.Now(), models.OAuthState{Platform: models.PlatformShopify, Shop: shop}, stateTTL)
	if err != nil {
		return Start{}, err
	}
	to, err := s.OAuth.AuthorizeURL(shop, s.Scopes, s.CallbackURL, st.State)
	if err != nil {
		return Start{}, err
	}
	return Start{URL: to, Browser: browser}, nil
}

// Finish completes an authorization-code install from the callback's raw
// query: shop, hmac, timestamp and state are checked, in that order and
// before any request leaves; the state is spent only when the hmac verifies,
// so a forged callback cannot burn a merchant's state. It returns the shop.
//
// browser is the binding cookie of the browser the callback arrived in: a
// state started in another browser is refused.
func (s *Service) Finish(ctx context.Context, rawQuery, browser string) (string, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", fmt.Errorf("%w: malformed query", ErrForged)
	}
	shop := strings.ToLower(q.Get("shop"))
	if err := shopify.ValidateShop(shop); err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadShop, err)
	}
	if err := shopify.VerifyOAuthQuery(rawQuery, s.Secret); err != nil {
		return "", fmt.Errorf("%w: %v", ErrForged, err)
	}
	ts, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
	if err != nil {
		return "", fmt.Errorf("%w: no timestamp", ErrStale)
	}
	if age := s.Now().Sub(time.Unix(ts, 0)); age > callbackMaxAge || age < -callbackMaxAge {
		return "", fmt.Errorf("%w: %s off", ErrStale, age)
	}
	if browser == "" {
		return "", fmt.Errorf("%w: no binding cookie: the install was started in another browser", ErrState)
	}
	res := s.DB.Gorm.WithContext(ctx).
		Where("state = ? AND platform = ? AND shop = ? AND expires_at > ? AND browser_hash = ?",
			q.Get("state"), models.PlatformShopify, shop, s.Now(), hashSecret(browser)).
		Delete(&models.OAuthState{})
	if res.Error != nil {
		return "", fmt.Errorf("spend state: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return "", ErrState
	}
	code := q.Get("code")
	if code == "" {
		return "", fmt.Errorf("%w: no code", ErrForged)
	}
	g, err := s.OAuth.ExchangeCode(ctx, shop, code)
	if err != nil {
		return "", fmt.Errorf("exchange code of %s: %w", shop, err)
	}
	conn, err := s.Accounts.Install(ctx, models.PlatformShopify, shop, accounts.Grant(g))
	if err != nil {
		return "", fmt.Errorf("store token of %s: %w", shop, err)
	}
	s.Log.Info("shop installed by authorization code", "shop", shop, "connection_id", conn.ID)
	return shop, nil
}

// EmbeddedAppURL is where a merchant lands after an authorization-code
// install: the app inside the shop's admin.
func EmbeddedAppURL(shop, apiKey string) string {
	return "https://" + strings.ToLower(shop) + "/admin/apps/" + url.PathEscape(apiKey)
}
