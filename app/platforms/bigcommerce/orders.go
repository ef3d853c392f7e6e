package bigcommerce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// pageLimit is the largest page the V2 list endpoints serve.
const pageLimit = 250

// maxPages bounds a listing, so a misbehaving server cannot keep a job
// paging forever (250 x 40 = 10,000 lines or shipments on one order).
const maxPages = 40

// FetchOrder reads the order and its products and shipping addresses and
// returns them as one snapshot for TranslateOrder: {"order": ...,
// "products": [...], "shipping_addresses": [...]}, each as BigCommerce sent
// it (lists of several pages joined). An unknown order is ErrNotFound.
func (c *Client) FetchOrder(ctx context.Context, orderID int64) ([]byte, error) {
	if orderID <= 0 {
		return nil, fmt.Errorf("bigcommerce fetch order: invalid order id %d", orderID)
	}
	path := "/v2/orders/" + strconv.FormatInt(orderID, 10)
	_, order, err := c.do(ctx, call{op: "GET /v2/orders/{id}", method: http.MethodGet, path: path})
	if err != nil {
		return nil, err
	}
	if !json.Valid(order) {
		return nil, fmt.Errorf("bigcommerce GET /v2/orders/%d: answer is not JSON", orderID)
	}
	products, err := c.list(ctx, "GET /v2/orders/{id}/products", path+"/products", nil)
	if err != nil {
		return nil, err
	}
	addresses, err := c.list(ctx, "GET /v2/orders/{id}/shipping_addresses", path+"/shipping_addresses", nil)
	if err != nil {
		return nil, err
	}
	snap, err := json.Marshal(Snapshot{Order: order, Products: products, ShippingAddresses: addresses})
	if err != nil {
		return nil, fmt.Errorf("bigcommerce fetch order %d: %w", orderID, err)
	}
	return snap, nil
}

// list reads every page of a V2 collection and returns its items as one
// JSON array. V2 answers an empty collection with 204 No Content.
func (c *Client) list(ctx context.Context, op, path string, query url.Values) (json.RawMessage, error) {
	items := []json.RawMessage{}
	for page := 1; ; page++ {
		if page > maxPages {
			return nil, fmt.Errorf("bigcommerce %s: more than %d pages", op, maxPages)
		}
		batch, err := c.page(ctx, op, path, query, page)
		if err != nil {
			return nil, err
		}
		items = append(items, batch...)
		if len(batch) < pageLimit {
			break
		}
	}
	out, err := json.Marshal(items)
	if err != nil {
		return nil, fmt.Errorf("bigcommerce %s: %w", op, err)
	}
	return out, nil
}

// page reads one page of a V2 collection.
func (c *Client) page(ctx context.Context, op, path string, query url.Values, page int) ([]json.RawMessage, error) {
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("limit", strconv.Itoa(pageLimit))
	q.Set("page", strconv.Itoa(page))
	status, body, err := c.do(ctx, call{op: op, method: http.MethodGet, path: path, query: q})
	if err != nil {
		return nil, err
	}
	if status == http.StatusNoContent || len(body) == 0 {
		return nil, nil
	}
	var batch []json.RawMessage
	if err := decodeArray(op+" answer", body, &batch); err != nil {
		return nil, fmt.Errorf("bigcommerce %w", err)
	}
	return batch, nil
}

// OrderRef is one order of a ModifiedOrders page.
type OrderRef struct {
	ID           int64
	StatusID     int
	DateModified time.Time
}

// ModifiedOrders lists the orders modified at or after since, oldest
// modification first, one page (1, 2, ...) of up to 250 at a time: GET
// /v2/orders?min_date_modified=...&sort=date_modified:asc. more reports
// that the page was full, so the next one may hold more.
func (c *Client) ModifiedOrders(ctx context.Context, since time.Time, page int) (refs []OrderRef, more bool, err error) {
	if page < 1 {
		return nil, false, fmt.Errorf("bigcommerce modified orders: page %d: pages start at 1", page)
	}
	q := url.Values{
		"min_date_modified": {since.UTC().Format(time.RFC3339)},
		"sort":              {"date_modified:asc"},
	}
	const op = "GET /v2/orders"
	batch, err := c.page(ctx, op, "/v2/orders", q, page)
	if err != nil {
		return nil, false, err
	}
	for i, raw := range batch {
		ref, err := orderRef(raw)
		if err != nil {
			return nil, false, fmt.Errorf("bigcommerce %s: order %d of page %d: %w", op, i, page, err)
		}
		refs = append(refs, ref)
	}
	return refs, len(batch) >= pageLimit, nil
}

func orderRef(raw json.RawMessage) (OrderRef, error) {
	var p struct {
		ID           json.RawMessage `json:"id"`
		StatusID     json.RawMessage `json:"status_id"`
		DateModified string          `json:"date_modified"`
	}
	if err := decodeObject("order", raw, &p); err != nil {
		return OrderRef{}, err
	}
	id, ok, err := parseID("id", p.ID)
	if err != nil {
		return OrderRef{}, err
	}
	if !ok {
		return OrderRef{}, errors.New("id is missing")
	}
	status, err := quantity("status_id", p.StatusID, true)
	if err != nil {
		return OrderRef{}, err
	}
	modified, err := parseDate("date_modified", p.DateModified)
	if err != nil {
		return OrderRef{}, err
	}
	return OrderRef{ID: id, StatusID: status, DateModified: modified}, nil
}

// SnapshotVersion reads a snapshot's order id, status and date_modified:
// which version of the order it is, without translating it.
func SnapshotVersion(snapshot []byte) (OrderRef, error) {
	var snap Snapshot
	if err := decodeObject("snapshot", snapshot, &snap); err != nil {
		return OrderRef{}, err
	}
	return orderRef(snap.Order)
}
