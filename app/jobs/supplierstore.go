package jobs

import (
	"context"
	"errors"

	"github.com/riverqueue/river"

	"github.com/consign/consign/app/queue"
	"github.com/consign/consign/app/supplierstore"
)

// addSupplierStoreWorkers registers the store channel's jobs, when the App
// runs that channel.
func addSupplierStoreWorkers(w *river.Workers, s *supplierstore.Service) {
	if s == nil {
		return
	}
	river.AddWorker(w, &createStoreOrder{s: s})
	river.AddWorker(w, &cancelStoreOrder{s: s})
}

// permanent stops retrying a job whose failure a retry cannot fix; the
// service has flagged the order for a person.
func permanent(err error) error {
	var p *supplierstore.PermanentError
	if errors.As(err, &p) {
		return river.JobCancel(err)
	}
	return gone(err)
}

type createStoreOrder struct {
	river.WorkerDefaults[queue.CreateStoreOrder]
	s *supplierstore.Service
}

func (w *createStoreOrder) Work(ctx context.Context, job *river.Job[queue.CreateStoreOrder]) error {
	return permanent(w.s.CreateOrder(ctx, job.Args.PurchaseOrderID))
}

type cancelStoreOrder struct {
	river.WorkerDefaults[queue.CancelStoreOrder]
	s *supplierstore.Service
}

func (w *cancelStoreOrder) Work(ctx context.Context, job *river.Job[queue.CancelStoreOrder]) error {
	return permanent(w.s.CancelOrder(ctx, job.Args.PurchaseOrderID))
}
