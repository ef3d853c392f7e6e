// Package metrics defines Consign's Prometheus metrics and registers them on
// a registry the App owns. Other packages record into the Metrics struct;
// nothing here is global.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Webhook delivery outcomes, the outcome label of WebhookDeliveries.
const (
	OutcomeStored    = "stored"    // new, its job queued
	OutcomeDuplicate = "duplicate" // seen before, acknowledged
	OutcomeIgnored   = "ignored"   // stored for audit, nothing to do
	OutcomeRefused   = "refused"   // bad signature, 401
	OutcomeTooLarge  = "too_large" // body over the limit, 413
	OutcomeFailed    = "failed"    // could not be stored, 503
	// OutcomeUnreadable is a body cut short by the sender, 400.
	OutcomeUnreadable = "unreadable"
)

// Job outcomes, the outcome label of JobsFinished.
const (
	JobCompleted = "completed"
	JobError     = "error"
	JobCancelled = "cancelled"
	JobSnoozed   = "snoozed"
)

// Metrics holds every metric Consign records.
type Metrics struct {
	// HTTPRequestDuration times every HTTP answer by method, route and status.
	HTTPRequestDuration *prometheus.HistogramVec
	// WebhookDeliveries counts deliveries by platform, topic and outcome.
	WebhookDeliveries *prometheus.CounterVec
	// WebhookDuration times webhook answers by platform.
	WebhookDuration *prometheus.HistogramVec

	// JobsFinished counts job runs by kind and outcome.
	JobsFinished *prometheus.CounterVec
	// JobDuration times job runs by kind.
	JobDuration *prometheus.HistogramVec
	// JobQueueWait is the time from a job's scheduled time to its start.
	JobQueueWait *prometheus.HistogramVec

	// PlatformRequests counts calls to platform APIs by platform, operation
	// and HTTP status ("error" when no answer came).
	PlatformRequests *prometheus.CounterVec
	// PlatformRequestDuration times those calls by platform and operation.
	PlatformRequestDuration *prometheus.HistogramVec
	// PlatformWaits and PlatformWaitSeconds count the waits a platform
	// client chose (pacing to a rate limit, backing off) by platform and reason.
	PlatformWaits       *prometheus.CounterVec
	PlatformWaitSeconds *prometheus.CounterVec
}

// answerBuckets suit answers from 1 ms to 5 s.
var answerBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}

// jobBuckets suit jobs and queue waits from 1 ms to a minute.
var jobBuckets = []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// New defines every metric and registers it on reg, with the Go runtime and
// process collectors. It panics on a duplicate registration, a programming
// error.
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		HTTPRequestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "consign_http_request_duration_seconds", Help: "Time to answer an HTTP request, by method, route and status.",
			Buckets: answerBuckets,
		}, []string{"method", "route", "status"}),
		WebhookDeliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "consign_webhook_deliveries_total",
			Help: "Webhook deliveries by platform, topic and outcome (stored, duplicate, ignored, refused, too_large, unreadable, failed). Topic is empty when unverified.",
		}, []string{"platform", "topic", "outcome"}),
		WebhookDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "consign_webhook_duration_seconds", Help: "Time to answer a webhook delivery, by platform.",
			Buckets: answerBuckets,
		}, []string{"platform"}),
		JobsFinished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "consign_jobs_total", Help: "Job runs by kind and outcome (completed, error, cancelled, snoozed).",
		}, []string{"kind", "outcome"}),
		JobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "consign_job_duration_seconds", Help: "Time a job run took, by kind.",
			Buckets: jobBuckets,
		}, []string{"kind"}),
		JobQueueWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "consign_job_queue_wait_seconds", Help: "Time from a job's scheduled time to the start of its run, by kind.",
			Buckets: jobBuckets,
		}, []string{"kind"}),
		PlatformRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "consign_platform_requests_total", Help: "Requests to platform APIs by platform, operation and HTTP status (error: no answer).",
		}, []string{"platform", "operation", "status"}),
		PlatformRequestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "consign_platform_request_duration_seconds", Help: "Time to a platform API's answer, by platform and operation.",
			Buckets: answerBuckets,
		}, []string{"platform", "operation"}),
		PlatformWaits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "consign_platform_waits_total", Help: "Waits before a platform API call (pacing to the rate limit, retry backoff), by platform and reason.",
		}, []string{"platform", "reason"}),
		PlatformWaitSeconds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "consign_platform_wait_seconds_total", Help: "Seconds spent in those waits, by platform and reason.",
		}, []string{"platform", "reason"}),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.HTTPRequestDuration, m.WebhookDeliveries, m.WebhookDuration,
		m.JobsFinished, m.JobDuration, m.JobQueueWait,
		m.PlatformRequests, m.PlatformRequestDuration, m.PlatformWaits, m.PlatformWaitSeconds,
	)
	return m
}

// Handler serves the registry in Prometheus' text format. A collector that
// fails (a count timing out) leaves its metric out, not the whole scrape.
func Handler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}
