package ingest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"

	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/queue"
	"github.com/consign/consign/models"
)

// Group commit. Under load, one transaction (and one WAL flush) per
// delivery is what limits ingest, so concurrent deliveries share one: each
// request queues its delivery; a bounded number of requests act as
// committers, each taking whatever is queued (up to maxBatch) into one
// transaction, then handing the committer's role to the next waiting
// request. Nobody waits for a batch to fill: when the database keeps up,
// batches hold one delivery. Every request is answered only after the
// transaction holding its own row and job has committed. A batch that fails
// is retried row by row, so one bad delivery fails only itself.

const maxBatch = 64

// group is the queue of deliveries waiting for a transaction; its zero
// value is ready.
type group struct {
	mu         sync.Mutex
	queue      []*pending
	committers int
}

type pending struct {
	d       Delivery
	headers []byte
	done    chan result // holds at most one lead token and one result
	leading bool        // a lead token was sent (under group.mu)
}

type result struct {
	outcome Outcome
	id      int64
	err     error
	lead    bool // not a result: take the committer's role
}

// maxCommitters bounds transactions in flight from ingest: enough to keep
// Postgres busy; SQLite has one writer anyway.
func maxCommitters(d database.Dialect) int {
	if d == database.SQLite {
		return 1
	}
	return 4
}

// submit queues p and returns its result once its transaction committed.
func (in *Ingester) submit(ctx context.Context, p *pending) result {
	g := &in.group
	g.mu.Lock()
	g.queue = append(g.queue, p)
	lead := g.committers < maxCommitters(in.DB.Dialect)
	if lead {
		g.committers++
	}
	g.mu.Unlock()
	if lead {
		in.commitNext(ctx)
	}
	for {
		r := <-p.done
		if !r.lead {
			return r
		}
		in.commitNext(ctx)
	}
}

// commitNext commits one batch, then hands the committer's role on to a
// waiting request, or gives it up when none waits.
func (in *Ingester) commitNext(ctx context.Context) {
	g := &in.group
	g.mu.Lock()
	n := min(len(g.queue), maxBatch)
	batch := make([]*pending, n)
	copy(batch, g.queue)
	g.queue = g.queue[n:]
	g.mu.Unlock()

	if n > 0 {
		// The batch is everyone's: one request going away must not abort it.
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		in.commitBatch(bctx, batch)
		cancel()
	}

	g.mu.Lock()
	defer g.mu.Unlock()
	for _, next := range g.queue {
		if !next.leading {
			next.leading = true
			next.done <- result{lead: true}
			return
		}
	}
	g.committers--
}

// commitBatch stores the batch in one transaction, or row by row when that
// fails, and answers every request in it.
func (in *Ingester) commitBatch(ctx context.Context, batch []*pending) {
	if len(batch) > 1 {
		results, err := in.storeMany(ctx, batch)
		if err == nil {
			for i, p := range batch {
				p.done <- results[i]
			}
			return
		}
	}
	for _, p := range batch {
		outcome, id, err := in.storeOne(ctx, p.d, p.headers)
		p.done <- result{outcome: outcome, id: id, err: err}
	}
}

// batchInserter enqueues many jobs in one statement; *river.Client has it.
type batchInserter interface {
	InsertManyTx(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
}

type connInfo struct {
	id     *int64
	active bool
}

// storeMany inserts the batch's events with one statement and their jobs
// with another, in one transaction.
func (in *Ingester) storeMany(ctx context.Context, batch []*pending) ([]result, error) {
	results := make([]result, len(batch))
	err := in.DB.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		conns := map[string]connInfo{}
		states := make([]string, len(batch))
		first := map[string]int{} // platform + delivery id -> first index in the batch
		var values []string
		var args []any
		for i, p := range batch {
			key := p.d.Platform + "\x00" + p.d.Shop
			c, ok := conns[key]
			if !ok {
				id, active, err := connectionOf(tx, p.d)
				if err != nil {
					return err
				}
				c = connInfo{id, active}
				conns[key] = c
			}
			state, reason := classify(p.d, c.id, c.active)
			states[i] = state
			dkey := p.d.Platform + "\x00" + p.d.DeliveryID
			if _, dup := first[dkey]; dup {
				results[i] = result{outcome: Duplicate}
				continue
			}
			first[dkey] = i
			values = append(values, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, p.d.Platform, p.d.Topic, p.d.DeliveryID, p.d.Shop, c.id, string(p.headers), p.d.Body, state, reason, in.Now())
		}
		rows, err := tx.Raw(`INSERT INTO webhook_events
			(platform, topic, delivery_id, shop, connection_id, headers, body, state, error, received_at)
			VALUES `+strings.Join(values, ", ")+`
			ON CONFLICT (platform, delivery_id) DO NOTHING RETURNING id, platform, delivery_id`, args...).Rows()
		if err != nil {
			return fmt.Errorf("insert %d webhook events: %w", len(values), err)
		}
		stored := map[string]int64{}
		for rows.Next() {
			var id int64
			var platform, delivery string
			if err := rows.Scan(&id, &platform, &delivery); err != nil {
				rows.Close()
				return fmt.Errorf("read inserted webhook events: %w", err)
			}
			stored[platform+"\x00"+delivery] = id
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("read inserted webhook events: %w", err)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read inserted webhook events: %w", err)
		}
		var jobs []river.InsertManyParams
		for dkey, i := range first {
			id, ok := stored[dkey]
			switch {
			case !ok:
				results[i] = result{outcome: Duplicate} // stored by an earlier delivery
			case states[i] != models.EventReceived:
				results[i] = result{outcome: Ignored, id: id}
			default:
				results[i] = result{outcome: Stored, id: id}
				jobs = append(jobs, river.InsertManyParams{Args: queue.ProcessEvent{EventID: id}})
			}
		}
		if len(jobs) == 0 {
			return nil
		}
		sqlTx := tx.Statement.ConnPool.(*sql.Tx)
		if many, ok := in.Queue.(batchInserter); ok {
			if _, err := many.InsertManyTx(ctx, sqlTx, jobs); err != nil {
				return fmt.Errorf("enqueue %d events: %w", len(jobs), err)
			}
			return nil
		}
		for _, j := range jobs {
			if _, err := in.Queue.InsertTx(ctx, sqlTx, j.Args, nil); err != nil {
				return fmt.Errorf("enqueue event: %w", err)
			}
		}
		return nil
	})
	return results, err
}

// encodeHeaders is the headers column's JSON.
func encodeHeaders(h map[string]string) ([]byte, error) {
	b, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("encode headers: %w", err)
	}
	return b, nil
}
