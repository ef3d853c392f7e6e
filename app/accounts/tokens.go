package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/routing"
	"github.com/consign/consign/models"
)

// Grant is a store's answer to an install or a refresh: an access token and,
// when it expires, a refresh token. Nil expiries mean "does not expire".
type Grant struct {
	AccessToken      string
	RefreshToken     string
	Scopes           string
	ExpiresAt        *time.Time
	RefreshExpiresAt *time.Time
}

// Refresher trades a refresh token for a new grant. The store rotates the
// refresh token on each use, so the new one must be stored with the new
// access token.
type Refresher interface {
	Refresh(ctx context.Context, shop, refreshToken string) (Grant, error)
}

// refreshAhead renews a token this long before it expires, so a call that
// starts with it does not fail halfway.
const refreshAhead = 5 * time.Minute

// ErrNoToken means a connection has no usable access token (never installed,
// or its refresh token expired): the merchant must open the app again.
var ErrNoToken = errors.New("connection has no usable access token")

// Install stores a grant for a shop: it creates the retailer account and
// connection on first install, and on a reinstall (or a new token) updates
// the connection, reactivating it if it was uninstalled. Tokens are sealed
// with the current key.
func (s *Service) Install(ctx context.Context, platform, shop string, g Grant) (models.Connection, error) {
	shop, err := s.checkGrant(platform, shop, g)
	if err != nil {
		return models.Connection{}, err
	}
	sealed, err := s.seal(g)
	if err != nil {
		return models.Connection{}, err
	}
	var conn models.Connection
	install := func() error {
		return s.DB.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var err error
			conn, err = s.install(tx, platform, shop, sealed)
			return err
		})
	}
	err = install()
	if errors.Is(err, gorm.ErrDuplicatedKey) || errors.Is(err, models.ErrConflict) {
		// Two first installs of one shop raced (two admin tabs): the loser
		// finds the winner's connection and updates it.
		err = install()
	}
	return conn, err
}

// InstallTx is Install inside the caller's transaction, for a use case that
// must store the grant together with rows of its own.
func (s *Service) InstallTx(tx *gorm.DB, platform, shop string, g Grant) (models.Connection, error) {
	shop, err := s.checkGrant(platform, shop, g)
	if err != nil {
		return models.Connection{}, err
	}
	sealed, err := s.seal(g)
	if err != nil {
		return models.Connection{}, err
	}
	return s.install(tx, platform, shop, sealed)
}

func (s *Service) install(tx *gorm.DB, platform, shop string, g Grant) (models.Connection, error) {
	now := s.Now()
	var conn models.Connection
	err := tx.Where("platform = ? AND shop = ?", platform, shop).Take(&conn).Error
	if err == nil {
		if conn.UninstalledAt != nil {
			conn.InstalledAt = now
		}
		conn.UninstalledAt, conn.UpdatedAt = nil, now
		setGrant(&conn, g)
		if err := tx.Save(&conn).Error; err != nil {
			return conn, fmt.Errorf("update connection %d: %w", conn.ID, err)
		}
		return conn, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return conn, fmt.Errorf("look up connection: %w", err)
	}
	acct := models.Account{Name: shop, IsRetailer: true, Currency: "USD", RoutingTrigger: string(routing.TriggerPaid),
		LateAcceptHours: 24, LateShipDays: 3, CreatedAt: now, UpdatedAt: now}
	if err := tx.Create(&acct).Error; err != nil {
		return conn, fmt.Errorf("create retailer account: %w", err)
	}
	conn = models.Connection{AccountID: acct.ID, Platform: platform, Shop: shop,
		InstalledAt: now, CreatedAt: now, UpdatedAt: now}
	setGrant(&conn, g)
	if err := tx.Create(&conn).Error; err != nil {
		return conn, fmt.Errorf("create connection: %w", err)
	}
	return conn, nil
}

// setGrant copies a sealed grant onto a connection. Scopes are kept when the
// grant does not name them (a custom app token from the CLI).
func setGrant(conn *models.Connection, g Grant) {
	conn.AccessToken, conn.RefreshToken = g.AccessToken, g.RefreshToken
	conn.AccessTokenExpiresAt, conn.RefreshTokenExpiresAt = g.ExpiresAt, g.RefreshExpiresAt
	if g.Scopes != "" {
		conn.Scopes = g.Scopes
	}
}

// seal returns g with both tokens sealed. Every write of a token goes through
// here, which is how legacy plaintext tokens (stored before encryption, read
// as is by open) get encrypted: on their next write.
func (s *Service) seal(g Grant) (Grant, error) {
	if s.Tokens == nil {
		return Grant{}, errors.New("accounts: no encryption key configured for store tokens")
	}
	var err error
	if g.AccessToken, err = s.Tokens.Seal(g.AccessToken); err != nil {
		return Grant{}, fmt.Errorf("seal access token: %w", err)
	}
	if g.RefreshToken, err = s.Tokens.Seal(g.RefreshToken); err != nil {
		return Grant{}, fmt.Errorf("seal refresh token: %w", err)
	}
	return g, nil
}

