// Package reconcile catches the orders whose webhooks never came: it asks
// each connected store for the orders updated since the last check and feeds
// those Consign does not hold yet through the webhook path (stored event,
// then process_event), so they become POs like any other order.
package reconcile

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/ingest"
	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/app/queue"
	"github.com/consign/consign/models"
)

const (
	// DefaultOverlap re-reads a little before the checkpoint: an order
	// Shopify stamped earlier may become visible to the search later.
	DefaultOverlap = 10 * time.Minute
	// DefaultFirstWindow is how far back the first run of a connection looks.
	DefaultFirstWindow = 24 * time.Hour
	// maxWindow is as far back as read_orders lets an app read.
	maxWindow = 60 * 24 * time.Hour
)

// Topic is the topic reconciled orders are stored under: the order as it
// stands now, as an orders/updated webhook would carry it.
const Topic = "orders/updated"

// Service reconciles connections.
type Service struct {
	DB       *database.DB
	Queue    queue.Inserter
	Ingester *ingest.Ingester
	// Clients is the process's one client per shop, shared with every
	// other job that calls Shopify, so they share the shop's budget.
	Clients *shopify.Clients
	// Token returns a valid access token of the connection.
	Token func(ctx context.Context, conn models.Connection) (string, error)
	Now   func() time.Time
	Log   *slog.Logger
	// Overlap and FirstWindow default to DefaultOverlap and DefaultFirstWindow.
	Overlap     time.Duration
	FirstWindow time.Duration
}

// Result says what one run did.
type Result struct {
	Pages    int // pages read
	Seen     int // orders read
	Stored   int // orders fed to the pipeline
	TooLarge int // orders skipped: too many lines for a page
}

// EnqueueAll enqueues a reconcile job for every active Shopify connection.
// A connection whose job is still waiting or running gets no second one.
func (s *Service) EnqueueAll(ctx context.Context) (int, error) {
	n := 0
	err := s.DB.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var ids []int64
		if err := tx.Model(&models.Connection{}).
			Where("platform = ? AND uninstalled_at IS NULL", shopify.Platform).
			Order("id").Pluck("id", &ids).Error; err != nil {
			return fmt.Errorf("list connections to reconcile: %w", err)
		}
		sqlTx := tx.Statement.ConnPool.(*sql.Tx)
		for _, id := range ids {
			res, err := s.Queue.InsertTx(ctx, sqlTx, queue.ReconcileConnection{ConnectionID: id}, nil)
			if err != nil {
				return fmt.Errorf("enqueue reconcile of connection %d: %w", id, err)
			}
			if !res.UniqueSkippedAsDuplicate {
				n++
			}
		}
		return nil
	})
	return n, err
}

// Reconcile reads the connection's orders updated since its checkpoint,
// page by page, and stores each one Consign does not hold at that version
// as a webhook event. The checkpoint advances after each stored page, so a
// failed run resumes where it stopped. Running it twice stores nothing twice:
// each order version has one delivery id.
func (s *Service) Reconcile(ctx context.Context, connectionID int64) (Result, error) {
	var res Result
	db := s.DB.Gorm.WithContext(ctx)
	var conn models.Connection
	if err := db.Take(&conn, connectionID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return res, fmt.Errorf("connection %d: %w", connectionID, models.ErrNotFound)
		}
		return res, fmt.Errorf("load connection %d: %w", connectionID, err)
	}
	if conn.Platform != shopify.Platform || conn.UninstalledAt != nil {
		return res, nil
	}
	token, err := s.Token(ctx, conn)
	if err != nil {
		return res, fmt.Errorf("access token of %s: %w", conn.Shop, err)
	}
	client, err := s.Clients.Get(conn.Shop, token)
	if err != nil {
		return res, err
	}
	var cp checkpoint
	if err := db.Where("connection_id = ?", conn.ID).Limit(1).Find(&cp).Error; err != nil {
		return res, fmt.Errorf("load reconcile checkpoint of connection %d: %w", conn.ID, err)
	}
	now := s.Now()
	since := now.Add(-s.firstWindow())
	if cp.LastUpdatedAt != nil {
		since = cp.LastUpdatedAt.Add(-s.overlap())
	}
	since = maxTime(since, now.Add(-maxWindow))
	log := s.Log.With("connection_id", conn.ID, "shop", conn.Shop)

	cursor := ""
	for {
		page, err := client.UpdatedOrders(ctx, since, cursor)
		if err != nil {
			return res, fmt.Errorf("reconcile %s: %w", conn.Shop, err)
		}
		res.Pages++
		res.Seen += len(page.Orders) + len(page.TooLarge)
		for _, gid := range page.TooLarge {
			res.TooLarge++
			log.WarnContext(ctx, "reconcile: order has too many lines to read in a page; left to its webhooks", "order", gid)
		}
		var newest time.Time
		for _, o := range page.Orders {
			newest = maxTime(newest, o.UpdatedAt)
			stored, err := s.feed(ctx, conn, o)
			if err != nil {
				return res, err
			}
			if stored {
				res.Stored++
				log.InfoContext(ctx, "reconcile: stored an order its webhooks missed", "order", o.GID, "updated_at", o.UpdatedAt)
			}
		}
		if !newest.IsZero() {
			if err := s.advance(ctx, conn.ID, newest, nil); err != nil {
				return res, err
			}
		}
		if !page.HasNextPage {
			break
		}
		cursor = page.EndCursor
	}
	if err := s.advance(ctx, conn.ID, time.Time{}, &now); err != nil {
		return res, err
	}
	return res, nil
}

