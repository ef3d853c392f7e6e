// Package orderfetch completes webhooks that only name an order
// (BigCommerce's): the webhook's event queues a fetch, the fetch reads the
// order from the store's API and stores it as an event of its own, and the
// pipeline processes that event like any order payload. The fetched event
// is kept, so the order Consign acted on can be read and replayed.
package orderfetch

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/ingest"
	"github.com/consign/consign/app/pipeline"
	"github.com/consign/consign/app/queue"
	"github.com/consign/consign/models"
)

// Topic is the topic a fetched order is stored under.
const Topic = "order/fetched"

// ErrOrderGone means the store no longer has the order (deleted since).
var ErrOrderGone = errors.New("the store has no such order")

// Fetcher reads one order of a store, in the shape the platform's
// translator reads.
type Fetcher interface {
	// Fetch returns the order's payload and its modified time, which
	// names the version (a zero time when the payload has none).
	Fetch(ctx context.Context, conn models.Connection, orderID string) (body []byte, modified time.Time, err error)
}

// Service queues and runs fetches.
type Service struct {
	DB       *database.DB
	Queue    queue.Inserter
	Ingester *ingest.Ingester
	Fetchers map[string]Fetcher // by platform
	Log      *slog.Logger
}

// Handler is the pipeline's handler for a topic whose payload only names an
// order: name reads the order id from the payload. The fetch is queued in
// the event's own transaction, so a processed event always has its fetch.
func (s *Service) Handler(name func(body []byte) (string, error)) pipeline.TopicHandler {
	return func(ctx context.Context, tx *gorm.DB, ev models.WebhookEvent) (string, error) {
		id, err := name(ev.Body)
		if err != nil {
			return "", fmt.Errorf("%w: %v", pipeline.ErrMalformed, err)
		}
		args := queue.FetchOrder{ConnectionID: *ev.ConnectionID, OrderID: id}
		if _, err := s.Queue.InsertTx(ctx, tx.Statement.ConnPool.(*sql.Tx), args, nil); err != nil {
			return "", fmt.Errorf("enqueue fetch of order %s: %w", id, err)
		}
		return "order " + id + " is read from the store", nil
	}
}

// Fetch reads an order from its store and stores it as an event. A version
// Consign stored before is a duplicate and changes nothing, so the bursts of
// webhooks one change fires (created, statusUpdated, updated) collapse into
// one processed order.
func (s *Service) Fetch(ctx context.Context, connID int64, orderID string) error {
	var conn models.Connection
	if err := s.DB.Gorm.WithContext(ctx).Take(&conn, connID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return fmt.Errorf("connection %d: %w", connID, models.ErrNotFound)
		}
		return fmt.Errorf("load connection %d: %w", connID, err)
	}
	log := s.Log.With("connection_id", conn.ID, "platform", conn.Platform, "shop", conn.Shop, "order", orderID)
	if conn.UninstalledAt != nil {
		log.InfoContext(ctx, "order not fetched: the store uninstalled Consign")
		return nil
	}
	f, ok := s.Fetchers[conn.Platform]
	if !ok {
		return fmt.Errorf("no way to read %s orders", conn.Platform)
	}
	body, modified, err := f.Fetch(ctx, conn, orderID)
	if errors.Is(err, ErrOrderGone) {
		log.InfoContext(ctx, "order not fetched: the store no longer has it")
		return nil
	}
	if err != nil {
		return fmt.Errorf("fetch %s order %s of %s: %w", conn.Platform, orderID, conn.Shop, err)
	}
	id := ingest.OrderVersionID(orderID, modified)
	if modified.IsZero() {
		// No version to name (a payload the translator will refuse):
		// the bytes are the version.
		sum := sha256.Sum256(body)
		id = "order:" + orderID + ":sha256:" + hex.EncodeToString(sum[:])
	}
	_, _, err = s.Ingester.Ingest(ctx, ingest.Delivery{
		Platform:   conn.Platform,
		Topic:      Topic,
		DeliveryID: id,
		Shop:       conn.Shop,
		Headers:    map[string]string{"X-Consign-Source": "fetch"},
		Body:       body,
		Handled:    true,
	})
	if err != nil {
		return fmt.Errorf("store fetched order %s: %w", orderID, err)
	}
	return nil
}
