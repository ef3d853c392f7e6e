package privacy

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/consign/consign/app/database"
	"github.com/consign/consign/models"
)

// uninstalled marks the connection uninstalled and cancels its queued work.
// Its data stays until shop/redact; a reinstall clears uninstalled_at.
func (s *Service) uninstalled(ctx context.Context, tx *gorm.DB, ev models.WebhookEvent) (string, error) {
	now := s.Now()
	// An uninstall older than the current install (replayed, or delivered
	// late after a reinstall) must not undo it.
	res := tx.Model(&models.Connection{}).
		Where("id = ? AND uninstalled_at IS NULL AND installed_at <= ?", *ev.ConnectionID, ev.ReceivedAt).
		Updates(map[string]any{"uninstalled_at": now, "updated_at": now})
	if res.Error != nil {
		return "", fmt.Errorf("mark connection %d uninstalled: %w", *ev.ConnectionID, res.Error)
	}
	if res.RowsAffected == 0 {
		return "already uninstalled, or reinstalled since", nil
	}
	n, err := s.cancelJobs(ctx, tx, *ev.ConnectionID)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("uninstalled; %d queued job(s) cancelled", n), nil
}

// jobsOfConnection finds, per job kind, the queued jobs whose args name a
// row of the connection. Lifecycle and privacy events keep their jobs.
var jobsOfConnection = []struct{ kind, arg, rows string }{
	{"process_event", "event_id", `SELECT id FROM webhook_events WHERE connection_id = ? AND state = 'received'
		AND topic NOT IN ('` + strings.Join(Topics, "', '") + `')`},
	{"deliver_po", "purchase_order_id", `SELECT po.id FROM purchase_orders po
		JOIN orders o ON o.id = po.order_id WHERE o.connection_id = ?`},
	{"push_shipment", "shipment_id", `SELECT sh.id FROM shipments sh
		JOIN purchase_orders po ON po.id = sh.purchase_order_id
		JOIN orders o ON o.id = po.order_id WHERE o.connection_id = ?`},
}

// maxCancel bounds one uninstall's search of the queue.
const maxCancel = 1000

// cancelJobs cancels the connection's jobs that are not running yet, and
// marks the order events they would have processed ignored.
func (s *Service) cancelJobs(ctx context.Context, tx *gorm.DB, connID int64) (int, error) {
	arg := func(name string) string {
		if s.DB.Dialect == database.Postgres {
			return "(args->>'" + name + "')::bigint"
		}
		return "json_extract(args, '$." + name + "')"
	}
	sqlTx := tx.Statement.ConnPool.(*sql.Tx)
	n := 0
	for _, k := range jobsOfConnection {
		var jobIDs []int64
		err := tx.Raw(`SELECT id FROM river_job WHERE kind = ?
			AND state IN ('available', 'scheduled', 'retryable', 'pending')
			AND `+arg(k.arg)+` IN (`+k.rows+`) LIMIT ?`, k.kind, connID, maxCancel).Scan(&jobIDs).Error
		if err != nil {
			return n, fmt.Errorf("find %s jobs of connection %d: %w", k.kind, connID, err)
		}
		for _, id := range jobIDs {
			if _, err := s.Jobs.JobCancelTx(ctx, sqlTx, id); err != nil {
				return n, fmt.Errorf("cancel job %d: %w", id, err)
			}
			n++
		}
	}
	err := tx.Model(&models.WebhookEvent{}).
		Where("connection_id = ? AND state = ? AND topic NOT IN ?", connID, models.EventReceived, Topics).
		Updates(map[string]any{"state": models.EventIgnored, "error": "the store uninstalled Consign before this was processed", "processed_at": s.Now()}).Error
	if err != nil {
		return n, fmt.Errorf("ignore queued events of connection %d: %w", connID, err)
	}
	return n, nil
}

// scopesUpdate records the scopes the shop now grants.
func (s *Service) scopesUpdate(ctx context.Context, tx *gorm.DB, ev models.WebhookEvent) (string, error) {
	var p struct {
		Current []string `json:"current"`
	}
	if err := decode(ev.Body, &p); err != nil {
		return "", err
	}
	scopes := strings.Join(p.Current, ",")
	err := tx.Model(&models.Connection{}).Where("id = ?", *ev.ConnectionID).
		Updates(map[string]any{"scopes": scopes, "updated_at": s.Now()}).Error
	if err != nil {
		return "", fmt.Errorf("record scopes of connection %d: %w", *ev.ConnectionID, err)
	}
	return "scopes: " + scopes, nil
}
