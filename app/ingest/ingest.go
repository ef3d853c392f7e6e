// Package ingest stores verified webhook deliveries and enqueues their
// processing, in one transaction, before the platform gets its answer.
// Nothing slow happens here: translation and routing run in jobs.
package ingest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/queue"
	"github.com/consign/consign/models"
)

// Delivery is one authentic webhook delivery, signature already verified.
type Delivery struct {
	Platform   string
	Topic      string
	DeliveryID string
	Shop       string
	Headers    map[string]string
	Body       []byte
	// Handled tells whether the topic is one Consign acts on; others are
	// stored as ignored, for audit.
	Handled bool
	// EvenUninstalled accepts the delivery for an uninstalled connection:
	// lifecycle and privacy topics (shop/redact comes ~48 h after
	// app/uninstalled) must still be acted on.
	EvenUninstalled bool
	// Conn is the shop's connection when the caller has already read it
	// (to check the connection's own webhook secret), so the commit does
	// not read it again; nil otherwise.
	Conn *models.Connection
}

// OrderVersionID is the delivery id of one version of an order, whoever
// read it (a webhook, a fetch after a thin webhook, reconciliation), so each
// version is stored once. It serves platforms whose own delivery ids change
// on every send (WooCommerce) or whose webhooks only name the order
// (BigCommerce).
func OrderVersionID(orderID string, modified time.Time) string {
	return "order:" + orderID + ":" + modified.UTC().Format(time.RFC3339Nano)
}

// Outcome says what became of a delivery.
type Outcome string

const (
	Stored    Outcome = "stored"    // new; its job is queued
	Duplicate Outcome = "duplicate" // this delivery id was stored before; nothing changed
	Ignored   Outcome = "ignored"   // stored for audit, nothing to do (unknown shop, unhandled topic)
)

// Ingester stores deliveries. Concurrent calls share transactions (see
// group.go); its zero group is ready, so an Ingester is built as a literal.
type Ingester struct {
	DB    *database.DB
	Queue queue.Inserter
	Now   func() time.Time

	group group
}

// Ingest stores d and, when there is work to do, enqueues it, atomically.
// It returns only once d's row and job are committed. Any error means the
// delivery was not stored: answer so the platform retries.
func (in *Ingester) Ingest(ctx context.Context, d Delivery) (Outcome, int64, error) {
	headers, err := encodeHeaders(d.Headers)
	if err != nil {
		return "", 0, err
	}
	r := in.submit(ctx, &pending{d: d, headers: headers, done: make(chan result, 2)})
	return r.outcome, r.id, r.err
}

// classify decides the state a delivery is stored in, and why.
func classify(d Delivery, connID *int64, active bool) (string, string) {
	switch {
	case connID == nil:
		return models.EventIgnored, "no connection for shop " + d.Shop
	case !active && !d.EvenUninstalled:
		return models.EventIgnored, "connection for shop " + d.Shop + " is uninstalled"
	case !d.Handled:
		return models.EventIgnored, "topic " + d.Topic + " is not handled"
	}
	return models.EventReceived, ""
}

// storeOne stores one delivery in its own transaction.
func (in *Ingester) storeOne(ctx context.Context, d Delivery, headers []byte) (Outcome, int64, error) {
	var id int64
	var state string
	err := in.DB.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		connID, active, err := connectionOf(tx, d)
		if err != nil {
			return err
		}
		var reason string
		state, reason = classify(d, connID, active)
		err = tx.Raw(`INSERT INTO webhook_events
			(platform, topic, delivery_id, shop, connection_id, headers, body, state, error, received_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (platform, delivery_id) DO NOTHING RETURNING id`,
			d.Platform, d.Topic, d.DeliveryID, d.Shop, connID, string(headers), d.Body, state, reason, in.Now()).
			Scan(&id).Error
		if err != nil {
			return fmt.Errorf("insert webhook event: %w", err)
		}
		if id == 0 || state != models.EventReceived {
			return nil
		}
		if _, err := in.Queue.InsertTx(ctx, tx.Statement.ConnPool.(*sql.Tx), queue.ProcessEvent{EventID: id}, nil); err != nil {
			return fmt.Errorf("enqueue event %d: %w", id, err)
		}
		return nil
	})
	switch {
	case err != nil:
		return "", 0, err
	case id == 0:
		return Duplicate, 0, nil
	case state == models.EventIgnored:
		return Ignored, id, nil
	}
	return Stored, id, nil
}

// connectionOf is the delivery's connection and whether it is active: the
// one the caller read, else the shop's; nil when there is none.
func connectionOf(tx *gorm.DB, d Delivery) (*int64, bool, error) {
	if d.Conn != nil {
		return &d.Conn.ID, d.Conn.UninstalledAt == nil, nil
	}
	return lookupConnection(tx, d.Platform, d.Shop)
}

// lookupConnection finds the shop's connection: nil when there is none.
func lookupConnection(tx *gorm.DB, platform, shop string) (*int64, bool, error) {
	var c models.Connection
	err := tx.Select("id", "uninstalled_at").
		Where("platform = ? AND shop = ?", platform, shop).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("look up connection for %s %s: %w", platform, shop, err)
	}
	return &c.ID, c.UninstalledAt == nil, nil
}

// Replay puts a stored event back through processing (after a fix, or to
// retry a failed one). It is idempotent like every job.
func (in *Ingester) Replay(ctx context.Context, eventID int64) error {
	return in.DB.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var ev models.WebhookEvent
		if err := tx.Select("id", "connection_id", "partnership_id", "state").Take(&ev, eventID).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return fmt.Errorf("webhook event %d: %w", eventID, models.ErrNotFound)
			}
			return fmt.Errorf("load webhook event %d: %w", eventID, err)
		}
		if ev.ConnectionID == nil && ev.PartnershipID == nil {
			return &models.ValidationError{Message: fmt.Sprintf("webhook event %d has no connection to replay into", eventID)}
		}
		if err := tx.Model(&models.WebhookEvent{}).Where("id = ?", eventID).
			Updates(map[string]any{"state": models.EventReceived, "error": "", "processed_at": nil}).Error; err != nil {
			return fmt.Errorf("reset webhook event %d: %w", eventID, err)
		}
		if _, err := in.Queue.InsertTx(ctx, tx.Statement.ConnPool.(*sql.Tx), queue.ProcessEvent{EventID: eventID}, nil); err != nil {
			return fmt.Errorf("enqueue event %d: %w", eventID, err)
		}
		return nil
	})
}
