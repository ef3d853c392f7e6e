package app

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/consign/consign/app/config"
	"github.com/consign/consign/app/queue"
	"github.com/consign/consign/app/reconcile"
	"github.com/consign/consign/models"
)

// reconcileService builds reconciliation over the shared Shopify clients.
// Its Queue is set once the job client exists.
func (a *App) reconcileService(now func() time.Time) *reconcile.Service {
	return &reconcile.Service{
		DB: a.DB, Ingester: a.Ingester, Now: now, Log: a.Log,
		Sources: map[string]reconcile.Source{
			models.PlatformShopify: &reconcile.Shopify{Clients: a.ShopifyClients, Token: a.connToken},
		},
	}
}

// connToken is a connection's access token, decrypted and refreshed when it
// expires.
func (a *App) connToken(ctx context.Context, conn models.Connection) (string, error) {
	return a.Accounts.AccessToken(ctx, conn.ID)
}

// reconcilePeriodicJobs schedules reconciliation unless it is turned off.
func reconcilePeriodicJobs(cfg config.Config) []*river.PeriodicJob {
	if cfg.ReconcileInterval <= 0 {
		return nil
	}
	return []*river.PeriodicJob{queue.PeriodicReconcile(cfg.ReconcileInterval)}
}
