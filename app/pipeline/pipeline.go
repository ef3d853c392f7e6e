// Package pipeline turns stored webhook events into canonical orders and
// orders into purchase orders. Every step runs as a River job and is
// idempotent: a job that runs twice, or two jobs for one order that run at
// once, leave exactly one order and one PO per supplier.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/consign/consign/app/canonical"
	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/queue"
	"github.com/consign/consign/models"
)

// Translator decodes one platform's order payload into the canonical order.
// An error means the payload is unusable; its text is shown to operators.
type Translator func(body []byte) (canonical.Order, error)

// TopicHandler processes a stored event whose topic is not an order (app
// lifecycle, privacy requests, a supplier store's fulfillments) inside tx,
// and returns a note for the event. An error wrapping ErrMalformed marks the
// event failed with the reason; any other error is retried.
type TopicHandler func(ctx context.Context, tx *gorm.DB, ev models.WebhookEvent) (note string, err error)

// ErrMalformed marks a payload that can never be processed as it is.
var ErrMalformed = errors.New("malformed payload")

// ErrPartly marks an event a handler applied in part: what it could apply
// is committed, and the event is marked failed with the reason, so a
// person sees what was left and can replay it (the handler being
// idempotent, a replay changes nothing the first run applied).
var ErrPartly = errors.New("applied in part")

// ErrRefused marks an authentic event Consign will not act on as it stands
// (a shop's erasure while the shop is still installed): the event is marked
// failed with the reason, kept, and can be replayed once it applies.
var ErrRefused = errors.New("refused")

// Pipeline holds what the order jobs need.
type Pipeline struct {
	DB          *database.DB
	Queue       queue.Inserter
	Translators map[string]Translator // by platform name
	// Topics handle the non-order topics, keyed "platform topic", for
	// example "shopify app/uninstalled".
	Topics map[string]TopicHandler
	Now    func() time.Time
	Log    *slog.Logger
}

// lockRow adds FOR UPDATE on Postgres. SQLite needs none: its transactions
// are IMMEDIATE and so already hold the database's one write lock.
func (p *Pipeline) lockRow(tx *gorm.DB) *gorm.DB {
	if p.DB.Dialect == database.Postgres {
		return tx.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return tx
}

// asyncCommit lets a job's transaction commit without waiting for its WAL
// flush (Postgres only). The stock rows it locks are the most contended in
// the system and their locks are held until commit, so the flush wait was
// most of every order's routing time under load. Nothing is lost: the job
// is marked completed by River in a later, synchronous commit, and WAL is
// flushed in order, so a completed job's work is always durable; a crash
// before that leaves the job to run again, and every job is idempotent.
func (p *Pipeline) asyncCommit(tx *gorm.DB) error {
	if p.DB.Dialect != database.Postgres {
		return nil
	}
	if err := tx.Exec("SET LOCAL synchronous_commit TO OFF").Error; err != nil {
		return fmt.Errorf("set commit mode: %w", err)
	}
	return nil
}
