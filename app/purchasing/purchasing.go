// Package purchasing is what suppliers do with purchase orders: read them,
// accept or reject them, and ship them with tracking. Every query is scoped
// to the supplier: another supplier's PO does not exist for it.
package purchasing

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/queue"
	"github.com/consign/consign/models"
)

// Service runs supplier actions.
type Service struct {
	DB    *database.DB
	Queue queue.Inserter
	Now   func() time.Time
	// Channels delivers the POs of suppliers who work by email, CSV files
	// or EDI (app/channels); nil: those channels are not available.
	Channels Deliverer
}

// Deliverer hands a PO to a supplier through a message channel, in tx, and
// says how, for the PO's history.
type Deliverer interface {
	Deliver(ctx context.Context, tx *gorm.DB, po models.PurchaseOrder, p models.Partnership) (string, error)
}

// ListParams filter and page a supplier's POs, newest first.
type ListParams struct {
	State  string
	Limit  int
	Cursor string
}

// MaxLimit caps one page.
const MaxLimit = 500

// List returns one page of the supplier's POs and the cursor of the next
// page ("" on the last one).
func (s *Service) List(ctx context.Context, supplierID int64, p ListParams) ([]models.PurchaseOrder, string, error) {
	limit := p.Limit
	switch {
	case limit == 0:
		limit = 50
	case limit < 0 || limit > MaxLimit:
		return nil, "", &models.ValidationError{Message: fmt.Sprintf("limit must be between 1 and %d", MaxLimit)}
	}
	q := s.DB.Gorm.WithContext(ctx).Preload("Order").Where("supplier_id = ?", supplierID)
	if p.State != "" {
		q = q.Where("state = ?", p.State)
	}
	if p.Cursor != "" {
		before, err := decodeCursor(p.Cursor)
		if err != nil {
			return nil, "", err
		}
		q = q.Where("id < ?", before)
	}
	var pos []models.PurchaseOrder
	if err := q.Order("id DESC").Limit(limit + 1).Find(&pos).Error; err != nil {
		return nil, "", fmt.Errorf("list purchase orders of supplier %d: %w", supplierID, err)
	}
	next := ""
	if len(pos) > limit {
		pos = pos[:limit]
		next = encodeCursor(pos[limit-1].ID)
	}
	return pos, next, nil
}

func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("po:" + strconv.FormatInt(id, 10)))
}

func decodeCursor(c string) (int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if rest, ok := strings.CutPrefix(string(raw), "po:"); ok {
			if id, err := strconv.ParseInt(rest, 10, 64); err == nil {
				return id, nil
			}
		}
	}
	return 0, &models.ValidationError{Message: "cursor is not one this API returned"}
}

