package fakebigcommerce

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The V2 order endpoints. Each runs under mu.

const (
	defaultLimit = 50
	maxLimit     = 250
)

var notFound = answer{http.StatusNotFound, v2Error(http.StatusNotFound, "The requested resource was not found.")}

func badRequest(msg string) answer {
	return answer{http.StatusBadRequest, v2Error(http.StatusBadRequest, msg)}
}

// orderOf finds the order named by the {id} path value.
func orderOf(st *store, r *http.Request) *order {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil
	}
	return st.orders[id]
}

// paging reads page and limit as V2 list endpoints do.
func paging(r *http.Request) (page, limit int, err error) {
	page, limit = 1, defaultLimit
	q := r.URL.Query()
	if v := q.Get("page"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			return 0, 0, fmt.Errorf("page %q is not a positive integer", v)
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > maxLimit {
			return 0, 0, fmt.Errorf("limit %q must be 1 to %d", v, maxLimit)
		}
	}
	return page, limit, nil
}

// pageOf answers one page of a V2 collection; an empty page is 204.
func pageOf[T any](r *http.Request, all []T) answer {
	page, limit, err := paging(r)
	if err != nil {
		return badRequest(err.Error())
	}
	start := (page - 1) * limit
	if start >= len(all) {
		return answer{http.StatusNoContent, nil}
	}
	return answer{http.StatusOK, all[start:min(start+limit, len(all))]}
}

func (s *Server) getOrder(st *store, r *http.Request, _ []byte) answer {
	o := orderOf(st, r)
	if o == nil {
		return notFound
	}
	return answer{http.StatusOK, s.renderOrder(st.hash, o)}
}

func (s *Server) listProducts(st *store, r *http.Request, _ []byte) answer {
	o := orderOf(st, r)
	if o == nil {
		return notFound
	}
	out := make([]productJSON, len(o.Products))
	for i, p := range o.Products {
		out[i] = renderProduct(o, p)
	}
	return pageOf(r, out)
}

func (s *Server) listAddresses(st *store, r *http.Request, _ []byte) answer {
	o := orderOf(st, r)
	if o == nil {
		return notFound
	}
	var out []addressJSON
	for _, a := range append([]Address{o.ShipTo}, o.ExtraShipTo...) {
		out = append(out, renderAddress(st.hash, o, a))
	}
	return pageOf(r, out)
}

// listOrders is GET /v2/orders with the filters Consign uses:
// min_date_modified and sort (id, date_modified; :asc or :desc).
func (s *Server) listOrders(st *store, r *http.Request, _ []byte) answer {
	q := r.URL.Query()
	var since time.Time
	if v := q.Get("min_date_modified"); v != "" {
		var err error
		if since, err = parseDate(v); err != nil {
			return badRequest("min_date_modified: " + err.Error())
		}
	}
	var orders []*order
	for _, o := range st.orders {
		if !o.DateModified.Before(since) {
			orders = append(orders, o)
		}
	}
	field, dir, _ := strings.Cut(q.Get("sort"), ":")
	slices.SortFunc(orders, func(a, b *order) int {
		c := cmp.Compare(a.ID, b.ID)
		if field == "date_modified" {
			if c2 := a.DateModified.Compare(b.DateModified); c2 != 0 {
				c = c2
			}
		}
		if dir == "desc" {
			return -c
		}
		return c
	})
	out := make([]orderJSON, len(orders))
	for i, o := range orders {
		out[i] = s.renderOrder(st.hash, o)
	}
	return pageOf(r, out)
}

func parseDate(v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, time.RFC1123Z, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 2822 or ISO 8601 date", v)
}

func (s *Server) listShipments(st *store, r *http.Request, _ []byte) answer {
	o := orderOf(st, r)
	if o == nil {
		return notFound
	}
	out := make([]shipmentJSON, len(o.shipments))
	for i, sh := range o.shipments {
		out[i] = renderShipment(o, sh)
	}
	return pageOf(r, out)
}

// shippingProviders are the shipping_provider values the docs accept.
var shippingProviders = map[string]bool{
	"": true, "auspost": true, "canadapost": true, "endicia": true, "usps": true, "fedex": true,
	"royalmail": true, "ups": true, "upsready": true, "upsonline": true, "shipperhq": true,
}

// createShipment is POST /v2/orders/{id}/shipments: it checks the address
// and the quantities left to ship, records the shipment, and moves the order
// to Shipped or Partially Shipped.
func (s *Server) createShipment(st *store, r *http.Request, body []byte) answer {
	o := orderOf(st, r)
	if o == nil {
		return notFound
	}
	var in struct {
		OrderAddressID   json.Number `json:"order_address_id"`
		TrackingNumber   string      `json:"tracking_number"`
		ShippingProvider string      `json:"shipping_provider"`
		TrackingCarrier  string      `json:"tracking_carrier"`
		TrackingLink     string      `json:"tracking_link"`
		Comments         string      `json:"comments"`
		Items            []struct {
			OrderProductID int64 `json:"order_product_id"`
			Quantity       int   `json:"quantity"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return badRequest("The request body is not valid JSON: " + err.Error())
	}
	addrID, err := in.OrderAddressID.Int64()
	if err != nil {
		return badRequest("The field 'order_address_id' is required and must be an integer.")
	}
	if _, ok := o.address(addrID); !ok {
		return badRequest(fmt.Sprintf("The order address %d does not belong to order %d.", addrID, o.ID))
	}
	if !shippingProviders[in.ShippingProvider] {
		return badRequest(fmt.Sprintf("The shipping_provider %q is invalid.", in.ShippingProvider))
	}
	if len(in.Items) == 0 {
		return badRequest("The field 'items' cannot be empty.")
	}
	sh := Shipment{
		ID: s.nextID(), OrderID: o.ID, OrderAddressID: addrID, TrackingNumber: in.TrackingNumber,
		ShippingProvider: in.ShippingProvider, TrackingCarrier: in.TrackingCarrier,
		TrackingLink: in.TrackingLink, Comments: in.Comments, DateCreated: time.Now().UTC().Truncate(time.Second),
	}
	want := map[int64]int{}
	for _, it := range in.Items {
		i := slices.IndexFunc(o.Products, func(p Product) bool { return p.ID == it.OrderProductID })
		if i < 0 || o.Products[i].OrderAddressID != addrID {
			return badRequest(fmt.Sprintf("The order product %d is not shipped to address %d of order %d.", it.OrderProductID, addrID, o.ID))
		}
		want[it.OrderProductID] += it.Quantity
		p := o.Products[i]
		if it.Quantity <= 0 || want[it.OrderProductID] > p.Quantity-p.QuantityShipped {
			return badRequest(fmt.Sprintf("The quantity of order product %d exceeds the quantity left to ship (%d).", p.ID, p.Quantity-p.QuantityShipped))
		}
		sh.Items = append(sh.Items, ShipmentItem{OrderProductID: p.ID, ProductID: p.ProductID, Quantity: it.Quantity})
	}
	allShipped := true
	for i := range o.Products {
		o.Products[i].QuantityShipped += want[o.Products[i].ID]
		allShipped = allShipped && o.Products[i].QuantityShipped >= o.Products[i].Quantity
	}
	o.shipments = append(o.shipments, sh)
	o.StatusID = 3
	if allShipped {
		o.StatusID = 2
	}
	o.Status = statusNames[o.StatusID]
	o.touch()
	o.shipped = o.DateModified
	return answer{http.StatusCreated, renderShipment(o, sh)}
}
