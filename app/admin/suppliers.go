package admin

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/consign/consign/app/accounts"
	"github.com/consign/consign/app/catalog"
	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/app/routing"
	"github.com/consign/consign/models"
)

// Strategies are the choices the supplier form offers.
var Strategies = []string{string(routing.StrategyPriority), string(routing.StrategyLowestCost), string(routing.StrategyInStockFirst)}

// termChannels are the channels terms may set by themselves: the portal,
// or (for suppliers with their own store connection) their store. Email,
// SFTP and EDI need their settings (SetChannel).
var termChannels = []string{models.ChannelPortal, models.ChannelStore}

// SupplierRow is one partner supplier with its terms.
type SupplierRow struct {
	ID       int64
	Name     string
	Email    string
	Strategy string
	Priority int
	Channel  string
	Active   bool
	Items    int64 // catalog items
	HasStore bool  // the supplier has its own connected store
}

// supplierRows selects partner suppliers with their terms, item counts and
// whether they have a store, in one query.
func (s *Service) supplierRows(ctx context.Context, retailerID int64) *gorm.DB {
	return s.db(ctx).Table("partnerships p").
		Select(`a.id, a.name, a.email, p.strategy, p.priority, p.channel, p.active,
			(SELECT COUNT(*) FROM catalog_items i WHERE i.supplier_id = a.id) AS items,
			EXISTS (SELECT 1 FROM connections c WHERE c.account_id = a.id AND c.uninstalled_at IS NULL) AS has_store`).
		Joins("JOIN accounts a ON a.id = p.supplier_id").
		Where("p.retailer_id = ?", retailerID)
}

// Suppliers lists the retailer's suppliers by priority.
func (s *Service) Suppliers(ctx context.Context, retailerID int64) ([]SupplierRow, error) {
	var rows []SupplierRow
	if err := s.supplierRows(ctx, retailerID).Order("p.priority, a.name, a.id").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("list suppliers: %w", err)
	}
	return rows, nil
}

// Supplier is one of the retailer's suppliers; another's is models.ErrNotFound.
func (s *Service) Supplier(ctx context.Context, retailerID, supplierID int64) (SupplierRow, error) {
	var rows []SupplierRow
	if err := s.supplierRows(ctx, retailerID).Where("a.id = ?", supplierID).Scan(&rows).Error; err != nil {
		return SupplierRow{}, fmt.Errorf("load supplier %d: %w", supplierID, err)
	}
	if len(rows) == 0 {
		return SupplierRow{}, fmt.Errorf("supplier %d: %w", supplierID, models.ErrNotFound)
	}
	return rows[0], nil
}

// AddSupplier adds a supplier; the API key is shown once.
func (s *Service) AddSupplier(ctx context.Context, retailerID int64, in accounts.SupplierInput) (models.Account, string, error) {
	return s.Accounts.AddSupplier(ctx, retailerID, in)
}

// Terms are how the retailer trades with one supplier.
type Terms struct {
	Strategy string
	Priority int
	Channel  string
	Active   bool
}

// Validate checks the terms on their own.
func (t Terms) Validate() error {
	if _, err := routing.ParseStrategy(t.Strategy); err != nil {
		return &models.ValidationError{Message: err.Error()}
	}
	if t.Channel != "" && !slices.Contains(termChannels, t.Channel) {
		return &models.ValidationError{Message: fmt.Sprintf("channel %q is set with its settings, in the channel form", t.Channel)}
	}
	if t.Priority < 0 || t.Priority > 1_000_000 {
		return &models.ValidationError{Message: "priority must be between 0 and 1000000"}
	}
	return nil
}

// UpdateTerms changes the partnership with one supplier. The store channel
// needs the supplier to have a connected store.
func (s *Service) UpdateTerms(ctx context.Context, retailerID, supplierID int64, t Terms) error {
	if err := t.Validate(); err != nil {
		return err
	}
	sup, err := s.Supplier(ctx, retailerID, supplierID)
	if err != nil {
		return err
	}
	if t.Channel == "store" && !sup.HasStore {
		return &models.ValidationError{Message: sup.Name + " has no connected store: use the portal channel"}
	}
	strategy, _ := routing.ParseStrategy(t.Strategy)
	updates := map[string]any{"strategy": string(strategy), "priority": t.Priority, "active": t.Active, "updated_at": s.Now()}
	if t.Channel != "" {
		updates["channel"] = t.Channel
	}
	err = s.db(ctx).Model(&models.Partnership{}).Where("retailer_id = ? AND supplier_id = ?", retailerID, supplierID).
		Updates(updates).Error
	if err != nil {
		return fmt.Errorf("update terms with supplier %d: %w", supplierID, err)
	}
	return nil
}

// CatalogPage is one page of a supplier's catalog.
type CatalogPage struct {
	Search  string
	Page    int
	Items   []models.CatalogItem
	HasNext bool
}

