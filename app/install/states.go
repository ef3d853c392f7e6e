package install

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/consign/consign/app/database"
	"github.com/consign/consign/models"
)

// ErrBlockedURL: the store URL points where Consign may not connect
// (loopback, a private network, a cloud metadata address).
var ErrBlockedURL = errors.New("install: store address not allowed")

// ErrBusy: too many installs are in progress to start one more; the
// merchant tries again in a few minutes.
var ErrBusy = errors.New("install: too many installs in progress")

// Bounds of the state table: nobody can fill it by starting installs.
const (
	// maxLiveStates is how many unexpired states all platforms may hold.
	maxLiveStates = 10_000
	// maxStatesPerShop is how many one store may hold; starting one more
	// drops that store's oldest.
	maxStatesPerShop = 5
)

// Start is a begun install: where to send the merchant, and the value of
// the cookie that binds the install to the merchant's browser.
type Start struct {
	URL     string
	Browser string
}

// newState stores a state nonce for an install of shop, bound to a fresh
// browser secret whose SHA-256 it keeps. Expired states go first; the
// table stays within maxLiveStates and each store within maxStatesPerShop.
func newState(ctx context.Context, db *database.DB, now time.Time, st models.OAuthState, ttl time.Duration) (models.OAuthState, string, error) {
	state, err := randomToken(24)
	if err != nil {
		return st, "", err
	}
	browser, err := randomToken(32)
	if err != nil {
		return st, "", err
	}
	st.State, st.BrowserHash, st.CreatedAt, st.ExpiresAt = state, hashSecret(browser), now, now.Add(ttl)
	err = db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("expires_at <= ?", now).Delete(&models.OAuthState{}).Error; err != nil {
			return fmt.Errorf("drop expired states: %w", err)
		}
		var live int64
		if err := tx.Model(&models.OAuthState{}).Count(&live).Error; err != nil {
			return fmt.Errorf("count states: %w", err)
		}
		if live >= maxLiveStates {
			return ErrBusy
		}
		var old []string
		if err := tx.Model(&models.OAuthState{}).Where("platform = ? AND shop = ?", st.Platform, st.Shop).
			Order("created_at DESC").Offset(maxStatesPerShop-1).Pluck("state", &old).Error; err != nil {
			return fmt.Errorf("find old states of %s: %w", st.Shop, err)
		}
		if len(old) > 0 {
			if err := tx.Where("state IN ?", old).Delete(&models.OAuthState{}).Error; err != nil {
				return fmt.Errorf("drop old states of %s: %w", st.Shop, err)
			}
		}
		return tx.Create(&st).Error
	})
	if err != nil {
		if errors.Is(err, ErrBusy) {
			return st, "", err
		}
		return st, "", fmt.Errorf("store state: %w", err)
	}
	return st, browser, nil
}

// sameBrowser reports whether browser is the secret the state was bound to.
func sameBrowser(st models.OAuthState, browser string) bool {
	if st.BrowserHash == "" || browser == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(st.BrowserHash), []byte(hashSecret(browser))) == 1
}

func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
