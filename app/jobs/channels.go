package jobs

import (
	"context"

	"github.com/riverqueue/river"

	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/app/queue"
)

// addChannelWorkers registers the message channels' jobs, when the App runs
// those channels.
func addChannelWorkers(w *river.Workers, s *channels.Service) {
	if s == nil {
		return
	}
	river.AddWorker(w, &sendMessage{s: s})
	river.AddWorker(w, &pollChannel{s: s})
	river.AddWorker(w, &pollChannels{s: s})
	river.AddWorker(w, &checkAck{s: s})
	river.AddWorker(w, &cancelByChannel{s: s})
}

type sendMessage struct {
	river.WorkerDefaults[queue.SendMessage]
	s *channels.Service
}

func (w *sendMessage) Work(ctx context.Context, job *river.Job[queue.SendMessage]) error {
	return gone(w.s.SendMessage(ctx, job.Args.MessageID, job.Attempt, job.MaxAttempts))
}

type pollChannel struct {
	river.WorkerDefaults[queue.PollChannel]
	s *channels.Service
}

// Work reads the partner's inbound folder, then sends its batch file when
// it batches: one visit to the server for both.
func (w *pollChannel) Work(ctx context.Context, job *river.Job[queue.PollChannel]) error {
	if _, err := w.s.Poll(ctx, job.Args.PartnershipID); err != nil {
		return gone(err)
	}
	return gone(w.s.Flush(ctx, job.Args.PartnershipID))
}

type pollChannels struct {
	river.WorkerDefaults[queue.PollChannels]
	s *channels.Service
}

func (w *pollChannels) Work(ctx context.Context, job *river.Job[queue.PollChannels]) error {
	_, err := w.s.PollDue(ctx)
	return err
}

type checkAck struct {
	river.WorkerDefaults[queue.CheckAck]
	s *channels.Service
}

func (w *checkAck) Work(ctx context.Context, job *river.Job[queue.CheckAck]) error {
	return gone(w.s.CheckAck(ctx, job.Args.MessageID))
}

type cancelByChannel struct {
	river.WorkerDefaults[queue.CancelByChannel]
	s *channels.Service
}

func (w *cancelByChannel) Work(ctx context.Context, job *river.Job[queue.CancelByChannel]) error {
	return gone(w.s.Cancel(ctx, job.Args.PurchaseOrderID))
}
