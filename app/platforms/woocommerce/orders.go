package woocommerce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// ordersPerPage is the most the REST API returns in one page.
const ordersPerPage = 100

// Order fetches one order's REST v3 JSON, the shape TranslateOrder reads.
// A missing order is an error wrapping ErrNotFound.
func (c *Client) Order(ctx context.Context, id int64) ([]byte, error) {
	if id <= 0 {
		return nil, fmt.Errorf("woocommerce order: invalid id %d", id)
	}
	_, body, err := c.call(ctx, "GET", orderPath(id), nil, nil, nil)
	if err != nil {
		return nil, err
	}
	if b := bytes.TrimSpace(body); len(b) == 0 || b[0] != '{' || !json.Valid(b) {
		return nil, fmt.Errorf("woocommerce GET %s: answer is not a JSON object: %s", orderPath(id), snippet(body))
	}
	return body, nil
}

// ModifiedOrders lists one page (from 1) of the orders modified after a
// moment, oldest change first, up to 100 per page; more says whether a later
// page exists. Polling with it catches what webhooks missed (WooCommerce
// never retries a delivery and disables a hook that keeps failing).
//
// modified_after is exclusive and to the second: pass a moment a little
// before the newest date_modified_gmt already seen; the overlap comes back
// and OrderVersion recognises it. orderby=modified needs a WooCommerce recent
// enough to list it among the orderby options (older ones answer 400).
func (c *Client) ModifiedOrders(ctx context.Context, after time.Time, page int) (orders []json.RawMessage, more bool, err error) {
	if page < 1 {
		return nil, false, fmt.Errorf("woocommerce orders: page %d: pages start at 1", page)
	}
	q := url.Values{}
	q.Set("modified_after", after.UTC().Format(wcTimeLayout))
	q.Set("dates_are_gmt", "true")
	q.Set("orderby", "modified")
	q.Set("order", "asc")
	q.Set("per_page", strconv.Itoa(ordersPerPage))
	q.Set("page", strconv.Itoa(page))
	header, _, err := c.call(ctx, "GET", apiPrefix+"/orders", q, nil, &orders)
	if err != nil {
		return nil, false, err
	}
	return orders, morePages(header.Get("X-WP-TotalPages"), page, len(orders)), nil
}

// morePages reads X-WP-TotalPages; without it, a full page suggests more.
func morePages(totalPages string, page, n int) bool {
	if total, err := strconv.Atoi(totalPages); err == nil {
		return page < total
	}
	return n >= ordersPerPage
}

// orderStatus reads an order's status alone (_fields trims the answer).
func (c *Client) orderStatus(ctx context.Context, id int64) (string, error) {
	var o struct {
		Status string `json:"status"`
	}
	if _, _, err := c.call(ctx, "GET", orderPath(id), url.Values{"_fields": {"id,status"}}, nil, &o); err != nil {
		return "", err
	}
	if o.Status == "" {
		return "", errors.New("woocommerce order: answer has no status")
	}
	return o.Status, nil
}

func orderPath(id int64) string {
	return apiPrefix + "/orders/" + strconv.FormatInt(id, 10)
}
