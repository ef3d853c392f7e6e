package metrics_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/consign/consign/app/metrics"
)

// read returns the current state of one series.
func read(t *testing.T, c prometheus.Metric) *dto.Metric {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return &m
}

// Cancels, snoozes and panics never happen in the end-to-end tests; here
// each way a run can end is counted under its outcome.
func TestJobMiddlewareOutcomes(t *testing.T) {
	m := metrics.New(prometheus.NewRegistry())
	mw := m.JobMiddleware()
	scheduled := time.Now().Add(-3 * time.Second)
	attempted := scheduled.Add(2 * time.Second)
	job := &rivertype.JobRow{Kind: "k", ScheduledAt: scheduled, AttemptedAt: &attempted}
	run := func(work func(context.Context) error) error { return mw.Work(context.Background(), job, work) }
	returning := func(err error) func(context.Context) error { return func(context.Context) error { return err } }

	boom := errors.New("boom")
	if err := run(returning(nil)); err != nil {
		t.Fatal(err)
	}
	if err := run(returning(boom)); !errors.Is(err, boom) {
		t.Fatalf("error not passed through: %v", err)
	}
	run(returning(river.JobCancel(boom)))
	run(returning(river.JobSnooze(time.Minute)))
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic was swallowed; River must see it")
			}
		}()
		run(func(context.Context) error { panic("worker bug") })
	}()

	for outcome, want := range map[string]float64{
		metrics.JobCompleted: 1, metrics.JobError: 2, metrics.JobCancelled: 1, metrics.JobSnoozed: 1,
	} {
		if got := read(t, m.JobsFinished.WithLabelValues("k", outcome).(prometheus.Metric)).GetCounter().GetValue(); got != want {
			t.Errorf("jobs %s = %v, want %v", outcome, got, want)
		}
	}
	if n := read(t, m.JobDuration.WithLabelValues("k").(prometheus.Metric)).GetHistogram().GetSampleCount(); n != 5 {
		t.Errorf("timed runs = %d, want 5", n)
	}
	wait := read(t, m.JobQueueWait.WithLabelValues("k").(prometheus.Metric)).GetHistogram()
	if wait.GetSampleCount() != 5 || wait.GetSampleSum() != 10 {
		t.Errorf("queue wait: %d runs, %v s; want 5 runs of 2 s", wait.GetSampleCount(), wait.GetSampleSum())
	}
}
