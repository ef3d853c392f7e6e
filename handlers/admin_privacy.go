package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/consign/consign/app/privacy"
	adminview "github.com/consign/consign/views/admin"
)

// PrivacyRequests are the customers' data requests of a retailer.
type PrivacyRequests interface {
	DataRequests(ctx context.Context, retailerID int64) ([]privacy.DataRequest, error)
	DataRequest(ctx context.Context, retailerID, id int64) (privacy.DataRequest, privacy.Record, error)
}

// AdminPrivacy shows the retailer the customer data requests Shopify
// forwarded (customers/data_request), under the admin's session guard.
type AdminPrivacy struct {
	Admin    *Admin
	Requests PrivacyRequests
}

// Register mounts /app/privacy.
func (p *AdminPrivacy) Register(e *echo.Echo) {
	g := e.Group("/app/privacy", p.Admin.RequireSession)
	g.GET("", p.list)
	g.GET("/:id", p.show)
}

func (p *AdminPrivacy) list(c echo.Context) error {
	rid, err := adminRetailer(c)
	if err != nil {
		return err
	}
	rows, err := p.Requests.DataRequests(c.Request().Context(), rid)
	if err != nil {
		return err
	}
	out := make([]adminview.PrivacyRow, len(rows))
	for i, r := range rows {
		out[i] = privacyRow(r)
	}
	return render(c, http.StatusOK, adminview.PrivacyList(p.Admin.layout(c, "privacy", "Data requests"), out))
}

func (p *AdminPrivacy) show(c echo.Context) error {
	rid, err := adminRetailer(c)
	if err != nil {
		return err
	}
	id, err := adminPathID(c, "id")
	if err != nil {
		return err
	}
	row, rec, err := p.Requests.DataRequest(c.Request().Context(), rid, id)
	if err != nil {
		return err
	}
	pretty, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return fmt.Errorf("indent data request %d: %w", id, err)
	}
	d := adminview.PrivacyRequest{PrivacyRow: privacyRow(row), Events: len(rec.WebhookEvents), Truncated: rec.Truncated, JSON: string(pretty)}
	for _, o := range rec.Orders {
		v := adminview.PrivacyOrder{Name: o.Name, ExternalID: o.ExternalID, State: o.State}
		for _, l := range o.Lines {
			v.Lines = append(v.Lines, fmt.Sprintf("%d × %s %s", l.Quantity, l.SKU, l.Title))
		}
		for _, po := range o.PurchaseOrders {
			v.POs = append(v.POs, po.Number)
		}
		d.Orders = append(d.Orders, v)
	}
	return render(c, http.StatusOK, adminview.PrivacyDetail(p.Admin.layout(c, "privacy", "Data request"), d))
}

func privacyRow(r privacy.DataRequest) adminview.PrivacyRow {
	return adminview.PrivacyRow{ID: r.ID, CustomerRef: r.CustomerRef, CustomerEmail: r.CustomerEmail, RequestedAt: r.RequestedAt}
}
