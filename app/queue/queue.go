// Package queue names Consign's durable jobs and builds the River client
// that runs them. Jobs are inserted in the same transaction as the rows that
// need them, so a committed row always has its job.
package queue

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/consign/consign/app/database"
)

// Inserter enqueues a job inside the caller's transaction. *river.Client
// satisfies it; packages that enqueue depend on this, not on the client.
type Inserter interface {
	InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// ProcessEvent translates one stored webhook event into a canonical order.
type ProcessEvent struct {
	EventID int64 `json:"event_id"`
}

func (ProcessEvent) Kind() string { return "process_event" }

// DeliverPO hands a new PO to its supplier through the partnership's channel.
type DeliverPO struct {
	PurchaseOrderID int64 `json:"purchase_order_id"`
}

func (DeliverPO) Kind() string { return "deliver_po" }

// PushShipment creates a shipment's fulfillment in the retailer's store.
type PushShipment struct {
	ShipmentID int64 `json:"shipment_id"`
}

func (PushShipment) Kind() string { return "push_shipment" }

func (PushShipment) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueuePlatform} }

// QueuePlatform runs the jobs that wait on a store's API (pushes, reconcile,
// supplier-store orders) apart from the order pipeline: a slow or
// throttling store must never hold the workers that turn webhooks into POs.
const QueuePlatform = "platform"

// Config sizes the worker pool. River fetches at most once per FetchCooldown
// and runs at most MaxWorkers jobs at once, so short jobs are capped near
// MaxWorkers / FetchCooldown per process.
type Config struct {
	MaxWorkers int
	// PlatformWorkers run QueuePlatform jobs (default 8); they mostly wait
	// on the network.
	PlatformWorkers   int
	FetchCooldown     time.Duration
	FetchPollInterval time.Duration
	JobTimeout        time.Duration
	// RescueAfter is how long a job may stay running (its process died) before
	// River runs it again.
	RescueAfter time.Duration
	// Insecure test hooks can shrink the retry delay.
	RetryPolicy river.ClientRetryPolicy
	// Middleware wraps every job insert or run (metrics); optional.
	Middleware []rivertype.Middleware
	// PeriodicJobs are inserted on their schedules by the elected leader.
	PeriodicJobs []*river.PeriodicJob
}

// DefaultConfig suits one app machine on either dialect, sized by `consign
// bench pipeline` (docs/PERFORMANCE.md): an order is one short job, so 200
// orders/s need ~200 jobs/s, far under the cap of MaxWorkers /
// FetchCooldown = 1000/s. More workers do not mean more throughput: orders
// that share catalog items queue on those items' stock rows, and at 24
// workers most of them waited there (p50 answer-to-PO 1.8 s at 200/s,
// against 14 ms at 8-12 workers).
func DefaultConfig(d database.Dialect) Config {
	c := Config{
		MaxWorkers:        8,
		FetchCooldown:     10 * time.Millisecond,
		FetchPollInterval: 100 * time.Millisecond,
		JobTimeout:        time.Minute,
		RescueAfter:       2 * time.Minute,
	}
	if d == database.SQLite {
		// One writer: more workers only queue on the write lock.
		c.MaxWorkers = 8
	}
	return c
}

// NewClient builds the River client over the shared pool. With nil workers
// the client can only insert (commands that enqueue but do not work).
func NewClient(db *database.DB, workers *river.Workers, cfg Config, log *slog.Logger) (*river.Client[*sql.Tx], error) {
	rc := &river.Config{
		Logger:               log,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		RetryPolicy:          cfg.RetryPolicy,
		Middleware:           cfg.Middleware,
	}
	if workers != nil {
		rc.Workers = workers
		platform := cfg.PlatformWorkers
		if platform == 0 {
			platform = 8
		}
		rc.Queues = map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: cfg.MaxWorkers},
			QueuePlatform:      {MaxWorkers: platform},
		}
		rc.FetchCooldown = cfg.FetchCooldown
		rc.FetchPollInterval = cfg.FetchPollInterval
		rc.PeriodicJobs = cfg.PeriodicJobs
	}
	client, err := river.NewClient(db.RiverDriver(), rc)
	if err != nil {
		return nil, fmt.Errorf("create job client: %w", err)
	}
	return client, nil
}
