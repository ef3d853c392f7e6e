package metrics

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river/rivertype"

	"github.com/consign/consign/models"
)

// scrapeTimeout bounds each count, so a slow database slows a scrape, not
// the scraper's whole budget.
const scrapeTimeout = 2 * time.Second

// RegisterStateGauges registers gauges counted from the database at scrape
// time, one GROUP BY each: the job queue by state and purchase orders by
// state. Known states are always reported, at zero when absent.
func RegisterStateGauges(reg prometheus.Registerer, db *sql.DB, log *slog.Logger) {
	var jobStates []string
	for _, s := range rivertype.JobStates() {
		jobStates = append(jobStates, string(s))
	}
	reg.MustRegister(
		&stateCollector{db: db, log: log, states: jobStates,
			query: `SELECT state, COUNT(*) FROM river_job GROUP BY state`,
			desc: prometheus.NewDesc("consign_job_queue_jobs", "Jobs in the queue by state, counted at scrape time.",
				[]string{"state"}, nil)},
		&stateCollector{db: db, log: log,
			states: []string{models.POPending, models.POSent, models.POAccepted, models.PORejected,
				models.POPartiallyShipped, models.POShipped, models.POCancelled},
			query: `SELECT state, COUNT(*) FROM purchase_orders GROUP BY state`,
			desc: prometheus.NewDesc("consign_purchase_orders", "Purchase orders by state, counted at scrape time.",
				[]string{"state"}, nil)},
	)
}

// stateCollector reports one gauge per state from a "state, count" query.
type stateCollector struct {
	db     *sql.DB
	log    *slog.Logger
	desc   *prometheus.Desc
	query  string
	states []string
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	counts, err := c.count()
	if err != nil {
		// The scrape still serves every other metric; this one is missing.
		c.log.Warn("metrics: count by state", "query", c.query, "error", err)
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for _, s := range c.states {
		if _, ok := counts[s]; !ok {
			counts[s] = 0
		}
	}
	for s, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, n, s)
	}
}

func (c *stateCollector) count() (map[string]float64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	rows, err := c.db.QueryContext(ctx, c.query)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	counts := make(map[string]float64, len(c.states))
	for rows.Next() {
		var state string
		var n int64
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		counts[state] = float64(n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read rows: %w", err)
	}
	return counts, nil
}
