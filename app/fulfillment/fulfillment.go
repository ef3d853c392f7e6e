// Package fulfillment pushes suppliers' shipments back to the retailer's
// store, so the store records the fulfillment and tells the customer.
package fulfillment

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"github.com/consign/consign/app/database"
	"github.com/consign/consign/models"
)

// Request is one shipment as a store needs it.
type Request struct {
	Shop            string
	ConnectionID    int64 // the pusher gets the store's token for it (accounts.Service.AccessToken)
	OrderExternalID string
	OrderGID        string
	Lines           []Line
	Carrier         string
	TrackingNumber  string
	TrackingURL     string
	// OrderShipped: with this shipment, every line of the order that needs
	// shipping has shipped in full (WooCommerce then completes the order).
	OrderShipped bool
}

// Line is a quantity of one of the store's order lines.
type Line struct {
	ExternalLineID string
	Quantity       int
}

// Pusher creates a fulfillment in one platform's store and returns its id.
// It must not create a second fulfillment for the same tracking number, so
// a job retried after a crash is harmless.
type Pusher interface {
	Push(ctx context.Context, r Request) (remoteID string, err error)
}

// RetryableError is a push that may succeed later (throttled, store down).
type RetryableError struct {
	After time.Duration
	Err   error
}

func (e *RetryableError) Error() string { return e.Err.Error() }
func (e *RetryableError) Unwrap() error { return e.Err }

// errUninstalled refuses a push to a store that uninstalled Consign.
var errUninstalled = errors.New("the store uninstalled Consign: the fulfillment was not sent")

// Service pushes shipments.
type Service struct {
	DB      *database.DB
	Pushers map[string]Pusher // by platform
	Now     func() time.Time
	Log     *slog.Logger
}

// Push sends one shipment to the retailer's store, once. A permanent refusal
// marks the shipment failed and flags the order; a temporary one is returned
// as *RetryableError for the job to retry.
func (s *Service) Push(ctx context.Context, shipmentID int64) error {
	db := s.DB.Gorm.WithContext(ctx)
	var sh models.Shipment
	if err := db.Preload("Lines").Take(&sh, shipmentID).Error; err != nil {
		return fmt.Errorf("load shipment %d: %w", shipmentID, err)
	}
	if sh.State != models.ShipmentPending {
		return nil // pushed (or refused) by an earlier run
	}
	req, platform, orderID, err := s.request(db, sh)
	if errors.Is(err, errUninstalled) {
		return s.fail(db, sh, orderID, err)
	}
	if err != nil {
		return err
	}
	pusher, ok := s.Pushers[platform]
	if !ok {
		return s.fail(db, sh, orderID, fmt.Errorf("no way to push fulfillments to %s stores", platform))
	}
	remoteID, err := pusher.Push(ctx, req)
	var retry *RetryableError
	switch {
	case errors.As(err, &retry) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("push shipment %d: %w", sh.ID, err)
	case err != nil:
		return s.fail(db, sh, orderID, err)
	}
	err = db.Model(&models.Shipment{}).Where("id = ?", sh.ID).Updates(map[string]any{
		"state": models.ShipmentPushed, "remote_id": remoteID, "pushed_at": s.Now(), "error": "",
	}).Error
	if err != nil {
		return fmt.Errorf("record push of shipment %d (remote %s): %w", sh.ID, remoteID, err)
	}
	return nil
}

func (s *Service) request(db *gorm.DB, sh models.Shipment) (Request, string, int64, error) {
	var po models.PurchaseOrder
	if err := db.Preload("Order").Preload("Lines").Take(&po, sh.PurchaseOrderID).Error; err != nil {
		return Request{}, "", 0, fmt.Errorf("load purchase order %d: %w", sh.PurchaseOrderID, err)
	}
	var conn models.Connection
	if err := db.Take(&conn, po.Order.ConnectionID).Error; err != nil {
		return Request{}, "", 0, fmt.Errorf("load connection %d: %w", po.Order.ConnectionID, err)
	}
	if conn.UninstalledAt != nil {
		return Request{}, "", po.OrderID, errUninstalled
	}
	orderLineOf := make(map[int64]int64, len(po.Lines))
	var orderLineIDs []int64
	for _, l := range po.Lines {
		orderLineOf[l.ID] = l.OrderLineID
		orderLineIDs = append(orderLineIDs, l.OrderLineID)
	}
	var orderLines []models.OrderLine
	if err := db.Select("id", "external_id").Where("id IN ?", orderLineIDs).Find(&orderLines).Error; err != nil {
		return Request{}, "", 0, fmt.Errorf("load order lines of purchase order %d: %w", po.ID, err)
	}
	external := make(map[int64]string, len(orderLines))
	for _, l := range orderLines {
		external[l.ID] = l.ExternalID
	}
	req := Request{
		Shop: conn.Shop, ConnectionID: conn.ID,
		OrderExternalID: po.Order.ExternalID, OrderGID: po.Order.GID,
		Carrier: sh.Carrier, TrackingNumber: sh.TrackingNumber, TrackingURL: sh.TrackingURL,
	}
	for _, l := range sh.Lines {
		req.Lines = append(req.Lines, Line{ExternalLineID: external[orderLineOf[l.POLineID]], Quantity: l.Quantity})
	}
	var short int64
	err := db.Raw(`SELECT COUNT(*) FROM order_lines ol
		WHERE ol.order_id = ? AND ol.requires_shipping AND NOT ol.gift_card AND ol.quantity > COALESCE((
			SELECT SUM(sl.quantity) FROM shipment_lines sl
			JOIN po_lines pl ON pl.id = sl.po_line_id
			JOIN shipments s ON s.id = sl.shipment_id
			WHERE pl.order_line_id = ol.id AND s.state <> ?), 0)`, po.OrderID, models.ShipmentFailed).Scan(&short).Error
	if err != nil {
		return Request{}, "", 0, fmt.Errorf("count unshipped lines of order %d: %w", po.OrderID, err)
	}
	req.OrderShipped = short == 0
	return req, conn.Platform, po.OrderID, nil
}

func (s *Service) fail(db *gorm.DB, sh models.Shipment, orderID int64, cause error) error {
	s.Log.Error("store refused fulfillment", "shipment_id", sh.ID, "error", cause)
	return db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&models.Shipment{}).Where("id = ?", sh.ID).
			Updates(map[string]any{"state": models.ShipmentFailed, "error": cause.Error()}).Error; err != nil {
			return fmt.Errorf("mark shipment %d failed: %w", sh.ID, err)
		}
		return tx.Model(&models.Order{}).Where("id = ?", orderID).Updates(map[string]any{
			"attention":  fmt.Sprintf("the store refused tracking %s: %v", sh.TrackingNumber, cause),
			"updated_at": s.Now(),
		}).Error
	})
}
