package privacy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/consign/consign/models"
)

// customerRedact erases the customer's personal data (names, emails,
// phones, addresses) from orders, POs, stored deliveries and data requests;
// amounts, SKUs, quantities and ids stay.
func (s *Service) customerRedact(ctx context.Context, tx *gorm.DB, ev models.WebhookEvent) (string, error) {
	var p customerPayload
	if err := decode(ev.Body, &p); err != nil {
		return "", err
	}
	connID := *ev.ConnectionID
	who := customer{id: p.Customer.ID.String(), email: strings.TrimSpace(p.Customer.Email), orders: ids(p.OrdersToRedact)}
	var orders []models.Order
	// In pages: a customer has few orders, but nothing here should be unbounded.
	for {
		page, err := s.customerOrders(tx.Where("id > ?", lastID(orders)), connID, who, maxOrders)
		if err != nil {
			return "", err
		}
		orders = append(orders, page...)
		if len(page) < maxOrders {
			break
		}
	}
	oids := orderIDs(orders)
	if len(oids) > 0 {
		if err := tx.Model(&models.Order{}).Where("id IN ?", oids).
			Updates(map[string]any{"customer_email": "", "ship_to": "{}", "updated_at": s.Now()}).Error; err != nil {
			return "", fmt.Errorf("redact orders: %w", err)
		}
		if err := tx.Model(&models.PurchaseOrder{}).Where("order_id IN ?", oids).
			Updates(map[string]any{"ship_to": "{}", "updated_at": s.Now()}).Error; err != nil {
			return "", fmt.Errorf("redact purchase orders: %w", err)
		}
	}
	redacted := 0
	for after := int64(0); ; {
		events, next, err := s.customerEvents(tx, connID, who, oids, after, maxEvents)
		if err != nil {
			return "", err
		}
		n, err := redactEvents(tx, events)
		if err != nil {
			return "", err
		}
		redacted += n
		if next == 0 {
			break
		}
		after = next
	}
	res := tx.Where("connection_id = ?", connID).
		Where("(customer_ref <> '' AND customer_ref = ?) OR (customer_email <> '' AND LOWER(customer_email) = ?)", who.id, strings.ToLower(who.email)).
		Delete(&DataRequest{})
	if res.Error != nil {
		return "", fmt.Errorf("delete data requests of customer %s: %w", who.id, res.Error)
	}
	return fmt.Sprintf("redacted %d order(s), %d webhook event(s), %d data request(s)", len(oids), redacted, res.RowsAffected), nil
}

func lastID(orders []models.Order) int64 {
	if len(orders) == 0 {
		return 0
	}
	return orders[len(orders)-1].ID
}

// redactEvents replaces each body with its redacted form and returns how
// many changed. A body already redacted does not change, so a second pass
// finds nothing left to do.
func redactEvents(tx *gorm.DB, events []models.WebhookEvent) (int, error) {
	n := 0
	for _, e := range events {
		body := RedactBody(e.Body)
		if bytes.Equal(body, e.Body) {
			continue
		}
		if err := tx.Model(&models.WebhookEvent{}).Where("id = ?", e.ID).Update("body", body).Error; err != nil {
			return n, fmt.Errorf("redact webhook event %d: %w", e.ID, err)
		}
		n++
	}
	return n, nil
}

// personalKeys are fields that hold personal data wherever they appear.
var personalKeys = map[string]bool{
	"email": true, "contact_email": true, "customer_email": true, "phone": true,
	"first_name": true, "last_name": true, "address1": true, "address2": true,
	"company": true, "zip": true, "latitude": true, "longitude": true,
	"browser_ip": true, "note": true, "client_details": true, "user_agent": true,
}

// personObjects are objects about a person or a place: inside them "name"
// and "city" are personal too (elsewhere "name" is an order's or product's).
var personObjects = map[string]bool{
	"customer": true, "shipping_address": true, "billing_address": true,
	"default_address": true, "addresses": true, "destination": true,
}

// RedactBody returns the JSON with every personal field nulled; ids,
// amounts, SKUs and quantities stay. A body that is not JSON is replaced.
func RedactBody(body []byte) []byte {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber() // ids must survive exactly
	var v any
	if err := d.Decode(&v); err != nil {
		return []byte(`{"redacted":true}`)
	}
	if !redactValue(v, false) {
		return body
	}
	out, err := json.Marshal(v)
	if err != nil {
		return []byte(`{"redacted":true}`)
	}
	return out
}

// redactValue nulls personal fields in place and reports whether any was set.
func redactValue(v any, inPerson bool) bool {
	changed := false
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if personalKeys[k] || (inPerson && (k == "name" || k == "city")) {
				if val != nil {
					t[k] = nil
					changed = true
				}
				continue
			}
			if redactValue(val, inPerson || personObjects[k]) {
				changed = true
			}
		}
	case []any:
		for _, val := range t {
			if redactValue(val, inPerson) {
				changed = true
			}
		}
	}
	return changed
}
