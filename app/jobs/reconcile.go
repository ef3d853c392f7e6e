package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/consign/consign/app/queue"
	"github.com/consign/consign/app/reconcile"
)

// addReconcileWorkers registers reconciliation when the process has it.
func addReconcileWorkers(w *river.Workers, s *reconcile.Service) {
	if s == nil {
		return
	}
	river.AddWorker(w, &reconcileAll{s: s})
	river.AddWorker(w, &reconcileConnection{s: s})
}

type reconcileAll struct {
	river.WorkerDefaults[queue.ReconcileAll]
	s *reconcile.Service
}

func (w *reconcileAll) Work(ctx context.Context, job *river.Job[queue.ReconcileAll]) error {
	_, err := w.s.EnqueueAll(ctx)
	return err
}

type reconcileConnection struct {
	river.WorkerDefaults[queue.ReconcileConnection]
	s *reconcile.Service
}

// Timeout allows for many pages and for waiting on the shop's rate limit.
func (w *reconcileConnection) Timeout(*river.Job[queue.ReconcileConnection]) time.Duration {
	return 10 * time.Minute
}

func (w *reconcileConnection) Work(ctx context.Context, job *river.Job[queue.ReconcileConnection]) error {
	_, err := w.s.Reconcile(ctx, job.Args.ConnectionID)
	return gone(err)
}
