// Package privacy acts on Shopify's lifecycle and privacy webhooks: a
// customer's data request and erasure, a shop's erasure, uninstall and scope
// changes. Each handler runs inside the pipeline's transaction for its
// stored event, so its effect and the event's outcome commit together, and
// a job that runs twice changes nothing the second time.
package privacy

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"

	"github.com/consign/consign/app/database"
	"github.com/consign/consign/app/pipeline"
	"github.com/consign/consign/models"
)

// Shopify's lifecycle and privacy topics.
const (
	TopicDataRequest    = "customers/data_request"
	TopicCustomerRedact = "customers/redact"
	TopicShopRedact     = "shop/redact"
	TopicUninstalled    = "app/uninstalled"
	TopicScopesUpdate   = "app/scopes_update"
)

// Topics are the topics this package handles. All of them are accepted for
// an uninstalled shop too: shop/redact comes about 48 hours after uninstall.
var Topics = []string{TopicDataRequest, TopicCustomerRedact, TopicShopRedact, TopicUninstalled, TopicScopesUpdate}

// JobCanceler cancels a queued job inside the caller's transaction;
// *river.Client has it.
type JobCanceler interface {
	JobCancelTx(ctx context.Context, tx *sql.Tx, jobID int64) (*rivertype.JobRow, error)
}

// Service holds what the handlers need.
type Service struct {
	DB   *database.DB
	Jobs JobCanceler
	Now  func() time.Time
	Log  *slog.Logger
}

// Handlers are the pipeline's topic handlers, keyed "shopify <topic>".
func (s *Service) Handlers() map[string]pipeline.TopicHandler {
	return map[string]pipeline.TopicHandler{
		models.PlatformShopify + " " + TopicDataRequest:    s.dataRequest,
		models.PlatformShopify + " " + TopicCustomerRedact: s.customerRedact,
		models.PlatformShopify + " " + TopicShopRedact:     s.shopRedact,
		models.PlatformShopify + " " + TopicUninstalled:    s.uninstalled,
		models.PlatformShopify + " " + TopicScopesUpdate:   s.scopesUpdate,
	}
}

// customerPayload is the body of customers/data_request and customers/redact.
type customerPayload struct {
	ShopDomain string `json:"shop_domain"`
	Customer   struct {
		ID    json.Number `json:"id"`
		Email string      `json:"email"`
		Phone string      `json:"phone"`
	} `json:"customer"`
	OrdersRequested []json.Number `json:"orders_requested"`
	OrdersToRedact  []json.Number `json:"orders_to_redact"`
	DataRequest     struct {
		ID json.Number `json:"id"`
	} `json:"data_request"`
}

func decode(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%w: %v", pipeline.ErrMalformed, err)
	}
	return nil
}

// connection loads the event's connection (ProcessEvent never calls a
// handler for an event without one).
func connection(tx *gorm.DB, ev models.WebhookEvent) (models.Connection, error) {
	var c models.Connection
	if err := tx.Take(&c, *ev.ConnectionID).Error; err != nil {
		return c, fmt.Errorf("load connection %d: %w", *ev.ConnectionID, err)
	}
	return c, nil
}

func ids(ns []json.Number) []string {
	out := make([]string, 0, len(ns))
	for _, n := range ns {
		if s := n.String(); s != "" {
			out = append(out, s)
		}
	}
	return out
}
