package reconcile

import (
	"context"
	"strconv"
	"time"

	"github.com/consign/consign/app/ingest"
	"github.com/consign/consign/app/orderfetch"
	"github.com/consign/consign/app/platforms/bigcommerce"
	"github.com/consign/consign/models"
)

// BigCommerce lists a store's orders modified since a time with the V2
// API, and reads in full only the versions Consign does not hold, as the
// webhooks' fetch would.
type BigCommerce struct {
	// Client is the store's client, shared with every other job so they
	// share the store's rate-limit window.
	Client func(ctx context.Context, conn models.Connection) (*bigcommerce.Client, error)
}

func (s *BigCommerce) Changed(ctx context.Context, conn models.Connection, since time.Time, visit func(Page) error) error {
	client, err := s.Client(ctx, conn)
	if err != nil {
		return err
	}
	for page := 1; ; page++ {
		refs, more, err := client.ModifiedOrders(ctx, since, page)
		if err != nil {
			return err
		}
		var p Page
		for _, r := range refs {
			id := strconv.FormatInt(r.ID, 10)
			p.Orders = append(p.Orders, Order{
				ExternalID: id, UpdatedAt: r.DateModified,
				Topic: orderfetch.Topic, DeliveryID: ingest.OrderVersionID(id, r.DateModified),
				Fetch: func(ctx context.Context) ([]byte, error) { return client.FetchOrder(ctx, r.ID) },
			})
		}
		if err := visit(p); err != nil {
			return err
		}
		if !more {
			return nil
		}
	}
}
