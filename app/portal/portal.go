// Package portal signs suppliers into the supplier portal and serves what
// its pages read: one-time login links (invites and sign-in links), server
// side sessions, the PO inbox and the CSV export of open POs. Tokens are
// random; only their SHA-256 is stored, so the database never holds a
// usable link or session.
package portal

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/consign/consign/app/database"
	"github.com/consign/consign/models"
)

// Lifetimes of links and sessions.
const (
	InviteTTL  = 7 * 24 * time.Hour
	SignInTTL  = 15 * time.Minute
	SessionTTL = 14 * 24 * time.Hour
)

// LoginPath is where a link's token is redeemed, under the base URL.
const LoginPath = "/portal/login/"

// ErrLinkInvalid means a login link is unknown, expired or already used. The
// three are not told apart, so a guesser learns nothing.
var ErrLinkInvalid = errors.New("this sign-in link is invalid, expired or already used")

// ErrNoSession means the session cookie names no live session.
var ErrNoSession = errors.New("not signed in")

// Service runs the portal's sign-in and read models.
type Service struct {
	DB  *database.DB
	Now func() time.Time
	Log *slog.Logger
	// BaseURL is the public origin links are built on: APP_URL, never a
	// request's Host or X-Forwarded-* headers, which the sender chooses.
	BaseURL string
	// LinkKey signs PO links (POLink).
	LinkKey []byte
}

// Invite creates a one-time invite link for a supplier, valid for InviteTTL,
// and returns its URL. The retailer admin shows it to pass on.
func (s *Service) Invite(ctx context.Context, supplierID int64) (string, error) {
	sup, err := s.supplier(ctx, supplierID)
	if err != nil {
		return "", err
	}
	return s.createLink(ctx, sup.ID, models.LinkInvite, InviteTTL)
}

// RequestSignIn creates a short sign-in link for the supplier with this email
// address. An unknown address is models.ErrNotFound; callers must not tell
// the person so (it would reveal who is a supplier).
func (s *Service) RequestSignIn(ctx context.Context, email string) (link string, supplierID int64, err error) {
	addr, perr := mail.ParseAddress(strings.TrimSpace(email))
	if perr != nil {
		return "", 0, &models.ValidationError{Message: "enter your email address"}
	}
	var sup models.Account
	err = s.DB.Gorm.WithContext(ctx).Where("LOWER(email) = ? AND is_supplier", strings.ToLower(addr.Address)).
		Order("id").Take(&sup).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", 0, fmt.Errorf("no supplier with that email: %w", models.ErrNotFound)
	}
	if err != nil {
		return "", 0, fmt.Errorf("look up supplier by email: %w", err)
	}
	link, err = s.createLink(ctx, sup.ID, models.LinkSignIn, SignInTTL)
	if err != nil {
		return "", 0, err
	}
	// No mailer exists yet: say that a link was made, never the link itself.
	s.Log.InfoContext(ctx, "portal sign-in link created", "supplier_id", sup.ID, "expires_in", SignInTTL.String())
	return link, sup.ID, nil
}

func (s *Service) supplier(ctx context.Context, id int64) (models.Account, error) {
	var sup models.Account
	err := s.DB.Gorm.WithContext(ctx).Where("id = ? AND is_supplier", id).Take(&sup).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return sup, fmt.Errorf("supplier %d: %w", id, models.ErrNotFound)
	}
	if err != nil {
		return sup, fmt.Errorf("load supplier %d: %w", id, err)
	}
	return sup, nil
}

func (s *Service) createLink(ctx context.Context, accountID int64, purpose string, ttl time.Duration) (string, error) {
	token, hash, err := newToken()
	if err != nil {
		return "", err
	}
	now := s.Now()
	link := models.LoginLink{AccountID: accountID, Purpose: purpose, TokenHash: hash, ExpiresAt: now.Add(ttl), CreatedAt: now}
	if err := s.DB.Gorm.WithContext(ctx).Create(&link).Error; err != nil {
		return "", fmt.Errorf("store %s link of account %d: %w", purpose, accountID, err)
	}
	return strings.TrimRight(s.BaseURL, "/") + LoginPath + token, nil
}

// LinkOwner returns the supplier a still-usable link signs in, without using
// it: the confirmation page names who the person is about to sign in as.
func (s *Service) LinkOwner(ctx context.Context, token string) (models.Account, error) {
	var link models.LoginLink
	err := s.DB.Gorm.WithContext(ctx).Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", hashToken(token), s.Now()).
		Take(&link).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.Account{}, ErrLinkInvalid
	}
	if err != nil {
		return models.Account{}, fmt.Errorf("look up login link: %w", err)
	}
	return s.supplier(ctx, link.AccountID)
}

// Redeem uses a login link, once, and opens a session for its supplier. It
// returns the session token the cookie carries.
func (s *Service) Redeem(ctx context.Context, token string) (string, models.PortalSession, error) {
	sessionToken, sessionHash, err := newToken()
	if err != nil {
		return "", models.PortalSession{}, err
	}
	now := s.Now()
	var sess models.PortalSession
	err = s.DB.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var link models.LoginLink
		err := tx.Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", hashToken(token), now).Take(&link).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrLinkInvalid
		}
		if err != nil {
			return fmt.Errorf("look up login link: %w", err)
		}
		// Conditional on still being unused: of two racing redemptions one wins.
		res := tx.Model(&models.LoginLink{}).Where("id = ? AND used_at IS NULL", link.ID).Update("used_at", now)
		if res.Error != nil {
			return fmt.Errorf("mark login link %d used: %w", link.ID, res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrLinkInvalid
		}
		sess = models.PortalSession{AccountID: link.AccountID, TokenHash: sessionHash, ExpiresAt: now.Add(SessionTTL), CreatedAt: now}
		if err := tx.Create(&sess).Error; err != nil {
			return fmt.Errorf("create portal session: %w", err)
		}
		return nil
	})
	if err != nil {
		return "", models.PortalSession{}, err
	}
	return sessionToken, sess, nil
}

// Session is a signed-in supplier.
type Session struct {
	ID           int64
	SupplierID   int64
	SupplierName string
	ExpiresAt    time.Time
	// PurchaseOrderID is set when the session came from a PO's emailed
	// link: it opens that PO only.
	PurchaseOrderID int64
}

// Authenticate resolves a session token to its live session and supplier,
// in one query.
func (s *Service) Authenticate(ctx context.Context, token string) (Session, error) {
	if token == "" {
		return Session{}, ErrNoSession
	}
	var out Session
	err := s.DB.Gorm.WithContext(ctx).Table("portal_sessions AS s").
		Select("s.id AS id, s.account_id AS supplier_id, a.name AS supplier_name, s.expires_at AS expires_at, "+
			"COALESCE(s.purchase_order_id, 0) AS purchase_order_id").
		Joins("JOIN accounts a ON a.id = s.account_id").
		Where("s.token_hash = ? AND s.expires_at > ?", hashToken(token), s.Now()).
		Take(&out).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("look up portal session: %w", err)
	}
	return out, nil
}

// SignOut ends the session the token names; an unknown one is already out.
func (s *Service) SignOut(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	err := s.DB.Gorm.WithContext(ctx).Where("token_hash = ?", hashToken(token)).Delete(&models.PortalSession{}).Error
	if err != nil {
		return fmt.Errorf("delete portal session: %w", err)
	}
	return nil
}

// newToken returns 256 random bits, URL-safe, and their hash.
func newToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("generate token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token), nil
}

// hashToken is SHA-256: tokens are 256 random bits, so a slow hash adds nothing.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
