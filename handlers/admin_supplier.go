package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/consign/consign/models"
	adminview "github.com/consign/consign/views/admin"
	views "github.com/consign/consign/views/portal"
)

// The embedded admin of a supplier with its own store shows the portal's
// inbox and PO pages, under the session-token guard instead of the portal's
// cookie and CSRF token (a bearer header is not sent by a forged form).
const supplierPrefix = "/app"

// adminActor is who the PO history names for actions taken here.
const adminActor = "supplier (store admin)"

func (a *Admin) registerSupplierPages(g *echo.Group) {
	if a.SupplierPages == nil {
		return
	}
	g.GET("/purchase-orders", a.supplierInbox)
	g.GET("/purchase-orders/:id", a.supplierPO)
	g.POST("/purchase-orders/:id/accept", a.supplierAccept)
	g.POST("/purchase-orders/:id/reject", a.supplierReject)
	g.POST("/purchase-orders/:id/lines", a.supplierLines)
	g.POST("/purchase-orders/:id/shipments", a.supplierShipment)
}

// adminSupplier is the signed-in supplier's account id; a store that is
// only a retailer has no supplier pages.
func adminSupplier(c echo.Context) (int64, error) {
	s := adminSession(c)
	if !s.Account.IsSupplier {
		return 0, echo.NewHTTPError(http.StatusNotFound, "this store is not a supplier on Consign")
	}
	return s.Account.ID, nil
}

func (a *Admin) supplierInbox(c echo.Context) error {
	sup, err := adminSupplier(c)
	if err != nil {
		return err
	}
	props, err := a.SupplierPages.LoadInbox(c, sup, supplierPrefix)
	if err != nil {
		return err
	}
	props.ExportURL = "" // a download does not belong in an htmx-boosted frame
	return render(c, http.StatusOK, adminview.SupplierInbox(a.layout(c, "purchase-orders", "Purchase orders"), props))
}

func (a *Admin) supplierPO(c echo.Context) error {
	return a.showSupplierPO(c, http.StatusOK, "", "", views.ShipmentForm{})
}

func (a *Admin) showSupplierPO(c echo.Context, status int, notice, refused string, form views.ShipmentForm) error {
	sup, err := adminSupplier(c)
	if err != nil {
		return err
	}
	id, err := adminPathID(c, "id")
	if err != nil {
		return err
	}
	props, err := a.SupplierPages.LoadPODetail(c, sup, id, supplierPrefix, "")
	if err != nil {
		return err
	}
	props.Notice, props.Error = notice, refused
	if refused != "" {
		props.Form = form
	}
	adminPushURL(c, views.POURL(supplierPrefix, id))
	return render(c, status, adminview.SupplierPO(a.layout(c, "purchase-orders", props.Number), props))
}

// afterSupplierAction shows the PO with what the action did, or why it was
// refused (keeping the typed shipment form).
func (a *Admin) afterSupplierAction(c echo.Context, done string, form views.ShipmentForm, err error) error {
	var ve *models.ValidationError
	var te *models.TransitionError
	switch {
	case err == nil:
		return a.showSupplierPO(c, http.StatusOK, portalNotices[done], "", form)
	case errors.As(err, &ve):
		return a.showSupplierPO(c, http.StatusUnprocessableEntity, "", portalRefusal(err), form)
	case errors.As(err, &te):
		return a.showSupplierPO(c, http.StatusConflict, "", portalRefusal(err), form)
	}
	return err
}

func (a *Admin) supplierAccept(c echo.Context) error {
	sup, id, err := a.supplierAndPO(c)
	if err != nil {
		return err
	}
	_, err = a.SupplierPages.Purchasing.Accept(c.Request().Context(), sup, id, adminActor)
	return a.afterSupplierAction(c, "accepted", views.ShipmentForm{}, err)
}

func (a *Admin) supplierReject(c echo.Context) error {
	sup, id, err := a.supplierAndPO(c)
	if err != nil {
		return err
	}
	_, err = a.SupplierPages.Purchasing.Reject(c.Request().Context(), sup, id, c.FormValue("reason"), adminActor)
	return a.afterSupplierAction(c, "rejected", views.ShipmentForm{}, err)
}

func (a *Admin) supplierLines(c echo.Context) error {
	sup, id, err := a.supplierAndPO(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "unreadable form")
	}
	var lines []int64
	for _, v := range form["line_id"] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "line_id must be a number")
		}
		lines = append(lines, n)
	}
	ctx, purchasing := c.Request().Context(), a.SupplierPages.Purchasing
	switch form.Get("action") {
	case "accept":
		_, err = purchasing.AcceptLines(ctx, sup, id, lines, adminActor)
	case "reject":
		_, err = purchasing.RejectLines(ctx, sup, id, lines, form.Get("reason"), adminActor)
	default:
		return echo.NewHTTPError(http.StatusBadRequest, "action must be accept or reject")
	}
	return a.afterSupplierAction(c, "lines", views.ShipmentForm{}, err)
}

func (a *Admin) supplierShipment(c echo.Context) error {
	sup, id, err := a.supplierAndPO(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "unreadable form")
	}
	typed := views.ShipmentForm{Carrier: form.Get("carrier"), CustomCarrier: form.Get("custom_carrier"),
		TrackingNumber: form.Get("tracking_number"), TrackingURL: form.Get("tracking_url"), Quantities: map[int64]string{}}
	in, err := portalShipmentInput(typed, form)
	if err == nil {
		_, err = a.SupplierPages.Purchasing.AddShipment(c.Request().Context(), sup, id, in)
	}
	return a.afterSupplierAction(c, "shipment", typed, err)
}

func (a *Admin) supplierAndPO(c echo.Context) (int64, int64, error) {
	sup, err := adminSupplier(c)
	if err != nil {
		return 0, 0, err
	}
	id, err := adminPathID(c, "id")
	if err != nil {
		return 0, 0, fmt.Errorf("purchase order: %w", err)
	}
	return sup, id, nil
}
