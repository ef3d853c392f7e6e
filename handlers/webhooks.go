package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/consign/consign/app/ingest"
	"github.com/consign/consign/app/metrics"
	"github.com/consign/consign/app/platforms/shopify"
)

// Ingester stores verified deliveries.
type Ingester interface {
	Ingest(ctx context.Context, d ingest.Delivery) (ingest.Outcome, int64, error)
}

// ShopifyWebhooks receives Shopify's webhooks: verify, store, enqueue, answer.
type ShopifyWebhooks struct {
	Secret   []byte
	MaxBytes int64
	Ingester Ingester
	Metrics  *metrics.Metrics
	// Topics are the topics Consign acts on besides the order topics
	// (lifecycle, privacy, fulfillments); other authentic topics are stored
	// as ignored.
	Topics map[string]bool
	// EvenUninstalled are the topics accepted for an uninstalled shop too
	// (lifecycle and privacy: shop/redact comes two days after uninstall).
	EvenUninstalled map[string]bool
}

// shopifyOrderTopics are the topics the order pipeline acts on.
var shopifyOrderTopics = map[string]bool{
	"orders/create": true, "orders/updated": true, "orders/paid": true, "orders/cancelled": true,
}

// shopifyHeaders are kept with each event, for audit and replay.
var shopifyHeaders = []string{
	"X-Shopify-Topic", "X-Shopify-Shop-Domain", "X-Shopify-Webhook-Id", "X-Shopify-Event-Id",
	"X-Shopify-Triggered-At", "X-Shopify-Api-Version", "X-Shopify-Hmac-Sha256",
}

// Receive handles POST /webhooks/shopify.
func (h *ShopifyWebhooks) Receive(c echo.Context) error {
	const platform = "shopify"
	markWebhook(c, platform)
	r := c.Request()
	topic := strings.ToLower(strings.TrimSpace(r.Header.Get("X-Shopify-Topic")))
	d := ingest.Delivery{
		Platform:   platform,
		Topic:      topic,
		DeliveryID: strings.TrimSpace(r.Header.Get("X-Shopify-Webhook-Id")),
		Shop:       strings.ToLower(strings.TrimSpace(r.Header.Get("X-Shopify-Shop-Domain"))),
		Handled:    shopifyOrderTopics[topic] || h.Topics[topic],

		EvenUninstalled: h.EvenUninstalled[topic],
	}
	// Claimed until the signature is checked, but worth logging either way.
	annotate(c, "shop", d.Shop, "topic", topic)
	body, err := readLimited(c, h.MaxBytes)
	if err != nil {
		countDelivery(h.Metrics, platform, "", readOutcome(err))
		return err
	}
	if !shopify.VerifyWebhook(h.Secret, body, r.Header.Get("X-Shopify-Hmac-Sha256")) {
		// Topic stays unlabelled: unverified text must not make new series.
		return refuseDelivery(h.Metrics, platform, "invalid webhook signature", errors.New("X-Shopify-Hmac-Sha256 does not match"))
	}
	d.Body, d.Headers = body, keepHeaders(r.Header, shopifyHeaders)
	// Shopify always sends a delivery id; without one, storeDelivery keys
	// it on topic, shop and body.
	return storeDelivery(c, h.Ingester, h.Metrics, d)
}

// countDelivery records a delivery's outcome. Only topics Consign acts on
// become labels ("other" for the rest of the authentic ones, "" before the
// delivery is authenticated), so no delivery can make a new series.
func countDelivery(m *metrics.Metrics, platform, topic, outcome string) {
	m.WebhookDeliveries.WithLabelValues(platform, topic, outcome).Inc()
}

// readOutcome names a body that could not be read: over the limit, or cut
// short by the sender.
func readOutcome(err error) string {
	var he *echo.HTTPError
	if errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge {
		return metrics.OutcomeTooLarge
	}
	return metrics.OutcomeUnreadable
}

// readLimited reads the whole body, refusing with 413 one over max bytes.
func readLimited(c echo.Context, max int64) ([]byte, error) {
	r := c.Request()
	if r.ContentLength > max {
		return nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", max))
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), r.Body, max))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", max))
	case err != nil:
		return nil, echo.NewHTTPError(http.StatusBadRequest, "cannot read body").SetInternal(err)
	}
	return body, nil
}
