// Package jobs binds Consign's durable jobs to the code that does them.
// Workers are thin: each calls one use case, which is idempotent.
package jobs

import (
	"context"
	"errors"

	"github.com/riverqueue/river"

	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/app/fulfillment"
	"github.com/consign/consign/app/hooks"
	"github.com/consign/consign/app/orderfetch"
	"github.com/consign/consign/app/pipeline"
	"github.com/consign/consign/app/purchasing"
	"github.com/consign/consign/app/queue"
	"github.com/consign/consign/app/reconcile"
	"github.com/consign/consign/app/supplierstore"
	"github.com/consign/consign/models"
)

// Deps are the use cases the workers call.
type Deps struct {
	Pipeline    *pipeline.Pipeline
	Purchasing  *purchasing.Service
	Fulfillment *fulfillment.Service
	Reconcile   *reconcile.Service // optional
	// SupplierStores runs the store channel; optional.
	SupplierStores *supplierstore.Service
	// OrderFetch reads orders that webhooks only name; optional.
	OrderFetch *orderfetch.Service
	// Hooks creates stores' webhooks; optional.
	Hooks *hooks.Service
	// Channels sends and receives suppliers' messages; optional.
	Channels *channels.Service
}

// Workers registers every worker.
func Workers(d Deps) *river.Workers {
	w := river.NewWorkers()
	river.AddWorker(w, &processEvent{p: d.Pipeline})
	river.AddWorker(w, &deliverPO{s: d.Purchasing})
	river.AddWorker(w, &pushShipment{s: d.Fulfillment})
	addReconcileWorkers(w, d.Reconcile)
	addSupplierStoreWorkers(w, d.SupplierStores)
	addStoreWorkers(w, d.OrderFetch, d.Hooks)
	addChannelWorkers(w, d.Channels)
	return w
}

// gone stops retrying a job whose row was deleted (its shop was erased).
func gone(err error) error {
	if errors.Is(err, models.ErrNotFound) {
		return river.JobCancel(err)
	}
	return err
}

type processEvent struct {
	river.WorkerDefaults[queue.ProcessEvent]
	p *pipeline.Pipeline
}

func (w *processEvent) Work(ctx context.Context, job *river.Job[queue.ProcessEvent]) error {
	return gone(w.p.ProcessEvent(ctx, job.Args.EventID))
}

type deliverPO struct {
	river.WorkerDefaults[queue.DeliverPO]
	s *purchasing.Service
}

func (w *deliverPO) Work(ctx context.Context, job *river.Job[queue.DeliverPO]) error {
	return gone(w.s.Deliver(ctx, job.Args.PurchaseOrderID))
}

type pushShipment struct {
	river.WorkerDefaults[queue.PushShipment]
	s *fulfillment.Service
}

func (w *pushShipment) Work(ctx context.Context, job *river.Job[queue.PushShipment]) error {
	return gone(w.s.Push(ctx, job.Args.ShipmentID))
}
