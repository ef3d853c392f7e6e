// Package admin reads and changes what the embedded retailer admin shows:
// dashboard counts, orders with their purchase orders and raw events, lines
// that need a person, suppliers and their catalogs, settings. Every method
// takes the caller's account id and scopes every query by it, so another
// tenant's id is models.ErrNotFound, never a leak.
package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/consign/consign/app/accounts"
	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/pipeline"
	"github.com/consign/consign/models"
)

// PageSize is how many rows a list page shows.
const PageSize = 50

// maxPage bounds offset pagination, so a crafted page number cannot make
// the database skip millions of rows.
const maxPage = 1000

// Router routes an order again (app/pipeline).
type Router interface {
	RouteOrder(ctx context.Context, orderID int64) (pipeline.RouteResult, error)
}

// Replayer puts a stored webhook event back through processing (app/ingest).
type Replayer interface {
	Replay(ctx context.Context, eventID int64) error
}

// Service answers the admin pages.
type Service struct {
	DB       *database.DB
	Accounts *accounts.Service
	Router   Router
	Replayer Replayer
	Inviter  Inviter
	// Channels shows the messages of POs and sets suppliers' channels;
	// optional.
	Channels Channels
	Now      func() time.Time
}

// Channels is what the admin uses of the message channels (app/channels).
type Channels interface {
	Timelines(ctx context.Context, poIDs []int64) (map[int64][]channels.Entry, error)
	Configure(ctx context.Context, retailerID, supplierID int64, c channels.Config) (channels.Partner, error)
	Test(ctx context.Context, retailerID, supplierID int64) (string, error)
}

// Session is who is signed in to the admin: the account behind a verified,
// connected shop.
type Session struct {
	Account      models.Account
	ConnectionID int64
	Platform     string
	Shop         string
	// Cookie is set for Consign's own cookie sessions, whose forms must
	// carry CSRF; Shopify's session tokens travel in a header instead.
	Cookie bool
	CSRF   string
}

// SessionFor finds the account of a connected (not uninstalled) shop. An
// unknown or uninstalled shop is models.ErrNotFound.
func (s *Service) SessionFor(ctx context.Context, platform, shop string) (Session, error) {
	shop = strings.ToLower(strings.TrimSpace(shop))
	var row struct {
		models.Account
		ConnectionID int64
	}
	err := s.DB.Gorm.WithContext(ctx).Table("connections c").
		Select("a.*, c.id AS connection_id").
		Joins("JOIN accounts a ON a.id = c.account_id").
		Where("c.platform = ? AND c.shop = ? AND c.uninstalled_at IS NULL", platform, shop).
		Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Session{}, fmt.Errorf("no connected %s shop %q: %w", platform, shop, models.ErrNotFound)
	}
	if err != nil {
		return Session{}, fmt.Errorf("look up %s shop %q: %w", platform, shop, err)
	}
	return Session{Account: row.Account, ConnectionID: row.ConnectionID, Platform: platform, Shop: shop}, nil
}

// db is the handle for one call.
func (s *Service) db(ctx context.Context) *gorm.DB { return s.DB.Gorm.WithContext(ctx) }

// notFound wraps gorm's not-found as the typed error the handlers map to 404.
func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("%s: %w", what, models.ErrNotFound)
	}
	return fmt.Errorf("load %s: %w", what, err)
}

// likePattern turns user text into a LIKE pattern matching it anywhere,
// lower case, with the wildcards it contains taken literally (ESCAPE '\').
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}

// clampPage keeps a page number within 1..maxPage.
func clampPage(p int) int {
	return max(1, min(p, maxPage))
}
