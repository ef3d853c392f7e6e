package bigcommerce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/consign/consign/app/platforms/jsontext"
)

// ShipmentInput is what a supplier shipped for one order.
type ShipmentInput struct {
	OrderID        int64
	Items          []ShipmentItem
	TrackingNumber string
	Carrier        string // free text: "UPS", "Royal Mail", "DHL Express"
	TrackingURL    string
	Comments       string
}

// ShipmentItem is a quantity of one order product (the product's `id` in
// GET /v2/orders/ID/products, canonical Line.ExternalID).
type ShipmentItem struct {
	OrderProductID int64
	Quantity       int
}

// shipmentBody is POST /v2/orders/ID/shipments.
type shipmentBody struct {
	OrderAddressID   int64              `json:"order_address_id"`
	TrackingNumber   string             `json:"tracking_number,omitempty"`
	ShippingProvider string             `json:"shipping_provider,omitempty"`
	TrackingCarrier  string             `json:"tracking_carrier,omitempty"`
	TrackingLink     string             `json:"tracking_link,omitempty"`
	Comments         string             `json:"comments,omitempty"`
	Items            []shipmentBodyItem `json:"items"`
}

type shipmentBodyItem struct {
	OrderProductID int64 `json:"order_product_id"`
	Quantity       int   `json:"quantity"`
}

// CreateShipments records a shipment on the order: one V2 shipment per
// shipping address the items belong to (BigCommerce ties each shipment to
// one order_address_id), with the tracking number and the carrier as
// shipping_provider or tracking_carrier (see carrierFields) and the
// tracking URL as tracking_link.
//
// It is safe to repeat: it first lists the order's shipments and skips any
// address that already has one with this tracking number (with no tracking
// number: with exactly these items), so a job retried after a lost answer
// ships nothing twice. It returns the ids of the order's shipments for this
// input, new or found, joined by ",".
func (c *Client) CreateShipments(ctx context.Context, in ShipmentInput) (string, error) {
	items, err := in.merged()
	if err != nil {
		return "", fmt.Errorf("bigcommerce create shipments: %w", err)
	}
	base := "/v2/orders/" + strconv.FormatInt(in.OrderID, 10)
	addressOf, err := c.productAddresses(ctx, base)
	if err != nil {
		return "", err
	}
	groups := map[int64][]shipmentBodyItem{}
	for _, it := range items {
		addr, ok := addressOf[it.OrderProductID]
		if !ok {
			return "", fmt.Errorf("bigcommerce create shipments: order %d has no product %d", in.OrderID, it.OrderProductID)
		}
		groups[addr] = append(groups[addr], shipmentBodyItem{OrderProductID: it.OrderProductID, Quantity: it.Quantity})
	}
	existing, err := c.shipments(ctx, base)
	if err != nil {
		return "", err
	}
	provider, carrier := carrierFields(in.Carrier)
	var ids []string
	for _, addr := range slices.Sorted(maps.Keys(groups)) {
		if id, ok := findShipment(existing, addr, in.TrackingNumber, groups[addr]); ok {
			ids = append(ids, strconv.FormatInt(id, 10))
			continue
		}
		body := shipmentBody{
			OrderAddressID:   addr,
			TrackingNumber:   strings.TrimSpace(in.TrackingNumber),
			ShippingProvider: provider,
			TrackingCarrier:  carrier,
			TrackingLink:     strings.TrimSpace(in.TrackingURL),
			Comments:         in.Comments,
			Items:            groups[addr],
		}
		_, answer, err := c.do(ctx, call{op: "POST /v2/orders/{id}/shipments", method: http.MethodPost, path: base + "/shipments", body: body})
		if err != nil {
			return "", err
		}
		var created shipmentPayload
		if err := decodeObject("created shipment", answer, &created); err != nil {
			return "", fmt.Errorf("bigcommerce POST /v2/orders/%d/shipments: %w", in.OrderID, err)
		}
		id, ok, err := parseID("id", created.ID)
		if err != nil || !ok {
			return "", fmt.Errorf("bigcommerce POST /v2/orders/%d/shipments: answer has no shipment id", in.OrderID)
		}
		ids = append(ids, strconv.FormatInt(id, 10))
	}
	return strings.Join(ids, ","), nil
}

