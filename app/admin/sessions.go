package admin

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/consign/consign/app/database"
	"github.com/consign/consign/models"
)

// Sessions keeps the admin sessions of stores whose platform hands the app
// no token of its own on every request (BigCommerce verifies once, on
// load; WooCommerce has no embedded admin). The browser holds a random
// token in an HttpOnly cookie; the database holds its SHA-256, so a leaked
// database opens no session, and a row can be revoked: sign-out, uninstall
// and removing a store user end sessions at once.
type Sessions struct {
	DB *database.DB
	// Key derives each session's CSRF token.
	Key []byte
	Now func() time.Time
	// TTL bounds a session's life; Idle ends one nobody used for that long.
	TTL  time.Duration
	Idle time.Duration
}

// Session lifetimes: a working day at most, and half an hour of inactivity.
const (
	DefaultSessionTTL  = 8 * time.Hour
	DefaultIdleTimeout = 30 * time.Minute
)

// touchEvery limits last_seen_at writes to one a minute per session.
const touchEvery = time.Minute

// ErrInvalidSession is every reason a session is refused: unknown, expired,
// idle too long, revoked, or its store no longer connected.
var ErrInvalidSession = errors.New("invalid admin session")

// Open starts a session for the admin of a connected store and returns
// the token for its cookie. userRef names the platform's user when known.
func (s *Sessions) Open(ctx context.Context, platform, shop, userRef string) (string, error) {
	if len(s.Key) == 0 {
		return "", errors.New("admin sessions: no key")
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("admin session token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	now := s.Now()
	err := s.DB.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var conn models.Connection
		err := tx.Select("id").Where("platform = ? AND shop = ? AND uninstalled_at IS NULL", platform, shop).Take(&conn).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return fmt.Errorf("%w: %s store %q is not connected", ErrInvalidSession, platform, shop)
		}
		if err != nil {
			return fmt.Errorf("look up %s store %q: %w", platform, shop, err)
		}
		// Housekeeping on the way: the store's dead sessions go.
		if err := tx.Where("connection_id = ? AND (expires_at < ? OR revoked_at IS NOT NULL)", conn.ID, now).
			Delete(&models.AdminSession{}).Error; err != nil {
			return fmt.Errorf("drop ended admin sessions: %w", err)
		}
		return tx.Create(&models.AdminSession{TokenHash: hashToken(token), ConnectionID: conn.ID, UserRef: userRef,
			CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.ttl())}).Error
	})
	if err != nil {
		return "", fmt.Errorf("open admin session: %w", err)
	}
	return token, nil
}

// Authenticate resolves a cookie token to its live session, in one query,
// and notes the use (at most once a minute).
func (s *Sessions) Authenticate(ctx context.Context, token string) (Session, error) {
	if token == "" {
		return Session{}, ErrInvalidSession
	}
	now := s.Now()
	var row struct {
		models.Account
		ConnectionID int64
		Platform     string
		Shop         string
		SessionID    int64
		LastSeenAt   time.Time
	}
	db := s.DB.Gorm.WithContext(ctx)
	err := db.Table("admin_sessions s").
		Select("a.*, c.id AS connection_id, c.platform AS platform, c.shop AS shop, s.id AS session_id, s.last_seen_at AS last_seen_at").
		Joins("JOIN connections c ON c.id = s.connection_id").
		Joins("JOIN accounts a ON a.id = c.account_id").
		Where("s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ? AND s.last_seen_at > ? AND c.uninstalled_at IS NULL",
			hashToken(token), now, now.Add(-s.idle())).
		Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Session{}, ErrInvalidSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("look up admin session: %w", err)
	}
	if now.Sub(row.LastSeenAt) >= touchEvery {
		if err := db.Model(&models.AdminSession{}).Where("id = ?", row.SessionID).Update("last_seen_at", now).Error; err != nil {
			return Session{}, fmt.Errorf("note use of admin session: %w", err)
		}
	}
	return Session{Account: row.Account, ConnectionID: row.ConnectionID, Platform: row.Platform, Shop: row.Shop,
		CSRF: s.csrf(token), Cookie: true}, nil
}

// Revoke ends the session a token names; an unknown one is already over.
func (s *Sessions) Revoke(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	err := s.DB.Gorm.WithContext(ctx).Model(&models.AdminSession{}).
		Where("token_hash = ? AND revoked_at IS NULL", hashToken(token)).Update("revoked_at", s.Now()).Error
	if err != nil {
		return fmt.Errorf("revoke admin session: %w", err)
	}
	return nil
}

// RevokeStore ends every session of a store's admin (an uninstall), or
// those of one of its users when userRef is not empty (a user removed).
func (s *Sessions) RevokeStore(ctx context.Context, platform, shop, userRef string) (int64, error) {
	q := s.DB.Gorm.WithContext(ctx).Model(&models.AdminSession{}).
		Where("revoked_at IS NULL AND connection_id IN (?)",
			s.DB.Gorm.Model(&models.Connection{}).Select("id").Where("platform = ? AND shop = ?", platform, shop))
	if userRef != "" {
		q = q.Where("user_ref = ?", userRef)
	}
	res := q.Update("revoked_at", s.Now())
	if res.Error != nil {
		return 0, fmt.Errorf("revoke admin sessions of %s store %q: %w", platform, shop, res.Error)
	}
	return res.RowsAffected, nil
}

// csrf is the session's CSRF token: forms and htmx requests of a cookie
// session must send it back, since a browser attaches the cookie to
// cross-site requests too.
func (s *Sessions) csrf(token string) string {
	m := hmac.New(sha256.New, s.Key)
	m.Write([]byte("consign admin csrf\n" + hashToken(token)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckCSRF compares a sent CSRF token with the session's in constant time.
func CheckCSRF(sess Session, sent string) bool {
	return sess.CSRF != "" && hmac.Equal([]byte(sess.CSRF), []byte(sent))
}

func (s *Sessions) ttl() time.Duration {
	if s.TTL > 0 {
		return s.TTL
	}
	return DefaultSessionTTL
}

func (s *Sessions) idle() time.Duration {
	if s.Idle > 0 {
		return s.Idle
	}
	return DefaultIdleTimeout
}

// hashToken is SHA-256: tokens are 256 random bits, so a slow hash adds nothing.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
