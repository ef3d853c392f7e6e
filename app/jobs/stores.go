package jobs

import (
	"context"

	"github.com/riverqueue/river"

	"github.com/consign/consign/app/hooks"
	"github.com/consign/consign/app/orderfetch"
	"github.com/consign/consign/app/queue"
)

// addStoreWorkers registers order fetches and hook setup, when the App has
// platforms that need them.
func addStoreWorkers(w *river.Workers, f *orderfetch.Service, h *hooks.Service) {
	if f != nil {
		river.AddWorker(w, &fetchOrder{s: f})
	}
	if h != nil {
		river.AddWorker(w, &connectHooks{s: h})
	}
}

type fetchOrder struct {
	river.WorkerDefaults[queue.FetchOrder]
	s *orderfetch.Service
}

func (w *fetchOrder) Work(ctx context.Context, job *river.Job[queue.FetchOrder]) error {
	return gone(w.s.Fetch(ctx, job.Args.ConnectionID, job.Args.OrderID))
}

type connectHooks struct {
	river.WorkerDefaults[queue.ConnectHooks]
	s *hooks.Service
}

func (w *connectHooks) Work(ctx context.Context, job *river.Job[queue.ConnectHooks]) error {
	_, err := w.s.Connect(ctx, job.Args.ConnectionID)
	return gone(err)
}