// Get returns one of the supplier's POs with its order, lines and history.
func (s *Service) Get(ctx context.Context, supplierID, poID int64) (models.PurchaseOrder, error) {
	var po models.PurchaseOrder
	err := s.DB.Gorm.WithContext(ctx).Preload("Order").
		Preload("Lines", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Preload("Events", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Where("id = ? AND supplier_id = ?", poID, supplierID).Take(&po).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return po, fmt.Errorf("purchase order %d: %w", poID, models.ErrNotFound)
	}
	if err != nil {
		return po, fmt.Errorf("load purchase order %d: %w", poID, err)
	}
	return po, nil
}

// Deliver hands a new PO to its supplier. The portal and the API read POs
// straight from the database, so delivery there is marking it sent; other
// channels (email, EDI) hook in here.
//
// A supplier on the store channel works in its own Shopify store: the PO is
// sent and accepted at once, and a job creates it there as an order. The
// supplier answers by fulfilling (or not) in its store, as with any order;
// there is no separate accept step it could take in Consign.
func (s *Service) Deliver(ctx context.Context, poID int64) error {
	return s.inTx(ctx, func(tx *gorm.DB) error {
		po, err := s.lockPO(tx, poID, 0)
		if err != nil {
			return err
		}
		if po.State != models.POPending {
			return nil // delivered by an earlier run
		}
		var p models.Partnership
		// No partnership row (removed since) reads as the portal.
		if err := tx.Where("retailer_id = ? AND supplier_id = ?", po.RetailerID, po.SupplierID).Limit(1).Find(&p).Error; err != nil {
			return fmt.Errorf("load partnership of purchase order %d: %w", po.ID, err)
		}
		switch p.Channel {
		case models.ChannelEmail, models.ChannelSFTP, models.ChannelEDI:
			if s.Channels == nil {
				return fmt.Errorf("purchase order %d: the %s channel is not configured in this process", po.ID, p.Channel)
			}
			how, err := s.Channels.Deliver(ctx, tx, po, p)
			if err != nil {
				return err
			}
			return models.TransitionPO(ctx, tx, &po, models.POSent, how, "consign", s.Now())
		case models.ChannelStore:
		default:
			return models.TransitionPO(ctx, tx, &po, models.POSent, "available in the supplier portal and API", "consign", s.Now())
		}
		now := s.Now()
		if err := models.TransitionPO(ctx, tx, &po, models.POSent, "sent to the supplier's store", "consign", now); err != nil {
			return err
		}
		if err := models.TransitionPO(ctx, tx, &po, models.POAccepted, "accepted: the supplier fulfils it in its own store", "consign", now); err != nil {
			return err
		}
		if err := tx.Model(&models.POLine{}).Where("purchase_order_id = ? AND state = ?", po.ID, models.LineOpen).
			Update("state", models.LineAccepted).Error; err != nil {
			return fmt.Errorf("accept lines of purchase order %d: %w", po.ID, err)
		}
		if _, err := s.Queue.InsertTx(ctx, tx.Statement.ConnPool.(*sql.Tx), queue.CreateStoreOrder{PurchaseOrderID: po.ID}, nil); err != nil {
			return fmt.Errorf("enqueue store order of purchase order %d: %w", po.ID, err)
		}
		return nil
	})
}

// Accept records that the supplier will ship the whole PO.
func (s *Service) Accept(ctx context.Context, supplierID, poID int64, actor string) (models.PurchaseOrder, error) {
	err := s.inTx(ctx, func(tx *gorm.DB) error { return s.AcceptTx(ctx, tx, supplierID, poID, "", actor) })
	if err != nil {
		return models.PurchaseOrder{}, err
	}
	return s.Get(ctx, supplierID, poID)
}

// AcceptTx is Accept inside the caller's transaction, with a note for the
// history.
func (s *Service) AcceptTx(ctx context.Context, tx *gorm.DB, supplierID, poID int64, note, actor string) error {
	po, err := s.lockPO(tx, poID, supplierID)
	if err != nil {
		return err
	}
	if err := models.TransitionPO(ctx, tx, &po, models.POAccepted, note, actor, s.Now()); err != nil {
		return err
	}
	return tx.Model(&models.POLine{}).Where("purchase_order_id = ? AND state = ?", po.ID, models.LineOpen).
		Update("state", models.LineAccepted).Error
}

// Reject records that the supplier will not ship the PO, returns the
// reserved stock, and asks the retailer to look at the order.
func (s *Service) Reject(ctx context.Context, supplierID, poID int64, reason, actor string) (models.PurchaseOrder, error) {
	err := s.inTx(ctx, func(tx *gorm.DB) error { return s.RejectTx(ctx, tx, supplierID, poID, reason, actor) })
	if err != nil {
		return models.PurchaseOrder{}, err
	}
	return s.Get(ctx, supplierID, poID)
}

// RejectTx is Reject inside the caller's transaction.
func (s *Service) RejectTx(ctx context.Context, tx *gorm.DB, supplierID, poID int64, reason, actor string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return &models.ValidationError{Message: "a reason is required to reject a purchase order"}
	}
	err := func() error {
		po, err := s.lockPO(tx, poID, supplierID)
		if err != nil {
			return err
		}
		if err := models.TransitionPO(ctx, tx, &po, models.PORejected, reason, actor, s.Now()); err != nil {
			return err
		}
		var lines []models.POLine
		if err := tx.Where("purchase_order_id = ?", po.ID).Find(&lines).Error; err != nil {
			return fmt.Errorf("load lines of purchase order %d: %w", po.ID, err)
		}
		if err := models.ReleaseInventory(tx, lines); err != nil {
			return err
		}
		if err := tx.Model(&models.POLine{}).Where("purchase_order_id = ?", po.ID).
			Updates(map[string]any{"state": models.LineRejected, "reason": reason}).Error; err != nil {
			return fmt.Errorf("reject lines of purchase order %d: %w", po.ID, err)
		}
		return tx.Model(&models.Order{}).Where("id = ?", po.OrderID).Updates(map[string]any{
			"state": models.OrderNeedsAttention, "updated_at": s.Now(),
			"attention": fmt.Sprintf("supplier rejected %s: %s", po.Number, reason),
		}).Error
	}()
	return err
}

// ShipmentInput is a supplier's tracking for some of a PO's lines.
type ShipmentInput struct {
	Carrier        string
	TrackingNumber string
	TrackingURL    string
	Lines          []ShipmentLineInput
}

// ShipmentLineInput is a quantity of one PO line.
type ShipmentLineInput struct {
	LineID   int64
	Quantity int
}

// Validate checks the input on its own; AddShipment checks it against the PO.
func (in ShipmentInput) Validate() error {
	switch {
	case strings.TrimSpace(in.TrackingNumber) == "":
		return &models.ValidationError{Message: "tracking_number is required"}
	case len(in.Lines) == 0:
		return &models.ValidationError{Message: "a shipment needs at least one line"}
	}
	seen := map[int64]bool{}
	for _, l := range in.Lines {
		if l.Quantity <= 0 {
			return &models.ValidationError{Message: fmt.Sprintf("line %d: quantity must be positive", l.LineID)}
		}
		if seen[l.LineID] {
			return &models.ValidationError{Message: fmt.Sprintf("line %d is listed twice", l.LineID)}
		}
		seen[l.LineID] = true
	}
	if in.TrackingURL != "" && !strings.HasPrefix(in.TrackingURL, "https://") && !strings.HasPrefix(in.TrackingURL, "http://") {
		return &models.ValidationError{Message: "tracking_url must be an http(s) URL"}
	}
	return nil
}

