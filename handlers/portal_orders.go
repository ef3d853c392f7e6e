package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/consign/consign/app/canonical"
	"github.com/consign/consign/app/money"
	"github.com/consign/consign/app/portal"
	"github.com/consign/consign/app/privacy"
	"github.com/consign/consign/app/purchasing"
	"github.com/consign/consign/models"
	"github.com/consign/consign/views/parts"
	views "github.com/consign/consign/views/portal"
)

func portalTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// LoadInbox reads one page of a supplier's inbox as the Inbox component
// shows it, with links under prefix. The embedded admin calls it too.
func (p *Portal) LoadInbox(c echo.Context, supplierID int64, prefix string) (views.InboxProps, error) {
	ctx := c.Request().Context()
	state := c.QueryParam("state")
	if state != "" && !slices.Contains(portal.InboxStates, state) {
		return views.InboxProps{}, echo.NewHTTPError(http.StatusBadRequest, "unknown state "+strconv.Quote(state))
	}
	rows, next, err := p.Sessions.Inbox(ctx, supplierID, portal.InboxParams{State: state, Cursor: c.QueryParam("cursor")})
	if err != nil {
		return views.InboxProps{}, err
	}
	counts, err := p.Sessions.StateCounts(ctx, supplierID)
	if err != nil {
		return views.InboxProps{}, err
	}
	props := views.InboxProps{Prefix: prefix, ExportURL: prefix + "/purchase-orders.csv"}
	total := 0
	for _, n := range counts {
		total += n
	}
	props.Filters = append(props.Filters, views.StateFilter{Label: views.StateLabel(""), Count: total, Active: state == ""})
	for _, s := range portal.InboxStates {
		props.Filters = append(props.Filters, views.StateFilter{State: s, Label: views.StateLabel(s), Count: counts[s], Active: state == s})
	}
	for _, r := range rows {
		props.Rows = append(props.Rows, views.InboxRow{ID: r.ID, Number: r.Number, Retailer: r.Retailer, OrderName: r.OrderName,
			State: r.State, Lines: r.Lines, Total: r.TotalCost.Format(r.Currency) + " " + r.Currency, Created: portalTime(r.CreatedAt)})
	}
	if next != "" {
		q := url.Values{"cursor": {next}}
		if state != "" {
			q.Set("state", state)
		}
		props.NextURL = prefix + "/purchase-orders?" + q.Encode()
	}
	return props, nil
}

// LoadPODetail reads one of the supplier's POs as the PODetail component
// shows it, with links under prefix; a foreign PO is models.ErrNotFound.
func (p *Portal) LoadPODetail(c echo.Context, supplierID, poID int64, prefix, csrf string) (views.PODetailProps, error) {
	ctx := c.Request().Context()
	po, err := p.Purchasing.Get(ctx, supplierID, poID)
	if err != nil {
		return views.PODetailProps{}, err
	}
	retailer, err := p.Sessions.RetailerName(ctx, supplierID, poID)
	if err != nil {
		return views.PODetailProps{}, err
	}
	shipments, err := p.Purchasing.Shipments(ctx, supplierID, poID)
	if err != nil {
		return views.PODetailProps{}, err
	}
	props := portalPODetailProps(po, retailer, shipments, prefix, csrf)
	if p.Timeline != nil {
		entries, err := p.Timeline(ctx, poID)
		if err != nil {
			return views.PODetailProps{}, err
		}
		for _, e := range entries {
			props.Messages = append(props.Messages, parts.Message{At: e.At, Direction: e.Direction, Channel: e.Channel,
				Kind: e.Kind, Name: e.Name, State: e.State, Note: e.Note, Body: e.Body, Truncated: e.Truncated})
		}
	}
	return props, nil
}