func (s *Service) open(sealed string) (string, error) {
	if s.Tokens == nil {
		return "", errors.New("accounts: no encryption key configured for store tokens")
	}
	return s.Tokens.Open(sealed)
}

// AccessToken returns a connection's access token, ready for an Admin API
// call: refreshed first when it expires within refreshAhead. Every caller
// of a store's API gets its token here.
//
// Refreshes of one connection are serialized across processes: the refresh
// runs in a transaction that locks the connection row (SELECT ... FOR UPDATE
// on Postgres; SQLite's IMMEDIATE transactions already admit one writer) and
// reads the token again under the lock, so a worker that waited uses the
// token the first one just got instead of spending the rotated refresh token.
func (s *Service) AccessToken(ctx context.Context, connID int64) (string, error) {
	var conn models.Connection
	if err := s.DB.Gorm.WithContext(ctx).Take(&conn, connID).Error; err != nil {
		return "", fmt.Errorf("load connection %d: %w", connID, err)
	}
	if !s.expiresSoon(conn) {
		return s.usableToken(conn)
	}
	var token string
	err := s.DB.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx
		if s.DB.Dialect == database.Postgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := q.Take(&conn, connID).Error; err != nil {
			return fmt.Errorf("lock connection %d: %w", connID, err)
		}
		if !s.expiresSoon(conn) {
			var err error
			token, err = s.usableToken(conn) // another worker refreshed while we waited
			return err
		}
		var err error
		token, err = s.refresh(ctx, tx, conn)
		return err
	})
	return token, err
}

func (s *Service) expiresSoon(conn models.Connection) bool {
	return conn.AccessTokenExpiresAt != nil && !s.Now().Add(refreshAhead).Before(*conn.AccessTokenExpiresAt)
}

func (s *Service) usableToken(conn models.Connection) (string, error) {
	token, err := s.open(conn.AccessToken)
	if err != nil {
		return "", fmt.Errorf("open access token of connection %d: %w", conn.ID, err)
	}
	if token == "" {
		return "", fmt.Errorf("connection %d (%s): %w", conn.ID, conn.Shop, ErrNoToken)
	}
	return token, nil
}

// refresh renews conn's tokens inside tx, which holds the row, and stores
// the new pair before the lock is released.
func (s *Service) refresh(ctx context.Context, tx *gorm.DB, conn models.Connection) (string, error) {
	refresher, ok := s.Refreshers[conn.Platform]
	if !ok {
		return "", fmt.Errorf("connection %d: %s tokens cannot be refreshed", conn.ID, conn.Platform)
	}
	refreshToken, err := s.open(conn.RefreshToken)
	if err != nil {
		return "", fmt.Errorf("open refresh token of connection %d: %w", conn.ID, err)
	}
	if refreshToken == "" || (conn.RefreshTokenExpiresAt != nil && !s.Now().Before(*conn.RefreshTokenExpiresAt)) {
		if !s.Now().Before(*conn.AccessTokenExpiresAt) {
			return "", fmt.Errorf("connection %d (%s): token expired and cannot be refreshed: %w", conn.ID, conn.Shop, ErrNoToken)
		}
		return s.usableToken(conn) // still valid for a few minutes
	}
	g, err := refresher.Refresh(ctx, conn.Shop, refreshToken)
	if err != nil {
		return "", fmt.Errorf("refresh token of connection %d (%s): %w", conn.ID, conn.Shop, err)
	}
	sealed, err := s.seal(g)
	if err != nil {
		return "", err
	}
	setGrant(&conn, sealed)
	conn.UpdatedAt = s.Now()
	err = tx.Model(&models.Connection{}).Where("id = ?", conn.ID).Updates(map[string]any{
		"access_token": conn.AccessToken, "refresh_token": conn.RefreshToken,
		"access_token_expires_at": conn.AccessTokenExpiresAt, "refresh_token_expires_at": conn.RefreshTokenExpiresAt,
		"scopes": conn.Scopes, "updated_at": conn.UpdatedAt,
	}).Error
	if err != nil {
		// The store has already rotated the refresh token: losing this
		// write loses the connection until the merchant opens the app.
		return "", fmt.Errorf("store refreshed tokens of connection %d: %w", conn.ID, err)
	}
	return g.AccessToken, nil
}

// checkGrant normalises a shop name and checks it, and the grant, before
// anything is stored.
func (s *Service) checkGrant(platform, shop string, g Grant) (string, error) {
	shop = strings.ToLower(strings.TrimSpace(shop))
	validate, ok := s.ValidateShop[platform]
	if !ok {
		return "", &models.ValidationError{Message: "unknown platform " + platform}
	}
	if err := validate(shop); err != nil {
		return "", &models.ValidationError{Message: err.Error()}
	}
	if strings.TrimSpace(g.AccessToken) == "" {
		return "", &models.ValidationError{Message: "an access token is required"}
	}
	return shop, nil
}
