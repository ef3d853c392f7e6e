package reconcile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strconv"
	"time"

	"github.com/consign/consign/app/ingest"
	"github.com/consign/consign/app/platforms/woocommerce"
	"github.com/consign/consign/models"
)

// WooCommerceTopic is the topic reconciled WooCommerce orders are stored
// under, the one their webhook would have.
const WooCommerceTopic = "order.updated"

// WooCommerce lists a store's orders modified since a time with REST v3.
// WooCommerce never retries a delivery and disables a hook that keeps
// failing, so here reconciliation is how orders are not lost, and each run
// first re-enables the store's hooks.
type WooCommerce struct {
	Client func(ctx context.Context, conn models.Connection) (*woocommerce.Client, error)
	// Repair re-creates or re-enables the store's hooks.
	Repair func(ctx context.Context, conn models.Connection) error
	Log    *slog.Logger
}

func (s *WooCommerce) Changed(ctx context.Context, conn models.Connection, since time.Time, visit func(Page) error) error {
	if err := s.Repair(ctx, conn); err != nil {
		// Polling still works without hooks: report and go on.
		s.Log.WarnContext(ctx, "reconcile: cannot repair the store's webhooks", "shop", conn.Shop, "error", err)
	}
	client, err := s.Client(ctx, conn)
	if err != nil {
		return err
	}
	for page := 1; ; page++ {
		orders, more, err := client.ModifiedOrders(ctx, since, page)
		if err != nil {
			return err
		}
		var p Page
		for _, raw := range orders {
			o := Order{Topic: WooCommerceTopic, Body: raw}
			if id, modified, err := woocommerce.OrderVersion(raw); err == nil {
				o.ExternalID, o.UpdatedAt = strconv.FormatInt(id, 10), modified
				o.DeliveryID = ingest.OrderVersionID(o.ExternalID, modified)
			} else {
				// Stored anyway, so the pipeline marks it failed and a
				// person sees it.
				sum := sha256.Sum256(raw)
				o.DeliveryID = "sha256:" + hex.EncodeToString(sum[:])
			}
			p.Orders = append(p.Orders, o)
		}
		if err := visit(p); err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
}
