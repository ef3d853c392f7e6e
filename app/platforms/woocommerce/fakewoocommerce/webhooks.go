package fakewoocommerce

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// userAgent is what WooCommerce's deliveries and pings carry.
const userAgent = "WooCommerce/9.9.3 Hookshot (WordPress/6.8.1)"

// Webhook is a webhook as the store keeps it.
type Webhook struct {
	ID          int64
	Name        string
	Status      string // active, paused, or disabled
	Topic       string // e.g. "order.updated"
	DeliveryURL string
	Secret      string
	created     time.Time
	modified    time.Time
}

var (
	webhookStatuses = []string{"active", "paused", "disabled"}
	// topicHooks are the WordPress actions behind each order topic.
	topicHooks = map[string][]string{
		"order.created":  {"woocommerce_new_order"},
		"order.updated":  {"woocommerce_update_order", "woocommerce_order_refunded"},
		"order.deleted":  {"wp_trash_post"},
		"order.restored": {"untrashed_post"},
	}
)

// AddWebhook adds a webhook as a merchant would in the admin and returns its
// id. Status defaults to active.
func (s *Server) AddWebhook(w Webhook) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addWebhook(w)
}

// addWebhook stores w under a new id. The caller holds mu.
func (s *Server) addWebhook(w Webhook) int64 {
	s.lastWebhookID++
	w.ID = s.lastWebhookID
	if w.Status == "" {
		w.Status = "active"
	}
	if w.Secret == "" {
		w.Secret = randomHex(25)
	}
	w.created = s.now().UTC().Truncate(time.Second)
	w.modified = w.created
	s.webhooks[w.ID] = &w
	return w.ID
}

// Webhooks lists the store's webhooks by id, secrets included.
func (s *Server) Webhooks() []Webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Webhook, 0, len(s.webhooks))
	for _, id := range s.webhookIDs() {
		out = append(out, *s.webhooks[id])
	}
	return out
}

// DisableWebhook sets a hook's status to disabled, as WooCommerce does after
// more than five failed deliveries in a row.
func (s *Server) DisableWebhook(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.webhooks[id]
	if w == nil {
		return false
	}
	w.Status = "disabled"
	return true
}

// Delivery builds what the store would POST to the first active webhook of
// topic for an order: the order JSON (as GET /orders/ID returns it) and the
// X-WC-Webhook-* headers, signed with that hook's secret, with a fresh
// delivery id on every call. body is nil when there is no active hook for
// the topic or no such order: WooCommerce would send nothing.
func (s *Server) Delivery(topic string, orderID int64) (body []byte, headers http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[orderID]
	if o == nil {
		return nil, nil
	}
	for _, id := range s.webhookIDs() {
		w := s.webhooks[id]
		if w.Topic != topic || w.Status != "active" {
			continue
		}
		body = phpJSON(s.render(o))
		resource, event, _ := strings.Cut(topic, ".")
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		h.Set("User-Agent", userAgent)
		h.Set("X-WC-Webhook-Source", s.URL+"/")
		h.Set("X-WC-Webhook-Topic", topic)
		h.Set("X-WC-Webhook-Resource", resource)
		h.Set("X-WC-Webhook-Event", event)
		h.Set("X-WC-Webhook-Signature", sign([]byte(w.Secret), body))
		h.Set("X-WC-Webhook-ID", strconv.FormatInt(w.ID, 10))
		h.Set("X-WC-Webhook-Delivery-ID", randomHex(16))
		return body, h
	}
	return nil, nil
}

// Ping builds the unsigned request WooCommerce sends to a webhook's delivery
// URL when it is created; nil when there is no such webhook.
func (s *Server) Ping(webhookID int64) (body []byte, headers http.Header) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.webhooks[webhookID] == nil {
		return nil, nil
	}
	h := http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded") // what curl sets for WordPress's string body
	h.Set("User-Agent", userAgent)
	return []byte("webhook_id=" + strconv.FormatInt(webhookID, 10)), h
}