func portalPODetailProps(po models.PurchaseOrder, retailer string, shipments []models.Shipment, prefix, csrf string) views.PODetailProps {
	out := views.PODetailProps{
		Prefix: prefix, CSRF: csrf, ID: po.ID, Number: po.Number, State: po.State, Retailer: retailer,
		Total: po.TotalCost.Format(po.Currency) + " " + po.Currency, Created: portalTime(po.CreatedAt),
		CanAnswer: po.State == models.POSent,
	}
	if po.Order != nil {
		out.OrderName = po.Order.Name
	}
	var a canonical.Address
	if json.Unmarshal([]byte(po.ShipTo), &a) == nil {
		out.ShipTo = portalAddressLines(a)
	}
	out.ShipToRedacted = privacy.ShipToRedacted(po.ShipTo)
	shipped := map[int64]int{}
	skuOf := map[int64]string{}
	for _, l := range po.Lines {
		skuOf[l.ID] = l.SKU
	}
	for _, s := range shipments {
		var units []string
		for _, sl := range s.Lines {
			shipped[sl.POLineID] += sl.Quantity
			units = append(units, fmt.Sprintf("%s x%d", skuOf[sl.POLineID], sl.Quantity))
		}
		out.Shipments = append(out.Shipments, views.ShipmentView{Carrier: s.Carrier, TrackingNumber: s.TrackingNumber,
			TrackingURL: s.TrackingURL, State: s.State, Units: strings.Join(units, ", "), Created: portalTime(s.CreatedAt)})
	}
	shippable := po.State == models.POAccepted || po.State == models.POPartiallyShipped
	for _, l := range po.Lines {
		v := views.LineView{ID: l.ID, SKU: l.SKU, Title: l.Title, Quantity: l.Quantity, Cost: l.Cost.Format(po.Currency),
			Subtotal: (l.Cost * money.Amount(l.Quantity)).Format(po.Currency), State: l.State, Reason: l.Reason}
		if l.State != models.LineRejected {
			v.Unshipped = l.Quantity - shipped[l.ID]
		}
		if shippable && l.State == models.LineAccepted && v.Unshipped > 0 {
			out.CanShip = true
		}
		out.Lines = append(out.Lines, v)
	}
	for _, e := range po.Events {
		out.History = append(out.History, views.EventView{At: portalTime(e.CreatedAt), From: e.FromState, To: e.ToState, Reason: e.Reason, Actor: e.Actor})
	}
	for _, c := range portal.Carriers {
		out.Carriers = append(out.Carriers, c.Name)
	}
	out.Carriers = append(out.Carriers, portal.OtherCarrier)
	return out
}

func portalAddressLines(a canonical.Address) []string {
	var out []string
	add := func(parts ...string) {
		var kept []string
		for _, p := range parts {
			if p = strings.TrimSpace(p); p != "" {
				kept = append(kept, p)
			}
		}
		if len(kept) > 0 {
			out = append(out, strings.Join(kept, " "))
		}
	}
	add(a.Name)
	add(a.Company)
	add(a.Address1)
	add(a.Address2)
	add(a.City+",", a.ProvinceCode, a.Zip)
	add(a.Country)
	add(a.Phone)
	return out
}

func (p *Portal) inbox(c echo.Context) error {
	props, err := p.LoadInbox(c, portalSession(c).SupplierID, portalPrefix)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.InboxPage(p.layout(c, "Purchase orders", "inbox"), props))
}

// portalNotices say what a finished action did, after its redirect.
var portalNotices = map[string]string{
	"accepted": "Purchase order accepted.",
	"rejected": "Purchase order rejected. The retailer has been told why.",
	"lines":    "Lines updated.",
	"shipment": "Shipment added. The retailer's store gets the tracking shortly.",
}

func (p *Portal) poDetail(c echo.Context) error {
	id, err := poID(c)
	if err != nil {
		return err
	}
	props, err := p.LoadPODetail(c, portalSession(c).SupplierID, id, portalPrefix, portalCSRF(c))
	if err != nil {
		return err
	}
	props.Notice = portalNotices[c.QueryParam("done")]
	return render(c, http.StatusOK, views.PODetailPage(p.layout(c, props.Number, "inbox"), props))
}

// afterAction redirects to the PO on success; a refused action shows the PO
// again with why, keeping what was typed in the shipment form.
func (p *Portal) afterAction(c echo.Context, id int64, done string, form views.ShipmentForm, err error) error {
	if err == nil {
		return c.Redirect(http.StatusSeeOther, views.POURL(portalPrefix, id)+"?done="+done)
	}
	var ve *models.ValidationError
	var te *models.TransitionError
	status := http.StatusUnprocessableEntity
	switch {
	case errors.As(err, &ve):
	case errors.As(err, &te):
		status = http.StatusConflict
	default:
		return err
	}
	props, lerr := p.LoadPODetail(c, portalSession(c).SupplierID, id, portalPrefix, portalCSRF(c))
	if lerr != nil {
		return lerr
	}
	props.Error, props.Form = portalRefusal(err), form
	return render(c, status, views.PODetailPage(p.layout(c, props.Number, "inbox"), props))
}

