package supplierstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/consign/consign/app/pipeline"
	"github.com/consign/consign/app/purchasing"
	"github.com/consign/consign/models"
)

// Topics are the webhook topics the store channel acts on.
var Topics = []string{"fulfillments/create", "fulfillments/update"}

// fulfillmentPayload is the part of Shopify's fulfillments/* webhook body
// that becomes a shipment.
type fulfillmentPayload struct {
	ID              json.Number `json:"id"`
	GID             string      `json:"admin_graphql_api_id"`
	OrderID         json.Number `json:"order_id"`
	Status          string      `json:"status"`
	TrackingCompany *string     `json:"tracking_company"`
	TrackingNumber  *string     `json:"tracking_number"`
	TrackingNumbers []string    `json:"tracking_numbers"`
	TrackingURL     *string     `json:"tracking_url"`
	TrackingURLs    []string    `json:"tracking_urls"`
	LineItems       []struct {
		SKU      *string `json:"sku"`
		Title    string  `json:"title"`
		Quantity int     `json:"quantity"`
	} `json:"line_items"`
}

// HandleFulfillment is the pipeline's handler of a store's fulfillments/create
// and fulfillments/update: a fulfillment of an order Consign created in a
// supplier's store becomes a shipment on its PO, once per fulfillment, and
// is pushed on to the retailer's store. Fulfillments of other orders (the
// supplier's own sales, the retailer's store) are noted and left alone.
func (s *Service) HandleFulfillment(ctx context.Context, tx *gorm.DB, ev models.WebhookEvent) (string, error) {
	var f fulfillmentPayload
	if err := json.Unmarshal(ev.Body, &f); err != nil {
		return "", fmt.Errorf("%w: fulfillment: %v", pipeline.ErrMalformed, err)
	}
	if f.OrderID == "" || f.ID == "" {
		return "", fmt.Errorf("%w: fulfillment without id or order_id", pipeline.ErrMalformed)
	}
	if ev.ConnectionID == nil {
		return "no connection", nil
	}
	orderGID := "gid://shopify/Order/" + f.OrderID.String()
	po, err := s.lockPO(tx, "remote_connection_id = ? AND remote_order_id = ?", *ev.ConnectionID, orderGID)
	if errors.Is(err, models.ErrNotFound) {
		return "not an order Consign created: no purchase order", nil
	}
	if err != nil {
		return "", fmt.Errorf("load purchase order of %s: %w", orderGID, err)
	}
	fulfillmentGID := f.GID
	if fulfillmentGID == "" {
		fulfillmentGID = "gid://shopify/Fulfillment/" + f.ID.String()
	}
	var existing models.Shipment
	err = tx.Select("id").Where("purchase_order_id = ? AND remote_fulfillment_id = ?", po.ID, fulfillmentGID).Take(&existing).Error
	if err == nil {
		return fmt.Sprintf("fulfillment %s is shipment %d of %s already", fulfillmentGID, existing.ID, po.Number), nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return "", fmt.Errorf("look up shipment of %s: %w", fulfillmentGID, err)
	}
	switch strings.ToLower(f.Status) {
	case "cancelled", "error", "failure":
		return fmt.Sprintf("fulfillment %s of %s is %s: nothing shipped", fulfillmentGID, po.Number, f.Status), nil
	}
	in := purchasing.ShipmentInput{Carrier: deref(f.TrackingCompany), TrackingNumber: first(f.TrackingNumber, f.TrackingNumbers),
		TrackingURL: first(f.TrackingURL, f.TrackingURLs)}
	if in.TrackingNumber == "" {
		// fulfillments/update brings the tracking when the supplier adds it.
		return fmt.Sprintf("fulfillment %s of %s has no tracking number yet", fulfillmentGID, po.Number), nil
	}
	switch po.State {
	case models.POAccepted, models.POPartiallyShipped:
	case models.POCancelled:
		why := fmt.Sprintf("the supplier fulfilled %s (tracking %s) in its store after the order was cancelled", po.Number, in.TrackingNumber)
		if err := s.flag(tx, po, why); err != nil {
			return "", err
		}
		return why, nil
	default:
		return fmt.Sprintf("fulfillment %s: %s is %s, no shipment recorded", fulfillmentGID, po.Number, po.State), nil
	}
	lines, unmatched, err := s.shipmentLines(tx, po, f)
	if err != nil {
		return "", err
	}
	if len(lines) == 0 {
		return "", fmt.Errorf("%w: fulfillment %s: no line matches an unshipped line of %s (%s)",
			pipeline.ErrMalformed, fulfillmentGID, po.Number, strings.Join(unmatched, ", "))
	}
	in.Lines = lines
	sh, err := s.Purchasing.AddShipmentTx(ctx, tx, po.SupplierID, po.ID, in, fulfillmentGID)
	var invalid *models.ValidationError
	if errors.As(err, &invalid) {
		return "", fmt.Errorf("%w: fulfillment %s: %v", pipeline.ErrMalformed, fulfillmentGID, err)
	}
	if err != nil {
		return "", err
	}
	note := fmt.Sprintf("fulfillment %s is shipment %d of %s", fulfillmentGID, sh.ID, po.Number)
	if len(unmatched) > 0 {
		note += "; not on the purchase order: " + strings.Join(unmatched, ", ")
	}
	return note, nil
}

// shipmentLines maps the fulfillment's line items to the PO's unshipped
// lines by SKU (or title, for a line without one), spreading a quantity over
// PO lines that share a SKU. It lists what it could not place.
func (s *Service) shipmentLines(tx *gorm.DB, po models.PurchaseOrder, f fulfillmentPayload) ([]purchasing.ShipmentLineInput, []string, error) {
	var poLines []models.POLine
	if err := tx.Where("purchase_order_id = ? AND state <> ?", po.ID, models.LineRejected).Order("id").Find(&poLines).Error; err != nil {
		return nil, nil, fmt.Errorf("load lines of purchase order %d: %w", po.ID, err)
	}
	remaining, err := models.UnshippedQuantities(tx, po.ID)
	if err != nil {
		return nil, nil, err
	}
	qty := map[int64]int{}
	var order []int64
	var unmatched []string
	for _, item := range f.LineItems {
		key, byTitle := fold(deref(item.SKU)), false
		if key == "" {
			key, byTitle = fold(item.Title), true
		}
		need := item.Quantity
		for _, l := range poLines {
			if need == 0 {
				break
			}
			match := fold(l.SKU) == key
			if byTitle {
				match = fold(l.Title) == key
			}
			take := min(need, remaining[l.ID])
			if !match || take <= 0 {
				continue
			}
			if _, seen := qty[l.ID]; !seen {
				order = append(order, l.ID)
			}
			qty[l.ID] += take
			remaining[l.ID] -= take
			need -= take
		}
		if need > 0 {
			label := deref(item.SKU)
			if label == "" {
				label = item.Title
			}
			unmatched = append(unmatched, fmt.Sprintf("%s x%d", label, need))
		}
	}
	out := make([]purchasing.ShipmentLineInput, 0, len(order))
	for _, id := range order {
		out = append(out, purchasing.ShipmentLineInput{LineID: id, Quantity: qty[id]})
	}
	return out, unmatched, nil
}

func fold(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return strings.TrimSpace(*s)
}

// first is the single value, or else the first of the list.
func first(one *string, many []string) string {
	if v := deref(one); v != "" {
		return v
	}
	for _, v := range many {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
