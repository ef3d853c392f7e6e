package app

import (
	"time"

	"github.com/consign/consign/app/pipeline"
	"github.com/consign/consign/app/privacy"
	"github.com/consign/consign/handlers"
)

// wirePrivacy adds Shopify's lifecycle and privacy topics to the pipeline
// and the webhook endpoint (accepted for uninstalled shops too), and returns
// the admin's privacy pages.
func (a *App) wirePrivacy(hooks *handlers.ShopifyWebhooks, adminPages *handlers.Admin, now func() time.Time) handlers.Section {
	svc := &privacy.Service{DB: a.DB, Jobs: a.Jobs, Now: now, Log: a.Log}
	if a.Pipeline.Topics == nil {
		a.Pipeline.Topics = map[string]pipeline.TopicHandler{}
	}
	for k, h := range svc.Handlers() {
		a.Pipeline.Topics[k] = h
	}
	if hooks.Topics == nil {
		hooks.Topics = map[string]bool{}
	}
	if hooks.EvenUninstalled == nil {
		hooks.EvenUninstalled = map[string]bool{}
	}
	for _, t := range privacy.Topics {
		hooks.Topics[t], hooks.EvenUninstalled[t] = true, true
	}
	return &handlers.AdminPrivacy{Admin: adminPages, Requests: svc}
}
