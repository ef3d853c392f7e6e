// Package supplierstore runs the "store" channel: a supplier that has its own
// Shopify store gets each accepted PO as an order there (no customer
// notification, prices at its cost, shipped to the retailer's customer),
// fulfils it as usual, and its store's fulfillments come back as shipments
// on the PO, which flow on to the retailer's store like any other. A
// cancelled retailer order cancels the supplier-store order while nothing of
// it is fulfilled.
package supplierstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/consign/consign/app/canonical"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/app/purchasing"
	"github.com/consign/consign/app/queue"
	"github.com/consign/consign/models"
)

// ClientFunc returns the API client of a connected store, with a usable
// token. One client per shop: see shopify.Clients.
type ClientFunc func(ctx context.Context, conn models.Connection) (*shopify.Client, error)

// Service creates, cancels and hears back from supplier-store orders.
type Service struct {
	DB         *database.DB
	Queue      queue.Inserter
	Client     ClientFunc
	Purchasing *purchasing.Service
	Now        func() time.Time
	Log        *slog.Logger
}

// PermanentError is a failure a retry cannot fix (no store connected, the
// store refused the order). The order has been flagged for a person.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Tag is the tag a PO's order carries in the supplier's store; the PO
// number, so the supplier sees it and a retried job finds the order.
func Tag(po models.PurchaseOrder) string { return po.Number }

// CreateOrder creates the PO as an order in its supplier's store, once. A
// PO cancelled meanwhile is not created; one cancelled while its order was
// being created gets that order cancelled.
func (s *Service) CreateOrder(ctx context.Context, poID int64) error {
	db := s.DB.Gorm.WithContext(ctx)
	var po models.PurchaseOrder
	if err := db.Preload("Lines", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).Take(&po, poID).Error; err != nil {
		return fmt.Errorf("load purchase order %d: %w", poID, translate(err))
	}
	if po.RemoteOrderID != "" || po.State == models.POCancelled || po.State == models.PORejected {
		return nil // created by an earlier run, or no longer wanted
	}
	conn, err := s.supplierStore(db, po.SupplierID)
	if err != nil {
		return s.giveUp(db, po, err)
	}
	in, err := orderInput(po)
	if err != nil {
		return s.giveUp(db, po, err)
	}
	client, err := s.Client(ctx, conn)
	if err != nil {
		return fmt.Errorf("client for %s: %w", conn.Shop, err)
	}
	created, err := client.CreateOrder(ctx, in)
	var refused *shopify.UserError
	if errors.As(err, &refused) {
		return s.giveUp(db, po, err)
	}
	if err != nil {
		return fmt.Errorf("create purchase order %s in %s: %w", po.Number, conn.Shop, err)
	}
	return db.Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&models.PurchaseOrder{}).Where("id = ? AND remote_order_id = ''", po.ID).
			Updates(map[string]any{"remote_connection_id": conn.ID, "remote_order_id": created.ID, "updated_at": s.Now()})
		if res.Error != nil {
			return fmt.Errorf("record store order %s of purchase order %d: %w", created.ID, po.ID, res.Error)
		}
		if res.RowsAffected == 0 {
			return nil // an earlier run recorded it
		}
		if err := s.note(tx, po, fmt.Sprintf("order %s created in %s", created.Name, conn.Shop)); err != nil {
			return err
		}
		// Read the state after our update took the row: a cancel that
		// committed while the order was being created is seen here, and
		// saw no remote order to cancel.
		var state string
		if err := tx.Model(&models.PurchaseOrder{}).Select("state").Where("id = ?", po.ID).Scan(&state).Error; err != nil {
			return fmt.Errorf("reload purchase order %d: %w", po.ID, err)
		}
		if state != models.POCancelled {
			return nil
		}
		_, err := s.Queue.InsertTx(ctx, tx.Statement.ConnPool.(*sql.Tx), queue.CancelStoreOrder{PurchaseOrderID: po.ID}, nil)
		return err
	})
}

// CancelOrder cancels a cancelled PO's order in the supplier's store, unless
// the supplier has fulfilled some of it: then the retailer's order is
// flagged, because goods are on their way.
func (s *Service) CancelOrder(ctx context.Context, poID int64) error {
	db := s.DB.Gorm.WithContext(ctx)
	var po models.PurchaseOrder
	if err := db.Take(&po, poID).Error; err != nil {
		return fmt.Errorf("load purchase order %d: %w", poID, translate(err))
	}
	if po.State != models.POCancelled || po.RemoteConnectionID == nil {
		return nil
	}
	var conn models.Connection
	if err := db.Take(&conn, *po.RemoteConnectionID).Error; err != nil {
		return fmt.Errorf("load connection %d: %w", *po.RemoteConnectionID, translate(err))
	}
	client, err := s.Client(ctx, conn)
	if err != nil {
		return fmt.Errorf("client for %s: %w", conn.Shop, err)
	}
	found, err := client.FindOrderByTag(ctx, Tag(po))
	if err != nil {
		return fmt.Errorf("look up purchase order %s in %s: %w", po.Number, conn.Shop, err)
	}
	// The search may lag behind a just-created order; then cancel by the
	// id we recorded, and let Shopify refuse what it cannot cancel.
	target, name := po.RemoteOrderID, po.RemoteOrderID
	if found != nil {
		switch {
		case found.Cancelled():
			return nil // an earlier run, or the supplier, cancelled it
		case found.Fulfilled():
			return s.flag(db, po, fmt.Sprintf("cancelled in the store, but the supplier already fulfilled %s (order %s in %s)", po.Number, found.Name, conn.Shop))
		}
		target, name = found.ID, found.Name
	}
	err = client.CancelOrder(ctx, shopify.CancelOrderInput{OrderGID: target,
		StaffNote: fmt.Sprintf("Consign: the retailer's order for %s was cancelled", po.Number)})
	var refused *shopify.UserError
	if errors.As(err, &refused) {
		return s.flag(db, po, fmt.Sprintf("cancelled in the store, but %s refused to cancel order %s: %v", conn.Shop, name, err))
	}
	if err != nil {
		return fmt.Errorf("cancel purchase order %s in %s: %w", po.Number, conn.Shop, err)
	}
	return s.note(db, po, fmt.Sprintf("order %s cancelled in %s", name, conn.Shop))
}

