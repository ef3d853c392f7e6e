package app

import (
	"context"
	"time"

	"github.com/consign/consign/app/pipeline"
	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/app/supplierstore"
	"github.com/consign/consign/handlers"
	"github.com/consign/consign/models"
)

// supplierStores builds the store channel: supplier-store orders go through
// the process's one client per shop, with tokens from accounts. Its Queue is
// set once the job client exists.
func (a *App) supplierStores(now func() time.Time) *supplierstore.Service {
	return &supplierstore.Service{DB: a.DB, Purchasing: a.Purchasing, Now: now, Log: a.Log,
		Client: func(ctx context.Context, conn models.Connection) (*shopify.Client, error) {
			token, err := a.Accounts.AccessToken(ctx, conn.ID)
			if err != nil {
				return nil, err
			}
			return a.ShopifyClients.Get(conn.Shop, token)
		}}
}

// wireSupplierStoreTopics makes the webhook endpoint accept the supplier
// stores' fulfillment topics and the pipeline turn them into shipments.
func (a *App) wireSupplierStoreTopics(hooks *handlers.ShopifyWebhooks) {
	if a.Pipeline.Topics == nil {
		a.Pipeline.Topics = map[string]pipeline.TopicHandler{}
	}
	if hooks.Topics == nil {
		hooks.Topics = map[string]bool{}
	}
	for _, t := range supplierstore.Topics {
		a.Pipeline.Topics["shopify "+t] = a.SupplierStores.HandleFulfillment
		hooks.Topics[t] = true
	}
}
