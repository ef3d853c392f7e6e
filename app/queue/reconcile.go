package queue

import (
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// uniqueWhileOpen makes a second insert a no-op while an equal job waits or
// runs, so one connection is never reconciled twice at once.
var uniqueWhileOpen = river.UniqueOpts{
	ByArgs: true,
	ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled,
	},
}

// ReconcileAll enqueues a ReconcileConnection for every active Shopify
// connection; a periodic job inserts it.
type ReconcileAll struct{}

func (ReconcileAll) Kind() string { return "reconcile_all" }

func (ReconcileAll) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueuePlatform, UniqueOpts: uniqueWhileOpen}
}

// ReconcileConnection fetches one connection's orders updated since its
// checkpoint and stores those Consign missed.
type ReconcileConnection struct {
	ConnectionID int64 `json:"connection_id"`
}

func (ReconcileConnection) Kind() string { return "reconcile_connection" }

func (ReconcileConnection) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueuePlatform, UniqueOpts: uniqueWhileOpen}
}

// PeriodicReconcile schedules ReconcileAll every interval, the first one interval
// after start (not at start: restarts would each hit every shop).
func PeriodicReconcile(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return ReconcileAll{}, nil },
		&river.PeriodicJobOpts{ID: "reconcile_all"})
}
