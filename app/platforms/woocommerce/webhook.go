package woocommerce

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"mime"
	"net/url"
	"strconv"
	"strings"

	"github.com/consign/consign/app/platforms/jsontext"
)

// Webhook delivery headers WooCommerce sends with every order.* delivery.
const (
	HeaderSignature  = "X-WC-Webhook-Signature"
	HeaderSource     = "X-WC-Webhook-Source" // the site URL with a trailing slash
	HeaderTopic      = "X-WC-Webhook-Topic"  // e.g. "order.updated"
	HeaderResource   = "X-WC-Webhook-Resource"
	HeaderEvent      = "X-WC-Webhook-Event"
	HeaderWebhookID  = "X-WC-Webhook-ID"
	HeaderDeliveryID = "X-WC-Webhook-Delivery-ID" // new on every send
)

// VerifyWebhook reports whether signature, the X-WC-Webhook-Signature header,
// is the base64 HMAC-SHA256 of the raw body under secret, the webhook's own
// secret. The comparison is constant time. An empty secret verifies nothing.
//
// WooCommerce signs with the secret after wp_specialchars_decode, so a
// secret with &, <, >, or quotes may not verify: use plain letters and digits.
func VerifyWebhook(secret, body []byte, signature string) bool {
	if len(secret) == 0 || signature == "" {
		return false
	}
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(signature))
	if err != nil || len(got) != sha256.Size {
		return false
	}
	return hmac.Equal(got, mac(secret, body))
}

// Sign returns the X-WC-Webhook-Signature WooCommerce would send for body.
func Sign(secret, body []byte) string {
	return base64.StdEncoding.EncodeToString(mac(secret, body))
}

func mac(secret, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write(body)
	return h.Sum(nil)
}

// ParsePing recognises the request WooCommerce sends to a delivery URL when a
// webhook is created: an unsigned form body "webhook_id=N". It must be
// answered 200 (WooCommerce checks for exactly that) and otherwise ignored:
// it carries no signature and no order.
func ParsePing(contentType string, body []byte) (webhookID int64, ok bool) {
	if contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil || mt != "application/x-www-form-urlencoded" {
			return 0, false
		}
	}
	if len(body) > 64 {
		return 0, false
	}
	v, err := url.ParseQuery(strings.TrimSpace(string(body)))
	if err != nil || len(v) != 1 || len(v["webhook_id"]) != 1 {
		return 0, false
	}
	s := v.Get("webhook_id")
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || !jsontext.Digits(s) {
		return 0, false
	}
	return n, true
}