// Catalog lists a supplier's catalog by SKU, filtered by part of its SKU,
// GTIN or title.
func (s *Service) Catalog(ctx context.Context, retailerID, supplierID int64, search string, page int) (CatalogPage, error) {
	cp := CatalogPage{Search: strings.TrimSpace(search), Page: clampPage(page)}
	if _, err := s.Supplier(ctx, retailerID, supplierID); err != nil {
		return cp, err
	}
	db := s.db(ctx).Where("supplier_id = ?", supplierID)
	if cp.Search != "" {
		like := likePattern(cp.Search)
		db = db.Where(s.db(ctx).Where(`LOWER(sku) LIKE ? ESCAPE '\'`, like).
			Or(`LOWER(title) LIKE ? ESCAPE '\'`, like).Or("gtin = ?", cp.Search))
	}
	if err := db.Order("sku").Offset((cp.Page - 1) * PageSize).Limit(PageSize + 1).Find(&cp.Items).Error; err != nil {
		return cp, fmt.Errorf("list catalog of supplier %d: %w", supplierID, err)
	}
	if len(cp.Items) > PageSize {
		cp.Items, cp.HasNext = cp.Items[:PageSize], true
	}
	return cp, nil
}

// ImportCatalog streams a CSV into one of the retailer's suppliers' catalog:
// good rows are imported, bad ones reported by line.
func (s *Service) ImportCatalog(ctx context.Context, retailerID, supplierID int64, currency string, r io.Reader) (catalog.Report, error) {
	if _, err := s.Supplier(ctx, retailerID, supplierID); err != nil {
		return catalog.Report{}, err
	}
	rep, err := catalog.Import(ctx, s.DB, supplierID, currency, r, s.Now())
	if err != nil {
		// An unusable file (no header, a runaway quote) is the user's to fix.
		return rep, &models.ValidationError{Message: err.Error()}
	}
	return rep, nil
}

// Inviter creates portal invite links (app/portal).
type Inviter interface {
	Invite(ctx context.Context, supplierID int64) (string, error)
}

// Invite creates a portal invite link for one of the retailer's suppliers.
func (s *Service) Invite(ctx context.Context, retailerID, supplierID int64) (string, error) {
	if _, err := s.Supplier(ctx, retailerID, supplierID); err != nil {
		return "", err
	}
	if s.Inviter == nil {
		return "", &models.ValidationError{Message: "the supplier portal is not available in this process"}
	}
	return s.Inviter.Invite(ctx, supplierID)
}

// Settings are the retailer's routing settings.
func (s *Service) Settings(acct models.Account) accounts.Settings {
	return accounts.Settings{Trigger: acct.RoutingTrigger, LateAcceptHours: acct.LateAcceptHours, LateShipDays: acct.LateShipDays}
}

// UpdateSettings changes the retailer's routing settings.
func (s *Service) UpdateSettings(ctx context.Context, retailerID int64, in accounts.Settings) (accounts.Settings, error) {
	if in.LateAcceptHours < 1 || in.LateShipDays < 1 {
		return in, &models.ValidationError{Message: "late thresholds must be at least 1"}
	}
	return s.Accounts.UpdateSettings(ctx, retailerID, in)
}

// SetChannel sets how POs reach a supplier: the portal or its store (as
// terms do), or email, SFTP files or EDI with their settings (app/channels
// checks them). Secrets nil keeps the stored ones.
func (s *Service) SetChannel(ctx context.Context, retailerID, supplierID int64, c channels.Config) error {
	sup, err := s.Supplier(ctx, retailerID, supplierID)
	if err != nil {
		return err
	}
	switch c.Channel {
	case models.ChannelPortal, models.ChannelStore:
		return s.UpdateTerms(ctx, retailerID, supplierID, Terms{Strategy: sup.Strategy, Priority: sup.Priority, Channel: c.Channel, Active: sup.Active})
	}
	if s.Channels == nil {
		return &models.ValidationError{Message: "the " + c.Channel + " channel is not available"}
	}
	_, err = s.Channels.Configure(ctx, retailerID, supplierID, c)
	return err
}

// ChannelOf reads a supplier's channel settings, for its page.
func (s *Service) ChannelOf(ctx context.Context, retailerID, supplierID int64) (channels.Settings, bool, error) {
	var p models.Partnership
	if err := s.db(ctx).Select("channel_settings", "channel_secret").Where("retailer_id = ? AND supplier_id = ?", retailerID, supplierID).
		Take(&p).Error; err != nil {
		return channels.Settings{}, false, notFound(err, fmt.Sprintf("supplier %d", supplierID))
	}
	set, err := channels.ParseSettings(p.ChannelSettings)
	return set, p.ChannelSecret != "", err
}

// TestChannel sends a test through a supplier's channel.
func (s *Service) TestChannel(ctx context.Context, retailerID, supplierID int64) (string, error) {
	if _, err := s.Supplier(ctx, retailerID, supplierID); err != nil {
		return "", err
	}
	if s.Channels == nil {
		return "", &models.ValidationError{Message: "no channel to test"}
	}
	return s.Channels.Test(ctx, retailerID, supplierID)
}
