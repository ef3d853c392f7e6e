package woocommerce

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// OrderTopics are the webhook topics Consign subscribes a store to.
var OrderTopics = []string{"order.created", "order.updated"}

type webhookPayload struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Status      string `json:"status"` // active, paused, or disabled (by WooCommerce after repeated failures)
	Topic       string `json:"topic"`
	DeliveryURL string `json:"delivery_url"`
}

// EnsureWebhooks makes the store deliver every topic to deliveryURL, signed
// with secret, and returns how many existing hooks it had to re-enable.
// WooCommerce disables a hook after more than five failed deliveries in a
// row and never turns it back on, so this is worth running on every poll.
// It is idempotent: a topic that already has an active hook to deliveryURL
// is left alone.
//
// Hooks made through /wc/v3/webhooks deliver wc/v3 order bodies, the shape
// TranslateOrder reads. Keep secret to letters and digits (see VerifyWebhook).
func (c *Client) EnsureWebhooks(ctx context.Context, deliveryURL, secret string, topics []string) (reenabled int, err error) {
	if deliveryURL == "" || secret == "" {
		return 0, errors.New("woocommerce webhooks: delivery URL and secret are required")
	}
	hooks, err := c.webhooks(ctx)
	if err != nil {
		return 0, err
	}
	for _, topic := range topics {
		var ours []webhookPayload
		for _, h := range hooks {
			if h.Topic == topic && sameURL(h.DeliveryURL, deliveryURL) {
				ours = append(ours, h)
			}
		}
		switch {
		case len(ours) == 0:
			body := map[string]any{
				"name":         "Consign " + topic,
				"topic":        topic,
				"delivery_url": deliveryURL,
				"secret":       secret,
				"status":       "active",
			}
			if _, _, err := c.call(ctx, "POST", apiPrefix+"/webhooks", nil, body, nil); err != nil {
				return reenabled, fmt.Errorf("creating webhook %s: %w", topic, err)
			}
			c.log.Info("woocommerce: webhook created", "topic", topic)
		case !anyActive(ours):
			h := ours[0]
			body := map[string]any{"status": "active", "secret": secret}
			path := apiPrefix + "/webhooks/" + strconv.FormatInt(h.ID, 10)
			if _, _, err := c.call(ctx, "PUT", path, nil, body, nil); err != nil {
				return reenabled, fmt.Errorf("re-enabling webhook %d (%s): %w", h.ID, topic, err)
			}
			reenabled++
			c.log.Warn("woocommerce: webhook re-enabled", "topic", topic, "webhook_id", h.ID, "was", h.Status)
		}
	}
	return reenabled, nil
}

// webhooks lists every webhook of the store, page by page.
func (c *Client) webhooks(ctx context.Context) ([]webhookPayload, error) {
	var all []webhookPayload
	for page := 1; ; page++ {
		q := url.Values{"per_page": {"100"}, "page": {strconv.Itoa(page)}}
		var hooks []webhookPayload
		header, _, err := c.call(ctx, "GET", apiPrefix+"/webhooks", q, nil, &hooks)
		if err != nil {
			return nil, fmt.Errorf("listing webhooks: %w", err)
		}
		all = append(all, hooks...)
		// A store with thousands of hooks is not one Consign should page
		// through forever: 50 pages is 5,000 hooks.
		if !morePages(header.Get("X-WP-TotalPages"), page, len(hooks)) || page >= 50 {
			return all, nil
		}
	}
}

func anyActive(hooks []webhookPayload) bool {
	for _, h := range hooks {
		if h.Status == "active" {
			return true
		}
	}
	return false
}

// sameURL compares delivery URLs as WordPress may store them (esc_url_raw
// can change the case of the scheme and host, and drop a trailing slash).
func sameURL(a, b string) bool {
	return strings.EqualFold(strings.TrimRight(a, "/"), strings.TrimRight(b, "/"))
}
