package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/consign/consign/app/accounts"
	"github.com/consign/consign/app/apptest"
	"github.com/consign/consign/app/catalog"
	"github.com/consign/consign/models"
)

// post sends body with headers to a path of the harness and returns the
// status and answer.
func post(t testing.TB, h *apptest.Harness, path string, body []byte, headers http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.URL+path, strings.NewReader(string(body)))
	apptest.Must(t, err)
	for k, v := range headers {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	apptest.Must(t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(raw)
}

// retailerSupplier adds a supplier of the retailer with a catalog of
// sku,title,cost rows and returns its id and API key.
func retailerSupplier(t *testing.T, h *apptest.Harness, retailerID int64, name, csv string) (int64, string) {
	t.Helper()
	ctx := context.Background()
	sup, key, err := h.App.Accounts.AddSupplier(ctx, retailerID, accounts.SupplierInput{Name: name, Priority: 1})
	apptest.Must(t, err)
	rep, err := catalog.Import(ctx, h.App.DB, sup.ID, "USD", strings.NewReader(csv), time.Now().UTC())
	if err != nil || rep.Bad > 0 {
		t.Fatalf("import catalog of %s: %v %+v", name, err, rep.Errors)
	}
	return sup.ID, key
}

// connection finds a store's connection.
func connection(t *testing.T, h *apptest.Harness, platform, shop string) models.Connection {
	t.Helper()
	var c models.Connection
	apptest.Must(t, h.App.DB.Gorm.Where("platform = ? AND shop = ?", platform, shop).Take(&c).Error)
	return c
}

// orderOf finds the order Consign holds for a store order.
func orderOf(t *testing.T, h *apptest.Harness, connID int64, externalID string) (models.Order, bool) {
	t.Helper()
	var o models.Order
	err := h.App.DB.Gorm.Preload("Lines").Where("connection_id = ? AND external_id = ?", connID, externalID).Limit(1).Find(&o).Error
	apptest.Must(t, err)
	return o, o.ID != 0
}

// posOf lists the POs of an order with their lines.
func posOf(t *testing.T, h *apptest.Harness, orderID int64) []models.PurchaseOrder {
	t.Helper()
	var list []models.PurchaseOrder
	apptest.Must(t, h.App.DB.Gorm.Preload("Lines").Where("order_id = ?", orderID).Order("id").Find(&list).Error)
	return list
}

// shipWhole accepts a PO and ships all of it through the supplier API.
func shipWhole(t *testing.T, h *apptest.Harness, key string, po models.PurchaseOrder, tracking string) {
	t.Helper()
	api := apiClient{t: t, url: h.URL + "/api/v1", key: key}
	if code, body := api.do("POST", fmt.Sprintf("/purchase-orders/%d/accept", po.ID), ""); code != 200 {
		t.Fatalf("accept PO %d: %d %v", po.ID, code, body)
	}
	var lines []string
	for _, l := range po.Lines {
		lines = append(lines, fmt.Sprintf(`{"line_id":%d,"quantity":%d}`, l.ID, l.Quantity))
	}
	ship := fmt.Sprintf(`{"carrier":"UPS","tracking_number":%q,"lines":[%s]}`, tracking, strings.Join(lines, ","))
	if code, body := api.do("POST", fmt.Sprintf("/purchase-orders/%d/shipments", po.ID), ship); code != 201 && code != 200 {
		t.Fatalf("ship PO %d: %d %v", po.ID, code, body)
	}
}