// portalRefusal is what a person reads when an action is refused.
func portalRefusal(err error) string {
	var te *models.TransitionError
	if errors.As(err, &te) {
		return fmt.Sprintf("This purchase order is %s now, so that cannot be done.", views.StateLabel(te.From))
	}
	return err.Error()
}

func (p *Portal) acceptPO(c echo.Context) error {
	id, err := poID(c)
	if err != nil {
		return err
	}
	_, err = p.Purchasing.Accept(c.Request().Context(), portalSession(c).SupplierID, id, portalActor)
	return p.afterAction(c, id, "accepted", views.ShipmentForm{}, err)
}

func (p *Portal) rejectPO(c echo.Context) error {
	id, err := poID(c)
	if err != nil {
		return err
	}
	_, err = p.Purchasing.Reject(c.Request().Context(), portalSession(c).SupplierID, id, c.FormValue("reason"), portalActor)
	return p.afterAction(c, id, "rejected", views.ShipmentForm{}, err)
}

func (p *Portal) answerLines(c echo.Context) error {
	id, err := poID(c)
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
	sup, ctx := portalSession(c).SupplierID, c.Request().Context()
	switch form.Get("action") {
	case "accept":
		_, err = p.Purchasing.AcceptLines(ctx, sup, id, lines, portalActor)
	case "reject":
		_, err = p.Purchasing.RejectLines(ctx, sup, id, lines, form.Get("reason"), portalActor)
	default:
		return echo.NewHTTPError(http.StatusBadRequest, "action must be accept or reject")
	}
	return p.afterAction(c, id, "lines", views.ShipmentForm{}, err)
}

func (p *Portal) addShipment(c echo.Context) error {
	id, err := poID(c)
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
		_, err = p.Purchasing.AddShipment(c.Request().Context(), portalSession(c).SupplierID, id, in)
	}
	return p.afterAction(c, id, "shipment", typed, err)
}

// portalShipmentInput reads the shipment form: a listed carrier gets its
// tracking URL built unless one is given; Other needs a carrier name.
func portalShipmentInput(typed views.ShipmentForm, form url.Values) (purchasing.ShipmentInput, error) {
	in := purchasing.ShipmentInput{Carrier: strings.TrimSpace(typed.Carrier), TrackingNumber: strings.TrimSpace(typed.TrackingNumber),
		TrackingURL: strings.TrimSpace(typed.TrackingURL)}
	if in.Carrier == portal.OtherCarrier || in.Carrier == "" {
		in.Carrier = strings.TrimSpace(typed.CustomCarrier)
		if in.Carrier == "" {
			return in, &models.ValidationError{Message: "name the carrier when it is not in the list"}
		}
	}
	if in.TrackingURL == "" {
		in.TrackingURL = portal.TrackingURL(in.Carrier, in.TrackingNumber)
	}
	for name, vals := range form {
		rest, ok := strings.CutPrefix(name, "qty_")
		if !ok || len(vals) == 0 {
			continue
		}
		lineID, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			return in, &models.ValidationError{Message: "unknown line in the form"}
		}
		typed.Quantities[lineID] = vals[0]
		v := strings.TrimSpace(vals[0])
		if v == "" || v == "0" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return in, &models.ValidationError{Message: fmt.Sprintf("quantity %q is not a whole number", v)}
		}
		in.Lines = append(in.Lines, purchasing.ShipmentLineInput{LineID: lineID, Quantity: n})
	}
	slices.SortFunc(in.Lines, func(a, b purchasing.ShipmentLineInput) int { return int(a.LineID - b.LineID) })
	if len(in.Lines) == 0 {
		return in, &models.ValidationError{Message: "enter how many units of at least one line this shipment carries"}
	}
	return in, nil
}

// exportOpen streams the supplier's open POs as CSV.
func (p *Portal) exportOpen(c echo.Context) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="open-purchase-orders.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	if err := p.Sessions.ExportOpen(c.Request().Context(), portalSession(c).SupplierID, c.Response()); err != nil {
		// The header is sent: log it, and the truncated file shows the failure.
		p.Log.Error("export open purchase orders", "supplier_id", portalSession(c).SupplierID, "error", err)
	}
	return nil
}
