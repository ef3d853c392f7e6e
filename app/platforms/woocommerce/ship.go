package woocommerce

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// trackingPrefix is where the Shipment Tracking extension registers its routes.
const trackingPrefix = "/wp-json/wc-shipment-tracking/v3"

// Tracking is a shipment to tell the store about.
type Tracking struct {
	Carrier string // e.g. "USPS"
	Number  string
	URL     string    // where the customer follows the parcel; may be empty
	Shipped time.Time // zero: today, as the extension assumes
}

// trackingItem is one Shipment Tracking extension record.
type trackingItem struct {
	TrackingID     string `json:"tracking_id"`
	TrackingNumber string `json:"tracking_number"`
}

type orderNote struct {
	ID           int64  `json:"id"`
	Note         string `json:"note"`
	CustomerNote bool   `json:"customer_note"`
}

// Ship tells the store that an order shipped. With the Shipment Tracking
// extension it adds a tracking item (shown in the customer's emails and
// account); without it (its route answers 404 rest_no_route) it adds a
// customer note, which WooCommerce emails to the customer. When complete is
// true it then sets the order's status to completed, which sends the
// "order completed" email with the tracking in it.
//
// Ship is safe to repeat: a tracking item or customer note with the same
// tracking number is reused, and a completed order is left alone. remoteID is
// "tracking:<tracking_id>" or "note:<note id>".
func (c *Client) Ship(ctx context.Context, orderID int64, t Tracking, complete bool) (remoteID string, err error) {
	t.Carrier, t.Number, t.URL = strings.TrimSpace(t.Carrier), strings.TrimSpace(t.Number), strings.TrimSpace(t.URL)
	if orderID <= 0 {
		return "", fmt.Errorf("woocommerce ship: invalid order id %d", orderID)
	}
	if t.Number == "" {
		return "", errors.New("woocommerce ship: tracking number is empty")
	}
	remoteID, err = c.addTracking(ctx, orderID, t)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.noRoute() {
		remoteID, err = c.addNote(ctx, orderID, t)
	}
	if err != nil {
		return "", fmt.Errorf("woocommerce ship order %d: %w", orderID, err)
	}
	if complete {
		if err := c.complete(ctx, orderID); err != nil {
			return remoteID, fmt.Errorf("woocommerce ship order %d: tracking added (%s), completing the order: %w", orderID, remoteID, err)
		}
	}
	return remoteID, nil
}

// addTracking adds a Shipment Tracking item unless one with this number exists.
func (c *Client) addTracking(ctx context.Context, orderID int64, t Tracking) (string, error) {
	path := trackingPrefix + "/orders/" + strconv.FormatInt(orderID, 10) + "/shipment-trackings"
	var items []trackingItem
	if _, _, err := c.call(ctx, "GET", path, nil, nil, &items); err != nil {
		return "", err
	}
	for _, it := range items {
		if strings.EqualFold(strings.TrimSpace(it.TrackingNumber), t.Number) && it.TrackingID != "" {
			return "tracking:" + it.TrackingID, nil
		}
	}
	// A provider the extension knows gets its own link and ignores ours; to
	// keep our link, send it as a custom provider.
	body := map[string]string{"tracking_number": t.Number}
	switch {
	case t.URL != "":
		body["custom_tracking_provider"] = providerName(t.Carrier)
		body["custom_tracking_link"] = t.URL
	default:
		body["tracking_provider"] = providerName(t.Carrier)
	}
	if !t.Shipped.IsZero() {
		body["date_shipped"] = t.Shipped.UTC().Format("2006-01-02")
	}
	var created trackingItem
	if _, _, err := c.call(ctx, "POST", path, nil, body, &created); err != nil {
		return "", err
	}
	if created.TrackingID == "" {
		return "", errors.New("shipment tracking answer has no tracking_id")
	}
	return "tracking:" + created.TrackingID, nil
}

// addNote adds a customer note with the tracking unless one mentions it already.
func (c *Client) addNote(ctx context.Context, orderID int64, t Tracking) (string, error) {
	path := orderPath(orderID) + "/notes"
	var notes []orderNote
	if _, _, err := c.call(ctx, "GET", path, url.Values{"type": {"customer"}}, nil, &notes); err != nil {
		return "", err
	}
	for _, n := range notes {
		if n.CustomerNote && strings.Contains(n.Note, t.Number) {
			return "note:" + strconv.FormatInt(n.ID, 10), nil
		}
	}
	var created orderNote
	body := map[string]any{"note": noteText(t), "customer_note": true}
	if _, _, err := c.call(ctx, "POST", path, nil, body, &created); err != nil {
		return "", err
	}
	if created.ID <= 0 {
		return "", errors.New("order note answer has no id")
	}
	return "note:" + strconv.FormatInt(created.ID, 10), nil
}

// noteText is the customer note that stands in for a tracking item.
func noteText(t Tracking) string {
	s := "Your order has shipped with " + carrierName(t.Carrier) + ". Tracking number: " + t.Number + "."
	if t.URL != "" {
		s += " Track it at " + t.URL
	}
	return s
}

// complete sets the order's status to completed unless it already is.
func (c *Client) complete(ctx context.Context, orderID int64) error {
	status, err := c.orderStatus(ctx, orderID)
	if err != nil {
		return err
	}
	if status == "completed" {
		return nil
	}
	_, _, err = c.call(ctx, "PUT", orderPath(orderID), nil, map[string]string{"status": "completed"}, nil)
	return err
}

// providerName is the extension's provider field; it is required there.
func providerName(carrier string) string {
	if carrier == "" {
		return "Other"
	}
	return carrier
}

func carrierName(carrier string) string {
	if carrier == "" {
		return "the carrier"
	}
	return carrier
}