// AddShipment records tracking for some units of an accepted PO and queues
// the push to the retailer's store. Shipping more than ordered is refused.
func (s *Service) AddShipment(ctx context.Context, supplierID, poID int64, in ShipmentInput) (models.Shipment, error) {
	var sh models.Shipment
	err := s.inTx(ctx, func(tx *gorm.DB) error {
		var err error
		sh, err = s.AddShipmentTx(ctx, tx, supplierID, poID, in, "")
		return err
	})
	return sh, err
}

// AddShipmentTx is AddShipment inside the caller's transaction. A shipment
// that comes from a fulfillment in the supplier's own store passes that
// fulfillment's id, which a PO records once (a unique index).
func (s *Service) AddShipmentTx(ctx context.Context, tx *gorm.DB, supplierID, poID int64, in ShipmentInput, remoteFulfillmentID string) (models.Shipment, error) {
	if err := in.Validate(); err != nil {
		return models.Shipment{}, err
	}
	var sh models.Shipment
	err := func() error {
		po, err := s.lockPO(tx, poID, supplierID)
		if err != nil {
			return err
		}
		if po.State == models.POShipped {
			return &models.ValidationError{Message: fmt.Sprintf("every unit of purchase order %s has shipped already", po.Number)}
		}
		if po.State != models.POAccepted && po.State != models.POPartiallyShipped {
			return &models.TransitionError{Entity: "purchase order " + po.Number, From: po.State, To: "shipped"}
		}
		remaining, err := models.UnshippedQuantities(tx, po.ID)
		if err != nil {
			return err
		}
		for _, l := range in.Lines {
			left, ok := remaining[l.LineID]
			if !ok {
				return &models.ValidationError{Message: fmt.Sprintf("line %d is not on purchase order %s", l.LineID, po.Number)}
			}
			if l.Quantity > left {
				return &models.ValidationError{Message: fmt.Sprintf("line %d: %d to ship but only %d left unshipped", l.LineID, l.Quantity, left)}
			}
			remaining[l.LineID] = left - l.Quantity
		}
		now := s.Now()
		sh = models.Shipment{
			PurchaseOrderID: po.ID, Carrier: strings.TrimSpace(in.Carrier), TrackingNumber: strings.TrimSpace(in.TrackingNumber),
			TrackingURL: strings.TrimSpace(in.TrackingURL), State: models.ShipmentPending, RemoteFulfillmentID: remoteFulfillmentID,
			CreatedAt: now,
		}
		for _, l := range in.Lines {
			sh.Lines = append(sh.Lines, models.ShipmentLine{POLineID: l.LineID, Quantity: l.Quantity})
		}
		if err := tx.Create(&sh).Error; err != nil {
			return fmt.Errorf("create shipment for purchase order %d: %w", po.ID, err)
		}
		next := models.POShipped
		for _, left := range remaining {
			if left > 0 {
				next = models.POPartiallyShipped
			}
		}
		if next != po.State {
			reason := "tracking " + sh.TrackingNumber
			if err := models.TransitionPO(ctx, tx, &po, next, reason, "supplier", now); err != nil {
				return err
			}
		}
		if _, err := s.Queue.InsertTx(ctx, tx.Statement.ConnPool.(*sql.Tx), queue.PushShipment{ShipmentID: sh.ID}, nil); err != nil {
			return fmt.Errorf("enqueue push of shipment %d: %w", sh.ID, err)
		}
		return nil
	}()
	return sh, err
}

// Shipments lists a PO's shipments with their lines.
func (s *Service) Shipments(ctx context.Context, supplierID, poID int64) ([]models.Shipment, error) {
	if _, err := s.Get(ctx, supplierID, poID); err != nil {
		return nil, err
	}
	var out []models.Shipment
	err := s.DB.Gorm.WithContext(ctx).Preload("Lines").Where("purchase_order_id = ?", poID).Order("id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list shipments of purchase order %d: %w", poID, err)
	}
	return out, nil
}

func (s *Service) inTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.DB.Gorm.WithContext(ctx).Transaction(fn)
}

// lockPO loads the PO for update, scoped to the supplier when supplierID > 0.
func (s *Service) lockPO(tx *gorm.DB, poID, supplierID int64) (models.PurchaseOrder, error) {
	q := tx
	if s.DB.Dialect == database.Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	q = q.Where("id = ?", poID)
	if supplierID > 0 {
		q = q.Where("supplier_id = ?", supplierID)
	}
	var po models.PurchaseOrder
	err := q.Take(&po).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return po, fmt.Errorf("purchase order %d: %w", poID, models.ErrNotFound)
	}
	if err != nil {
		return po, fmt.Errorf("load purchase order %d: %w", poID, err)
	}
	return po, nil
}
