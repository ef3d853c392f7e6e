package reconcile

import (
	"context"
	"strings"
	"time"

	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/models"
)

// ShopifyTopic is the topic reconciled Shopify orders are stored under: the
// order as it stands now, as an orders/updated webhook would carry it.
const ShopifyTopic = "orders/updated"

// Shopify reads a shop's orders updated since a time with the GraphQL
// Admin API, through the process's one client per shop (shared with every
// other job that calls Shopify, so they share the shop's cost budget).
type Shopify struct {
	Clients *shopify.Clients
	// Token returns a valid access token of the connection.
	Token func(ctx context.Context, conn models.Connection) (string, error)
}

func (s *Shopify) Changed(ctx context.Context, conn models.Connection, since time.Time, visit func(Page) error) error {
	token, err := s.Token(ctx, conn)
	if err != nil {
		return err
	}
	client, err := s.Clients.Get(conn.Shop, token)
	if err != nil {
		return err
	}
	cursor := ""
	for {
		page, err := client.UpdatedOrders(ctx, since, cursor)
		if err != nil {
			return err
		}
		p := Page{Skipped: page.TooLarge}
		for _, o := range page.Orders {
			p.Orders = append(p.Orders, Order{
				ExternalID: o.GID[strings.LastIndex(o.GID, "/")+1:],
				UpdatedAt:  o.UpdatedAt,
				Topic:      ShopifyTopic,
				DeliveryID: "reconcile:" + o.GID + ":" + o.UpdatedAt.UTC().Format(time.RFC3339),
				Body:       o.Body,
			})
		}
		if err := visit(p); err != nil {
			return err
		}
		if !page.HasNextPage {
			return nil
		}
		cursor = page.EndCursor
	}
}
