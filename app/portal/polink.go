package portal

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/consign/consign/models"
)

// PO links: the link a PO's email carries opens that one PO in the portal,
// with no account and no sign-in. It is signed (so it cannot be made up or
// pointed at another PO) and expires.
const (
	POLinkTTL        = 30 * 24 * time.Hour
	POLinkSessionTTL = 24 * time.Hour
	POLinkPath       = "/portal/po/"
)

// POLink returns the link that opens the PO in the portal for POLinkTTL.
func (s *Service) POLink(ctx context.Context, poID int64) (string, error) {
	if len(s.LinkKey) == 0 {
		return "", errors.New("portal: no key for PO links")
	}
	b := make([]byte, 16, 32)
	binary.BigEndian.PutUint64(b[:8], uint64(poID))
	binary.BigEndian.PutUint64(b[8:], uint64(s.Now().Add(POLinkTTL).Unix()))
	b = append(b, s.linkMAC(b)...)
	return strings.TrimRight(s.BaseURL, "/") + POLinkPath + base64.RawURLEncoding.EncodeToString(b), nil
}

func (s *Service) linkMAC(payload []byte) []byte {
	m := hmac.New(sha256.New, s.LinkKey)
	m.Write([]byte("consign po link\n"))
	m.Write(payload)
	return m.Sum(nil)[:16]
}

// RedeemPOLink checks a PO link and opens a session scoped to its PO. It
// returns the session token for the cookie and the PO's id. Links may be
// used again until they expire: a supplier opens them on several devices.
func (s *Service) RedeemPOLink(ctx context.Context, token string) (string, models.PortalSession, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) != 32 || len(s.LinkKey) == 0 || !hmac.Equal(b[16:], s.linkMAC(b[:16])) {
		return "", models.PortalSession{}, ErrLinkInvalid
	}
	poID := int64(binary.BigEndian.Uint64(b[:8]))
	if s.Now().Unix() > int64(binary.BigEndian.Uint64(b[8:16])) {
		return "", models.PortalSession{}, ErrLinkInvalid
	}
	var po models.PurchaseOrder
	err = s.DB.Gorm.WithContext(ctx).Select("id", "supplier_id").Take(&po, poID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", models.PortalSession{}, ErrLinkInvalid
	}
	if err != nil {
		return "", models.PortalSession{}, fmt.Errorf("load purchase order %d: %w", poID, err)
	}
	sessionToken, hash, err := newToken()
	if err != nil {
		return "", models.PortalSession{}, err
	}
	now := s.Now()
	sess := models.PortalSession{AccountID: po.SupplierID, TokenHash: hash, PurchaseOrderID: &po.ID,
		ExpiresAt: now.Add(POLinkSessionTTL), CreatedAt: now}
	if err := s.DB.Gorm.WithContext(ctx).Create(&sess).Error; err != nil {
		return "", models.PortalSession{}, fmt.Errorf("create portal session: %w", err)
	}
	return sessionToken, sess, nil
}