// webhookIDs are the hook ids in order. The caller holds mu.
func (s *Server) webhookIDs() []int64 {
	ids := make([]int64, 0, len(s.webhooks))
	for id := range s.webhooks {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func webhookNotFound() reply {
	return wpError(http.StatusNotFound, "woocommerce_rest_shop_webhook_invalid_id", "Invalid ID.")
}

func (s *Server) listWebhooks(r *http.Request, _ []byte, _ []string) reply {
	q := r.URL.Query()
	page, perPage, bad := pageParams(q)
	if bad != nil {
		return *bad
	}
	status := q.Get("status")
	if status == "" {
		status = "all"
	}
	if status != "all" && !slices.Contains(webhookStatuses, status) {
		return invalidParam("status", "status is not one of all, active, paused, and disabled.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []*Webhook
	for _, id := range s.webhookIDs() {
		if w := s.webhooks[id]; status == "all" || w.Status == status {
			list = append(list, w)
		}
	}
	from, to, h := paginate(len(list), page, perPage)
	out := make([]any, 0, to-from)
	for _, w := range list[from:to] {
		out = append(out, s.renderWebhook(w, q.Get("context") == "edit"))
	}
	return reply{status: http.StatusOK, body: out, header: h}
}

func (s *Server) getWebhook(r *http.Request, _ []byte, m []string) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.webhooks[pathID(m)]
	if w == nil {
		return webhookNotFound()
	}
	return reply{status: http.StatusOK, body: s.renderWebhook(w, r.URL.Query().Get("context") == "edit")}
}

type webhookInput struct {
	Name        *string `json:"name"`
	Status      *string `json:"status"`
	Topic       *string `json:"topic"`
	DeliveryURL *string `json:"delivery_url"`
	Secret      *string `json:"secret"`
}

// check validates the fields present, as the REST schema does.
func (in *webhookInput) check() *reply {
	if in.Status != nil && !slices.Contains(webhookStatuses, *in.Status) {
		r := invalidParam("status", "status is not one of active, paused, and disabled.")
		return &r
	}
	if in.Topic != nil && !validTopic(*in.Topic) {
		r := wpError(http.StatusBadRequest, "woocommerce_rest_webhook_invalid_topic", "Webhook topic is required and must be valid.")
		return &r
	}
	if in.DeliveryURL != nil {
		u, err := url.Parse(*in.DeliveryURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			r := wpError(http.StatusBadRequest, "woocommerce_rest_webhook_invalid_delivery_url", "Webhook delivery URL must be a valid URL starting with http:// or https://.")
			return &r
		}
	}
	return nil
}

func (s *Server) createWebhook(r *http.Request, body []byte, _ []string) reply {
	var in webhookInput
	if err := json.Unmarshal(body, &in); err != nil {
		return wpError(http.StatusBadRequest, "rest_invalid_json", "Invalid JSON body passed.")
	}
	if in.Topic == nil || in.DeliveryURL == nil {
		return reply{status: http.StatusBadRequest, body: map[string]any{
			"code": "rest_missing_callback_param", "message": "Missing parameter(s): topic, delivery_url",
			"data": map[string]any{"status": 400, "params": []string{"topic", "delivery_url"}},
		}}
	}
	if bad := in.check(); bad != nil {
		return *bad
	}
	w := Webhook{Topic: *in.Topic, DeliveryURL: *in.DeliveryURL}
	if in.Name != nil {
		w.Name = *in.Name
	}
	if in.Status != nil {
		w.Status = *in.Status
	}
	if in.Secret != nil {
		w.Secret = *in.Secret
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if w.Name == "" {
		w.Name = "Webhook created on " + s.now().UTC().Format("Jan 02, 2006 @ 03:04 PM")
	}
	id := s.addWebhook(w)
	return reply{status: http.StatusCreated, body: s.renderWebhook(s.webhooks[id], false)}
}

func (s *Server) updateWebhook(r *http.Request, body []byte, m []string) reply {
	var in webhookInput
	if err := json.Unmarshal(body, &in); err != nil {
		return wpError(http.StatusBadRequest, "rest_invalid_json", "Invalid JSON body passed.")
	}
	if bad := in.check(); bad != nil {
		return *bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.webhooks[pathID(m)]
	if w == nil {
		return webhookNotFound()
	}
	for _, f := range []struct {
		in  *string
		dst *string
	}{{in.Name, &w.Name}, {in.Status, &w.Status}, {in.Topic, &w.Topic}, {in.DeliveryURL, &w.DeliveryURL}, {in.Secret, &w.Secret}} {
		if f.in != nil {
			*f.dst = *f.in
		}
	}
	w.modified = s.tick(w.modified)
	return reply{status: http.StatusOK, body: s.renderWebhook(w, false)}
}

func (s *Server) deleteWebhook(r *http.Request, _ []byte, m []string) reply {
	if r.URL.Query().Get("force") != "true" {
		return wpError(http.StatusNotImplemented, "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.webhooks[pathID(m)]
	if w == nil {
		return webhookNotFound()
	}
	delete(s.webhooks, w.ID)
	return reply{status: http.StatusOK, body: s.renderWebhook(w, false)}
}

// renderWebhook is the shape of rest_v3_webhook_create_response_docs.json;
// the secret shows only in the edit context.
func (s *Server) renderWebhook(w *Webhook, edit bool) map[string]any {
	resource, event, _ := strings.Cut(w.Topic, ".")
	hooks := topicHooks[w.Topic]
	if hooks == nil {
		hooks = []string{}
	}
	out := map[string]any{
		"id": w.ID, "name": w.Name, "status": w.Status, "topic": w.Topic,
		"resource": resource, "event": event, "hooks": hooks, "delivery_url": w.DeliveryURL,
		"date_created": stamp(w.created), "date_created_gmt": stamp(w.created),
		"date_modified": stamp(w.modified), "date_modified_gmt": stamp(w.modified),
		"_links": map[string]any{
			"self":       []map[string]string{{"href": s.URL + "/wp-json/wc/v3/webhooks/" + strconv.FormatInt(w.ID, 10)}},
			"collection": []map[string]string{{"href": s.URL + "/wp-json/wc/v3/webhooks"}},
		},
	}
	if edit {
		out["secret"] = w.Secret
	}
	return out
}

// validTopic accepts resource.event topics WooCommerce knows, and action.*.
func validTopic(topic string) bool {
	resource, event, ok := strings.Cut(topic, ".")
	if !ok || event == "" {
		return false
	}
	if resource == "action" {
		return true
	}
	return slices.Contains([]string{"order", "product", "customer", "coupon"}, resource) &&
		slices.Contains([]string{"created", "updated", "deleted", "restored"}, event)
}
