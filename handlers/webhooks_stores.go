package handlers

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/consign/consign/app/ingest"
	"github.com/consign/consign/app/metrics"
	"github.com/consign/consign/app/platforms/bigcommerce"
	"github.com/consign/consign/app/platforms/woocommerce"
	"github.com/consign/consign/models"
)

// HookSecrets finds a store's connection and the secret its hooks carry
// (app/accounts).
type HookSecrets interface {
	WebhookSecret(ctx context.Context, platform, shop string) (models.Connection, string, error)
}

// BigCommerceSecretHeader carries a connection's hook secret: Consign sets
// it on every hook it creates, and BigCommerce sends it back on each
// delivery.
const BigCommerceSecretHeader = "X-Consign-Webhook-Secret"

// BigCommerceOrderScopes are the hooks Consign creates in a store, the
// scopes the order pipeline acts on: each makes Consign read the order as it
// stands.
func BigCommerceOrderScopes() []string {
	return []string{"store/order/created", "store/order/updated", "store/order/statusUpdated"}
}

// bigCommerceSignatureTolerance bounds how old a signed delivery may be.
const bigCommerceSignatureTolerance = 5 * time.Minute

// BigCommerceWebhooks receives BigCommerce's webhooks: authenticate by the
// connection's secret header (and the signature headers when present),
// store, enqueue, answer.
type BigCommerceWebhooks struct {
	Secrets HookSecrets
	// ClientSecret keys the webhook-signature header.
	ClientSecret []byte
	MaxBytes     int64
	Ingester     Ingester
	Metrics      *metrics.Metrics
	Now          func() time.Time
}

var bigCommerceHeaders = []string{"Webhook-Id", "Webhook-Timestamp", "Webhook-Signature", "User-Agent"}

// Receive handles POST /webhooks/bigcommerce.
func (h *BigCommerceWebhooks) Receive(c echo.Context) error {
	const platform = models.PlatformBigCommerce
	markWebhook(c, platform)
	r := c.Request()
	body, err := readLimited(c, h.MaxBytes)
	if err != nil {
		countDelivery(h.Metrics, platform, "", readOutcome(err))
		return err
	}
	refuse := func(why string, cause error) error {
		return refuseDelivery(h.Metrics, platform, why, cause)
	}
	id, signature := r.Header.Get("Webhook-Id"), r.Header.Get("Webhook-Signature")
	signed := signature != ""
	if signed {
		err := bigcommerce.VerifyWebhookSignature(h.ClientSecret, id, r.Header.Get("Webhook-Timestamp"), signature, body, h.Now(), bigCommerceSignatureTolerance)
		if err != nil {
			return refuse("invalid webhook signature", err)
		}
	}
	hook, parseErr := bigcommerce.ParseWebhook(body)
	annotate(c, "shop", hook.StoreHash, "topic", hook.Scope)
	var conn *models.Connection
	if parseErr == nil {
		found, secret, err := h.Secrets.WebhookSecret(r.Context(), platform, hook.StoreHash)
		switch {
		case errors.Is(err, models.ErrNotFound) && signed:
			// Authentic, from a store Consign does not know: kept, ignored.
		case errors.Is(err, models.ErrNotFound):
			return refuse("unknown store", err)
		case err != nil:
			return echo.NewHTTPError(http.StatusServiceUnavailable, "cannot check the delivery now; retry").SetInternal(err)
		case subtle.ConstantTimeCompare([]byte(r.Header.Get(BigCommerceSecretHeader)), []byte(secret)) != 1:
			return refuse("invalid webhook secret", errors.New("secret header does not match the store's"))
		default:
			conn = &found
		}
	} else if !signed {
		// Without a signature only the store's secret could vouch for it,
		// and an unreadable body does not say which store sent it.
		return refuse("cannot authenticate a delivery that names no store", parseErr)
	}
	d := ingest.Delivery{
		Platform: platform, Topic: hook.Scope, Shop: hook.StoreHash,
		DeliveryID: id, Headers: keepHeaders(r.Header, bigCommerceHeaders), Body: body,
		Handled: slices.Contains(BigCommerceOrderScopes(), hook.Scope), Conn: conn,
	}
	if parseErr != nil {
		// Signed but unreadable: stored so a person can see it.
		d.Topic, d.Handled = "unreadable", false
	}
	if d.DeliveryID == "" && hook.Hash != "" {
		d.DeliveryID = "hash:" + hook.Hash
	}
	return storeDelivery(c, h.Ingester, h.Metrics, d)
}

// WooCommerceWebhooks receives WooCommerce's webhooks: answer the creation
// ping, verify the signature with the store's hook secret, store, enqueue,
// answer.
type WooCommerceWebhooks struct {
	Secrets  HookSecrets
	MaxBytes int64
	Ingester Ingester
	Metrics  *metrics.Metrics
}

var wooCommerceHeaders = []string{
	"X-WC-Webhook-Source", "X-WC-Webhook-Topic", "X-WC-Webhook-Resource", "X-WC-Webhook-Event",
	"X-WC-Webhook-ID", "X-WC-Webhook-Delivery-ID", "X-WC-Webhook-Signature",
}