// supplierStore is the supplier's installed store connection.
func (s *Service) supplierStore(db *gorm.DB, supplierID int64) (models.Connection, error) {
	var conn models.Connection
	err := db.Where("account_id = ? AND platform = ? AND uninstalled_at IS NULL", supplierID, models.PlatformShopify).
		Order("id").Take(&conn).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return conn, fmt.Errorf("supplier %d has no connected Shopify store for its store channel", supplierID)
	}
	if err != nil {
		return conn, fmt.Errorf("load store of supplier %d: %w", supplierID, err)
	}
	return conn, nil
}

// orderInput is the PO as an order of the supplier's store.
func orderInput(po models.PurchaseOrder) (shopify.StoreOrderInput, error) {
	in := shopify.StoreOrderInput{
		Tag: Tag(po), Tags: []string{"consign"}, Currency: po.Currency,
		Note: fmt.Sprintf("Consign purchase order %s: ship to the address below; fulfil here with tracking.", po.Number),
	}
	for _, l := range po.Lines {
		if l.State == models.LineRejected {
			continue
		}
		in.Lines = append(in.Lines, shopify.StoreOrderLine{SKU: l.SKU, Title: l.Title, Quantity: l.Quantity, Price: l.Cost.Format(po.Currency)})
	}
	if len(in.Lines) == 0 {
		return in, fmt.Errorf("purchase order %s has no lines to ship", po.Number)
	}
	var addr canonical.Address
	if po.ShipTo != "" {
		if err := json.Unmarshal([]byte(po.ShipTo), &addr); err != nil {
			return in, fmt.Errorf("ship-to of purchase order %s: %w", po.Number, err)
		}
	}
	first, last := splitName(addr.Name)
	in.ShipTo = shopify.MailingAddress{
		FirstName: first, LastName: last, Company: addr.Company, Address1: addr.Address1, Address2: addr.Address2,
		City: addr.City, ProvinceCode: addr.ProvinceCode, Zip: addr.Zip, CountryCode: addr.CountryCode, Phone: addr.Phone,
	}
	return in, nil
}

// splitName splits "Steve Shipper" into first and last name; Shopify wants
// a last name, so a single word is the last name.
func splitName(name string) (string, string) {
	name = strings.TrimSpace(name)
	i := strings.LastIndex(name, " ")
	if i < 0 {
		return "", name
	}
	return strings.TrimSpace(name[:i]), name[i+1:]
}

// giveUp flags the retailer's order with why the store order cannot be made,
// and returns a *PermanentError so the job stops.
func (s *Service) giveUp(db *gorm.DB, po models.PurchaseOrder, cause error) error {
	s.Log.Error("supplier store order failed", "purchase_order", po.Number, "error", cause)
	if err := s.flag(db, po, fmt.Sprintf("%s could not be created in the supplier's store: %v", po.Number, cause)); err != nil {
		return err
	}
	return &PermanentError{Err: cause}
}

func (s *Service) flag(db *gorm.DB, po models.PurchaseOrder, why string) error {
	err := db.Model(&models.Order{}).Where("id = ?", po.OrderID).
		Updates(map[string]any{"attention": why, "updated_at": s.Now()}).Error
	if err != nil {
		return fmt.Errorf("flag order %d: %w", po.OrderID, err)
	}
	return nil
}

// note adds a line to the PO's history without changing its state.
func (s *Service) note(db *gorm.DB, po models.PurchaseOrder, what string) error {
	ev := models.POEvent{PurchaseOrderID: po.ID, FromState: po.State, ToState: po.State, Reason: what, Actor: "consign", CreatedAt: s.Now()}
	if err := db.Create(&ev).Error; err != nil {
		return fmt.Errorf("record purchase order %d history: %w", po.ID, err)
	}
	return nil
}

// lockPO loads a PO for update (Postgres; SQLite has one writer).
func (s *Service) lockPO(tx *gorm.DB, where string, args ...any) (models.PurchaseOrder, error) {
	q := tx
	if s.DB.Dialect == database.Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var po models.PurchaseOrder
	err := q.Where(where, args...).Take(&po).Error
	return po, translate(err)
}

func translate(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.ErrNotFound
	}
	return err
}
