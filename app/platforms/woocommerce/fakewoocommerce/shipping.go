package fakewoocommerce

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Tracking is a Shipment Tracking extension item.
type Tracking struct {
	TrackingID  string
	Provider    string // the provider name, custom or predefined
	Link        string
	Number      string
	DateShipped string // YYYY-MM-DD
	Custom      bool   // sent as custom_tracking_provider
}

// providerLinks are a few of the extension's predefined providers, keyed by
// name, with their link templates.
var providerLinks = map[string]string{
	"USPS":  "https://tools.usps.com/tracking/%s",
	"UPS":   "https://www.ups.com/track?tracknum=%s",
	"FedEx": "https://www.fedex.com/fedextrack/?trknbr=%s",
	"DHL":   "https://www.dhl.com/en/express/tracking.html?AWB=%s",
}

func (s *Server) listTrackings(r *http.Request, _ []byte, m []string) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[pathID(m)]
	if o == nil {
		return wpError(http.StatusNotFound, "woocommerce_rest_order_invalid_id", "Invalid order ID.")
	}
	out := make([]any, 0, len(o.trackings))
	for _, t := range o.trackings {
		out = append(out, s.renderTracking(o.ID, t))
	}
	return reply{status: http.StatusOK, body: out}
}

func (s *Server) createTracking(r *http.Request, body []byte, m []string) reply {
	var in struct {
		TrackingProvider       string `json:"tracking_provider"`
		CustomTrackingProvider string `json:"custom_tracking_provider"`
		CustomTrackingLink     string `json:"custom_tracking_link"`
		TrackingNumber         string `json:"tracking_number"`
		DateShipped            string `json:"date_shipped"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return wpError(http.StatusBadRequest, "rest_invalid_json", "Invalid JSON body passed.")
	}
	if strings.TrimSpace(in.TrackingNumber) == "" {
		return reply{status: http.StatusBadRequest, body: map[string]any{
			"code": "rest_missing_callback_param", "message": "Missing parameter(s): tracking_number",
			"data": map[string]any{"status": 400, "params": []string{"tracking_number"}},
		}}
	}
	t := Tracking{Number: in.TrackingNumber, Provider: in.TrackingProvider}
	if in.CustomTrackingProvider != "" {
		t.Provider, t.Link, t.Custom = in.CustomTrackingProvider, in.CustomTrackingLink, true
	} else if tmpl, ok := providerLinks[in.TrackingProvider]; ok {
		t.Link = strings.Replace(tmpl, "%s", in.TrackingNumber, 1) // a predefined provider's link wins
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[pathID(m)]
	if o == nil {
		return wpError(http.StatusNotFound, "woocommerce_rest_order_invalid_id", "Invalid order ID.")
	}
	t.DateShipped = s.now().UTC().Format(time.DateOnly)
	if in.DateShipped != "" {
		d, err := time.Parse(time.DateOnly, in.DateShipped)
		if err != nil {
			return invalidParam("date_shipped", "Invalid date.")
		}
		t.DateShipped = d.Format(time.DateOnly)
	}
	t.TrackingID = randomHex(16) // the extension's ids are md5 hex
	o.trackings = append(o.trackings, t)
	return reply{status: http.StatusCreated, body: s.renderTracking(o.ID, t)}
}

func (s *Server) renderTracking(orderID int64, t Tracking) map[string]any {
	self := s.URL + "/wp-json/wc-shipment-tracking/v3/orders/" + strconv.FormatInt(orderID, 10) + "/shipment-trackings"
	return map[string]any{
		"tracking_id":       t.TrackingID,
		"tracking_provider": t.Provider,
		"tracking_link":     t.Link,
		"tracking_number":   t.Number,
		"date_shipped":      t.DateShipped,
		"_links": map[string]any{
			"self":       []map[string]string{{"href": self + "/" + t.TrackingID}},
			"collection": []map[string]string{{"href": self}},
			"up":         []map[string]string{{"href": s.URL + "/wp-json/wc/v3/orders/" + strconv.FormatInt(orderID, 10)}},
		},
	}
}

func (s *Server) listNotes(r *http.Request, _ []byte, m []string) reply {
	kind := r.URL.Query().Get("type")
	if kind == "" {
		kind = "any"
	}
	if kind != "any" && kind != "customer" && kind != "internal" {
		return invalidParam("type", "type is not one of any, customer, and internal.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[pathID(m)]
	if o == nil {
		return wpError(http.StatusNotFound, "woocommerce_rest_order_invalid_id", "Invalid order ID.")
	}
	out := []any{}
	for i := len(o.notes) - 1; i >= 0; i-- { // newest first, as WooCommerce lists them
		n := o.notes[i]
		if (kind == "customer" && !n.CustomerNote) || (kind == "internal" && n.CustomerNote) {
			continue
		}
		out = append(out, s.renderNote(o.ID, n))
	}
	return reply{status: http.StatusOK, body: out}
}

func (s *Server) createNote(r *http.Request, body []byte, m []string) reply {
	var in struct {
		Note         string `json:"note"`
		CustomerNote bool   `json:"customer_note"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return wpError(http.StatusBadRequest, "rest_invalid_json", "Invalid JSON body passed.")
	}
	if strings.TrimSpace(in.Note) == "" {
		return wpError(http.StatusBadRequest, "woocommerce_rest_invalid_order_note", "Order note is required.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[pathID(m)]
	if o == nil {
		return wpError(http.StatusNotFound, "woocommerce_rest_order_invalid_id", "Invalid order ID.")
	}
	s.lastNoteID++
	n := Note{ID: s.lastNoteID, Note: in.Note, CustomerNote: in.CustomerNote, DateCreated: s.now().UTC().Truncate(time.Second)}
	o.notes = append(o.notes, n)
	return reply{status: http.StatusCreated, body: s.renderNote(o.ID, n)}
}

// renderNote is the shape of rest_v3_order_note_create_response_docs.json.
func (s *Server) renderNote(orderID int64, n Note) map[string]any {
	up := s.URL + "/wp-json/wc/v3/orders/" + strconv.FormatInt(orderID, 10)
	return map[string]any{
		"id":               n.ID,
		"author":           "system",
		"date_created":     stamp(n.DateCreated),
		"date_created_gmt": stamp(n.DateCreated),
		"note":             n.Note,
		"customer_note":    n.CustomerNote,
		"_links": map[string]any{
			"self":       []map[string]string{{"href": up + "/notes/" + strconv.FormatInt(n.ID, 10)}},
			"collection": []map[string]string{{"href": up + "/notes"}},
			"up":         []map[string]string{{"href": up}},
		},
	}
}