// Receive handles POST /webhooks/woocommerce.
func (h *WooCommerceWebhooks) Receive(c echo.Context) error {
	const platform = models.PlatformWooCommerce
	markWebhook(c, platform)
	r := c.Request()
	body, err := readLimited(c, h.MaxBytes)
	if err != nil {
		countDelivery(h.Metrics, platform, "", readOutcome(err))
		return err
	}
	signature := r.Header.Get("X-WC-Webhook-Signature")
	if signature == "" {
		if hookID, ok := woocommerce.ParsePing(r.Header.Get("Content-Type"), body); ok {
			// WooCommerce checks the URL answers when it creates a hook;
			// the ping is unsigned and carries nothing to keep.
			annotate(c, "webhook_id", hookID)
			countDelivery(h.Metrics, platform, "ping", "ping")
			return c.JSON(http.StatusOK, map[string]any{"status": "ping"})
		}
	}
	refuse := func(why string, cause error) error {
		return refuseDelivery(h.Metrics, platform, why, cause)
	}
	store, err := woocommerce.NormalizeStoreURL(r.Header.Get("X-WC-Webhook-Source"))
	if err != nil {
		return refuse("unknown store", err)
	}
	topic := strings.ToLower(strings.TrimSpace(r.Header.Get("X-WC-Webhook-Topic")))
	annotate(c, "shop", store, "topic", topic)
	conn, secret, err := h.Secrets.WebhookSecret(r.Context(), platform, store)
	switch {
	case errors.Is(err, models.ErrNotFound):
		return refuse("unknown store", err)
	case err != nil:
		return echo.NewHTTPError(http.StatusServiceUnavailable, "cannot check the delivery now; retry").SetInternal(err)
	case !woocommerce.VerifyWebhook([]byte(secret), body, signature):
		return refuse("invalid webhook signature", errors.New("X-WC-Webhook-Signature does not match"))
	}
	d := ingest.Delivery{
		Platform: platform, Topic: topic, Shop: store,
		Headers: keepHeaders(r.Header, wooCommerceHeaders), Body: body,
		Handled: slices.Contains(woocommerce.OrderTopics, topic), Conn: &conn,
	}
	// The delivery id changes on every send: an order version is the key.
	if id, modified, err := woocommerce.OrderVersion(body); err == nil {
		d.DeliveryID = ingest.OrderVersionID(strconv.FormatInt(id, 10), modified)
	} else {
		sum := sha256.Sum256(body)
		d.DeliveryID = "sha256:" + hex.EncodeToString(sum[:])
	}
	return storeDelivery(c, h.Ingester, h.Metrics, d)
}

// refuseDelivery answers a delivery that is not authentic: 401 with one
// body for every reason, so the answer does not tell whether a store is
// connected; the reason goes to the log.
func refuseDelivery(m *metrics.Metrics, platform, why string, cause error) error {
	countDelivery(m, platform, "", metrics.OutcomeRefused)
	// The cause is kept as text: wrapped, a not-found cause would turn the
	// 401 into a 404.
	return echo.NewHTTPError(http.StatusUnauthorized, webhookRefused).SetInternal(fmt.Errorf("%s: %s", why, cause.Error()))
}

// webhookRefused is the body of every refused delivery.
const webhookRefused = "the delivery could not be authenticated"

// keepHeaders copies the named headers kept with each event, for audit.
func keepHeaders(h http.Header, names []string) map[string]string {
	out := make(map[string]string, len(names))
	for _, k := range names {
		if v := h.Get(k); v != "" {
			out[k] = v
		}
	}
	return out
}

// storeDelivery stores an authentic delivery and answers: 200 once stored,
// 503 (retry) when it could not be.
func storeDelivery(c echo.Context, in Ingester, m *metrics.Metrics, d ingest.Delivery) error {
	if d.DeliveryID == "" {
		sum := sha256.Sum256(append([]byte(d.Topic+"\n"+d.Shop+"\n"), d.Body...))
		d.DeliveryID = "sha256:" + hex.EncodeToString(sum[:])
	}
	annotate(c, "delivery_id", d.DeliveryID)
	topicLabel := "other"
	if d.Handled {
		topicLabel = d.Topic
	}
	outcome, id, err := in.Ingest(c.Request().Context(), d)
	if err != nil {
		countDelivery(m, d.Platform, topicLabel, metrics.OutcomeFailed)
		// Not stored: 503 makes the platform deliver it again later.
		return echo.NewHTTPError(http.StatusServiceUnavailable, "cannot store the delivery now; retry").SetInternal(err)
	}
	countDelivery(m, d.Platform, topicLabel, string(outcome))
	annotate(c, "outcome", outcome, "event_id", id)
	return c.JSON(http.StatusOK, map[string]any{"status": outcome})
}

// Register mounts POST /webhooks/bigcommerce.
func (h *BigCommerceWebhooks) Register(e *echo.Echo) { e.POST("/webhooks/bigcommerce", h.Receive) }

// Register mounts POST /webhooks/woocommerce.
func (h *WooCommerceWebhooks) Register(e *echo.Echo) { e.POST("/webhooks/woocommerce", h.Receive) }
