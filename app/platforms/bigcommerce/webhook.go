package bigcommerce

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/consign/consign/app/platforms/jsontext"
)

// Webhook is a delivery's thin body: {scope, store_id, data: {type, id},
// hash, created_at, producer: "stores/HASH"}. The resource itself must be
// read from the API.
type Webhook struct {
	Scope     string // "store/order/created"
	StoreHash string // from producer
	Hash      string // the same on every delivery of one event: deduplicate on it
	Type      string // data.type: "order", "shipment", "product"...
	ID        int64  // data.id: the resource's id
	// OrderID is the order the event is about: data.id for order events,
	// data.orderId for shipment events, 0 otherwise.
	OrderID   int64
	CreatedAt time.Time
}

type webhookPayload struct {
	Scope     string          `json:"scope"`
	StoreID   json.RawMessage `json:"store_id"`
	Hash      string          `json:"hash"`
	CreatedAt json.RawMessage `json:"created_at"`
	Producer  string          `json:"producer"`
	Data      struct {
		Type    string          `json:"type"`
		ID      json.RawMessage `json:"id"`
		OrderID json.RawMessage `json:"orderId"`
	} `json:"data"`
}

// ParseWebhook reads a delivery body. It checks the shape, not the sender:
// verify the signature (and the secret header) first.
func ParseWebhook(body []byte) (Webhook, error) {
	var p webhookPayload
	if err := decodeObject("webhook body", body, &p); err != nil {
		return Webhook{}, fmt.Errorf("bigcommerce webhook: %w", err)
	}
	w, err := p.webhook()
	if err != nil {
		return Webhook{}, fmt.Errorf("bigcommerce webhook: %w", err)
	}
	return w, nil
}

func (p *webhookPayload) webhook() (Webhook, error) {
	if !strings.HasPrefix(p.Scope, "store/") {
		return Webhook{}, fmt.Errorf("scope %.80q is not a store/... scope", p.Scope)
	}
	if p.Hash == "" {
		return Webhook{}, errors.New("hash is missing")
	}
	hash, err := StoreHashFromContext(p.Producer)
	if err != nil {
		return Webhook{}, fmt.Errorf("producer: %w", err)
	}
	w := Webhook{Scope: p.Scope, StoreHash: hash, Hash: p.Hash, Type: p.Data.Type}
	if w.ID, _, err = parseID("data.id", p.Data.ID); err != nil {
		return Webhook{}, err
	}
	created, ok, err := jsontext.Whole("created_at", p.CreatedAt)
	if err != nil {
		return Webhook{}, err
	}
	if ok {
		w.CreatedAt = time.Unix(created, 0).UTC()
	}
	switch {
	case w.Type == "order":
		w.OrderID = w.ID
	case len(p.Data.OrderID) > 0:
		if w.OrderID, _, err = parseID("data.orderId", p.Data.OrderID); err != nil {
			return Webhook{}, err
		}
	}
	if strings.HasPrefix(w.Scope, "store/order/") && w.OrderID == 0 {
		return Webhook{}, fmt.Errorf("%s delivery names no order", w.Scope)
	}
	return w, nil
}

// ErrWebhookSignature is every reason a delivery's signature is refused.
var ErrWebhookSignature = errors.New("invalid webhook signature")

// VerifyWebhookSignature checks a delivery's Standard Webhooks headers
// (webhook-id, webhook-timestamp, webhook-signature). The signature header
// holds one or more space-separated "v1,<base64 HMAC-SHA256>" entries over
// "id.timestamp.body"; one match is enough. The timestamp (Unix seconds)
// must be within tolerance of now, so a captured delivery cannot be
// replayed later.
//
// The HMAC key is the app's client secret, as raw bytes. BigCommerce's docs
// ("HTTPS Webhooks Overview", section "Webhook signature") verify with the
// standardwebhooks library given base64(client_secret); that library
// base64-decodes its secret, so the key is the client secret itself. There
// is no per-hook secret and no "whsec_" key.
func VerifyWebhookSignature(secret []byte, id, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrWebhookSignature, fmt.Sprintf(format, a...))
	}
	if len(secret) == 0 {
		return fail("no secret to verify with")
	}
	if id == "" || timestamp == "" || signature == "" {
		return fail("webhook-id, webhook-timestamp or webhook-signature is missing")
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || !jsontext.Digits(timestamp) {
		return fail("webhook-timestamp %.20q is not Unix seconds", timestamp)
	}
	sent := time.Unix(ts, 0)
	if d := now.Sub(sent); d > tolerance || d < -tolerance {
		return fail("webhook-timestamp %s is more than %s from now", sent.UTC().Format(time.RFC3339), tolerance)
	}
	want := webhookMAC(secret, id, timestamp, body)
	for _, entry := range strings.Fields(signature) {
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return fail("no v1 signature matches")
}

func webhookMAC(secret []byte, id, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(id + "." + timestamp + "."))
	m.Write(body)
	return m.Sum(nil)
}