// merged checks the input and adds up repeated products.
func (in ShipmentInput) merged() ([]ShipmentItem, error) {
	if in.OrderID <= 0 {
		return nil, fmt.Errorf("invalid order id %d", in.OrderID)
	}
	if len(in.Items) == 0 {
		return nil, errors.New("no items to ship")
	}
	var out []ShipmentItem
	at := map[int64]int{}
	for _, it := range in.Items {
		if it.OrderProductID <= 0 || it.Quantity <= 0 {
			return nil, fmt.Errorf("item %+v: want a positive order product id and quantity", it)
		}
		if i, ok := at[it.OrderProductID]; ok {
			out[i].Quantity += it.Quantity
			continue
		}
		at[it.OrderProductID] = len(out)
		out = append(out, it)
	}
	return out, nil
}

// productAddresses maps each order product id to its order_address_id.
func (c *Client) productAddresses(ctx context.Context, base string) (map[int64]int64, error) {
	const op = "GET /v2/orders/{id}/products"
	raw, err := c.list(ctx, op, base+"/products", nil)
	if err != nil {
		return nil, err
	}
	var products []struct {
		ID             json.RawMessage `json:"id"`
		OrderAddressID json.RawMessage `json:"order_address_id"`
	}
	if err := decodeArray(op+" answer", raw, &products); err != nil {
		return nil, fmt.Errorf("bigcommerce %w", err)
	}
	out := make(map[int64]int64, len(products))
	for i, p := range products {
		id, ok1, err1 := parseID("id", p.ID)
		addr, ok2, err2 := parseID("order_address_id", p.OrderAddressID)
		if err := errors.Join(err1, err2); err != nil || !ok1 || !ok2 {
			return nil, fmt.Errorf("bigcommerce %s: product %d has no usable id and order_address_id (%v)", op, i, err)
		}
		out[id] = addr
	}
	return out, nil
}

// shipmentPayload is the part of a V2 shipment the idempotency check reads.
type shipmentPayload struct {
	ID             json.RawMessage `json:"id"`
	OrderAddressID json.RawMessage `json:"order_address_id"`
	TrackingNumber string          `json:"tracking_number"`
	Items          []struct {
		OrderProductID json.RawMessage `json:"order_product_id"`
		Quantity       json.RawMessage `json:"quantity"`
	} `json:"items"`
}

// existingShipment is a shipment the order already has.
type existingShipment struct {
	id       int64
	address  int64
	tracking string
	items    map[int64]int
}

func (c *Client) shipments(ctx context.Context, base string) ([]existingShipment, error) {
	const op = "GET /v2/orders/{id}/shipments"
	raw, err := c.list(ctx, op, base+"/shipments", nil)
	if err != nil {
		return nil, err
	}
	var list []shipmentPayload
	if err := decodeArray(op+" answer", raw, &list); err != nil {
		return nil, fmt.Errorf("bigcommerce %w", err)
	}
	out := make([]existingShipment, 0, len(list))
	for _, s := range list {
		id, _, err1 := parseID("id", s.ID)
		addr, _, err2 := parseID("order_address_id", s.OrderAddressID)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("bigcommerce %s: %w", op, err)
		}
		e := existingShipment{id: id, address: addr, tracking: strings.TrimSpace(s.TrackingNumber), items: map[int64]int{}}
		for _, it := range s.Items {
			pid, _, _ := parseID("order_product_id", it.OrderProductID)
			q, _, _ := jsontext.Whole("quantity", it.Quantity)
			e.items[pid] += int(q)
		}
		out = append(out, e)
	}
	return out, nil
}

// findShipment looks for a shipment this input already made at address.
func findShipment(existing []existingShipment, address int64, tracking string, items []shipmentBodyItem) (int64, bool) {
	tracking = strings.TrimSpace(tracking)
	for _, s := range existing {
		if s.address != address || s.tracking != tracking {
			continue
		}
		if tracking != "" || sameItems(s.items, items) {
			return s.id, true
		}
	}
	return 0, false
}

func sameItems(have map[int64]int, want []shipmentBodyItem) bool {
	if len(have) != len(want) {
		return false
	}
	for _, it := range want {
		if have[it.OrderProductID] != it.Quantity {
			return false
		}
	}
	return true
}