// feed stores one order version as an orders/updated event, unless Consign
// already holds the order at that version or later.
func (s *Service) feed(ctx context.Context, conn models.Connection, o shopify.OrderUpdate) (bool, error) {
	externalID := o.GID[strings.LastIndex(o.GID, "/")+1:]
	var held []time.Time
	err := s.DB.Gorm.WithContext(ctx).Model(&models.Order{}).
		Where("connection_id = ? AND external_id = ?", conn.ID, externalID).
		Pluck("platform_updated_at", &held).Error
	if err != nil {
		return false, fmt.Errorf("look up order %s: %w", o.GID, err)
	}
	if len(held) > 0 && !held[0].Before(o.UpdatedAt) {
		return false, nil
	}
	out, _, err := s.Ingester.Ingest(ctx, ingest.Delivery{
		Platform: shopify.Platform,
		Topic:    Topic,
		// One id per order version: a repeated run is a duplicate.
		DeliveryID: "reconcile:" + o.GID + ":" + o.UpdatedAt.UTC().Format(time.RFC3339),
		Shop:       conn.Shop,
		Headers:    map[string]string{"X-Consign-Source": "reconcile"},
		Body:       o.Body,
		Handled:    true,
	})
	if err != nil {
		return false, fmt.Errorf("store reconciled order %s: %w", o.GID, err)
	}
	return out == ingest.Stored, nil
}

// checkpoint is a connection's reconcile_checkpoints row.
type checkpoint struct {
	ConnectionID  int64 `gorm:"primaryKey;autoIncrement:false"`
	LastUpdatedAt *time.Time
	LastRunAt     *time.Time
}

func (checkpoint) TableName() string { return "reconcile_checkpoints" }

// advance moves the checkpoint to updated (never back) and records ranAt,
// each when given. Only this connection's job writes its row, and River runs
// one at a time (queue.ReconcileConnection), so read-then-write is safe.
func (s *Service) advance(ctx context.Context, connID int64, updated time.Time, ranAt *time.Time) error {
	db := s.DB.Gorm.WithContext(ctx)
	var cp checkpoint
	if err := db.Where("connection_id = ?", connID).Limit(1).Find(&cp).Error; err != nil {
		return fmt.Errorf("load reconcile checkpoint of connection %d: %w", connID, err)
	}
	cp.ConnectionID = connID
	if !updated.IsZero() && (cp.LastUpdatedAt == nil || updated.After(*cp.LastUpdatedAt)) {
		u := updated.UTC()
		cp.LastUpdatedAt = &u
	}
	if ranAt != nil {
		cp.LastRunAt = ranAt
	}
	err := db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "connection_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"last_updated_at", "last_run_at"}),
	}).Create(&cp).Error
	if err != nil {
		return fmt.Errorf("save reconcile checkpoint of connection %d: %w", connID, err)
	}
	return nil
}

// Checkpoint returns the newest order update stored for the connection, and
// when its last run finished; zero times before the first.
func (s *Service) Checkpoint(ctx context.Context, connID int64) (lastUpdated, lastRun time.Time, err error) {
	var cp checkpoint
	if err := s.DB.Gorm.WithContext(ctx).Where("connection_id = ?", connID).Limit(1).Find(&cp).Error; err != nil {
		return lastUpdated, lastRun, fmt.Errorf("load reconcile checkpoint of connection %d: %w", connID, err)
	}
	if cp.LastUpdatedAt != nil {
		lastUpdated = *cp.LastUpdatedAt
	}
	if cp.LastRunAt != nil {
		lastRun = *cp.LastRunAt
	}
	return lastUpdated, lastRun, nil
}

func (s *Service) overlap() time.Duration {
	if s.Overlap > 0 {
		return s.Overlap
	}
	return DefaultOverlap
}

func (s *Service) firstWindow() time.Duration {
	if s.FirstWindow > 0 {
		return min(s.FirstWindow, maxWindow)
	}
	return DefaultFirstWindow
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
