// Package reconcile catches the orders whose webhooks never came: it asks
// each connected store for the orders updated since the last check and feeds
// those Consign does not hold yet through the webhook path (stored event,
// then process_event), so they become POs like any other order. Each
// platform is a Source; the checkpoint, paging and deduplication are shared.
package reconcile

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/ingest"
	"github.com/consign/consign/app/queue"
	"github.com/consign/consign/models"
)

const (
	// DefaultOverlap re-reads a little before the checkpoint: an order a
	// store stamped earlier may become visible to its search later.
	DefaultOverlap = 10 * time.Minute
	// DefaultFirstWindow is how far back the first run of a connection looks.
	DefaultFirstWindow = 24 * time.Hour
	// maxWindow is as far back as Shopify's read_orders lets an app read;
	// no store needs more.
	maxWindow = 60 * 24 * time.Hour
)

// Source reads one platform's orders.
type Source interface {
	// Changed hands visit the store's orders updated at or after since,
	// a page at a time, oldest update first, until the last page or an
	// error. It may first repair what keeps webhooks coming (re-enable a
	// hook the store disabled).
	Changed(ctx context.Context, conn models.Connection, since time.Time, visit func(Page) error) error
}

// Page is one page of a store's changed orders.
type Page struct {
	Orders []Order
	// Skipped are orders the source could not read in a page (too many
	// lines), left to their webhooks; they are logged.
	Skipped []string
}

// Order is one order version a store reports.
type Order struct {
	ExternalID string
	UpdatedAt  time.Time
	Topic      string // stored as this topic, the one its webhook would have
	DeliveryID string // one id per order version, shared with its webhook where possible
	// Body is the order as the platform's translator reads it; when nil,
	// Fetch reads it, and only for versions Consign does not hold.
	Body  []byte
	Fetch func(ctx context.Context) ([]byte, error)
}

// Service reconciles connections.
type Service struct {
	DB       *database.DB
	Queue    queue.Inserter
	Ingester *ingest.Ingester
	// Sources read each platform's changed orders.
	Sources map[string]Source
	Now     func() time.Time
	Log     *slog.Logger
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

// platforms lists the platforms with a source, for queries.
func (s *Service) platforms() []string {
	out := make([]string, 0, len(s.Sources))
	for p := range s.Sources {
		out = append(out, p)
	}
	return out
}

// EnqueueAll enqueues a reconcile job for every active connection of a
// platform with a source.
// A connection whose job is still waiting or running gets no second one.
func (s *Service) EnqueueAll(ctx context.Context) (int, error) {
	n := 0
	err := s.DB.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var ids []int64
		if err := tx.Model(&models.Connection{}).
			Where("platform IN ? AND uninstalled_at IS NULL", s.platforms()).
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
	source, ok := s.Sources[conn.Platform]
	if !ok || conn.UninstalledAt != nil {
		return res, nil
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
	log := s.Log.With("connection_id", conn.ID, "platform", conn.Platform, "shop", conn.Shop)

	err := source.Changed(ctx, conn, since, func(page Page) error {
		res.Pages++
		res.Seen += len(page.Orders) + len(page.Skipped)
		for _, id := range page.Skipped {
			res.TooLarge++
			log.WarnContext(ctx, "reconcile: order has too many lines to read in a page; left to its webhooks", "order", id)
		}
		var newest time.Time
		for _, o := range page.Orders {
			newest = maxTime(newest, o.UpdatedAt)
			stored, err := s.feed(ctx, conn, o)
			if err != nil {
				return err
			}
			if stored {
				res.Stored++
				log.InfoContext(ctx, "reconcile: stored an order its webhooks missed", "order", o.ExternalID, "updated_at", o.UpdatedAt)
			}
		}
		if newest.IsZero() {
			return nil
		}
		return s.advance(ctx, conn.ID, newest, nil)
	})
	if err != nil {
		return res, fmt.Errorf("reconcile %s %s: %w", conn.Platform, conn.Shop, err)
	}
	if err := s.advance(ctx, conn.ID, time.Time{}, &now); err != nil {
		return res, err
	}
	return res, nil
}

// feed stores one order version as an event, unless Consign already holds
// the order at that version or later.
func (s *Service) feed(ctx context.Context, conn models.Connection, o Order) (bool, error) {
	var held []time.Time
	err := s.DB.Gorm.WithContext(ctx).Model(&models.Order{}).
		Where("connection_id = ? AND external_id = ?", conn.ID, o.ExternalID).
		Pluck("platform_updated_at", &held).Error
	if err != nil {
		return false, fmt.Errorf("look up order %s: %w", o.ExternalID, err)
	}
	if len(held) > 0 && !held[0].Before(o.UpdatedAt) {
		return false, nil
	}
	body := o.Body
	if body == nil {
		if body, err = o.Fetch(ctx); err != nil {
			return false, fmt.Errorf("fetch order %s: %w", o.ExternalID, err)
		}
	}
	out, _, err := s.Ingester.Ingest(ctx, ingest.Delivery{
		Platform:   conn.Platform,
		Topic:      o.Topic,
		DeliveryID: o.DeliveryID,
		Shop:       conn.Shop,
		Headers:    map[string]string{"X-Consign-Source": "reconcile"},
		Body:       body,
		Handled:    true,
	})
	if err != nil {
		return false, fmt.Errorf("store reconciled order %s: %w", o.ExternalID, err)
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
