package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// JobMiddleware returns River worker middleware that counts and times every
// job run and records how long the job waited in the queue.
func (m *Metrics) JobMiddleware() rivertype.WorkerMiddleware {
	return &jobMiddleware{m: m}
}

type jobMiddleware struct {
	river.MiddlewareDefaults
	m *Metrics
}

func (mw *jobMiddleware) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	// AttemptedAt is set when this run was fetched; ScheduledAt is when the
	// job became due (insert time, or the retry's time).
	if job.AttemptedAt != nil {
		mw.m.JobQueueWait.WithLabelValues(job.Kind).Observe(max(job.AttemptedAt.Sub(job.ScheduledAt), 0).Seconds())
	}
	start := time.Now()
	finished := false
	defer func() {
		if !finished { // the worker panicked; River recovers and retries it
			mw.record(job.Kind, JobError, start)
		}
	}()
	err := doInner(ctx)
	finished = true
	mw.record(job.Kind, jobOutcome(err), start)
	return err
}

func (mw *jobMiddleware) record(kind, outcome string, start time.Time) {
	mw.m.JobDuration.WithLabelValues(kind).Observe(time.Since(start).Seconds())
	mw.m.JobsFinished.WithLabelValues(kind, outcome).Inc()
}

func jobOutcome(err error) string {
	var cancel *rivertype.JobCancelError
	var snooze *rivertype.JobSnoozeError
	switch {
	case err == nil:
		return JobCompleted
	case errors.As(err, &cancel):
		return JobCancelled
	case errors.As(err, &snooze):
		return JobSnoozed
	}
	return JobError
}
