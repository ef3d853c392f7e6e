package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/consign/consign/app/canonical"
	"github.com/consign/consign/app/privacy"
	"github.com/consign/consign/app/purchasing"
	"github.com/consign/consign/app/ratelimit"
	"github.com/consign/consign/models"
)

// KeyAuthenticator resolves a supplier API key to its account.
type KeyAuthenticator interface {
	Authenticate(ctx context.Context, key string) (int64, error)
}

// SupplierAPI serves /api/v1 to suppliers, each scoped to its own POs.
type SupplierAPI struct {
	Keys       KeyAuthenticator
	Purchasing *purchasing.Service
	// PerKey limits requests per supplier account; Failures limits
	// refused keys per client, so keys cannot be guessed at speed.
	PerKey   *ratelimit.Limiter
	Failures *ratelimit.Limiter
}

const supplierKey = "supplier_id"

// RequireKey authenticates `Authorization: Bearer <api key>`.
func (a *SupplierAPI) RequireKey(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		// A client that keeps sending bad keys is refused before the lookup.
		if a.Failures != nil {
			if ok, wait := a.Failures.Peek(clientKey(c)); !ok {
				return tooMany(c, wait)
			}
		}
		key, ok := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Bearer ")
		if !ok || key == "" {
			a.failed(c)
			return echo.NewHTTPError(http.StatusUnauthorized, "an API key is required: Authorization: Bearer <key>")
		}
		id, err := a.Keys.Authenticate(c.Request().Context(), strings.TrimSpace(key))
		if errors.Is(err, models.ErrNotFound) {
			a.failed(c)
			return echo.NewHTTPError(http.StatusUnauthorized, "unknown or revoked API key")
		}
		if err != nil {
			return err
		}
		if a.PerKey != nil {
			if err := takeToken(c, a.PerKey, strconv.FormatInt(id, 10)); err != nil {
				return err
			}
		}
		c.Set(supplierKey, id)
		return next(c)
	}
}

// failed counts a refused key against the client.
func (a *SupplierAPI) failed(c echo.Context) {
	if a.Failures != nil {
		a.Failures.Allow(clientKey(c))
	}
}

func supplierOf(c echo.Context) int64 { return c.Get(supplierKey).(int64) }

// poID parses the :id path parameter; a malformed id is as absent as a foreign one.
func poID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.ErrNotFound
	}
	return id, nil
}

// List handles GET /api/v1/purchase-orders.
func (a *SupplierAPI) List(c echo.Context) error {
	p := purchasing.ListParams{State: c.QueryParam("state"), Cursor: c.QueryParam("cursor")}
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "limit must be a number")
		}
		p.Limit = n
	}
	pos, next, err := a.Purchasing.List(c.Request().Context(), supplierOf(c), p)
	if err != nil {
		return err
	}
	out := make([]poJSON, len(pos))
	for i := range pos {
		out[i] = toPOJSON(&pos[i])
	}
	return c.JSON(http.StatusOK, map[string]any{"purchase_orders": out, "next_cursor": next})
}

// Get handles GET /api/v1/purchase-orders/:id.
func (a *SupplierAPI) Get(c echo.Context) error {
	id, err := poID(c)
	if err != nil {
		return err
	}
	po, err := a.Purchasing.Get(c.Request().Context(), supplierOf(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPOJSON(&po))
}

// Accept handles POST /api/v1/purchase-orders/:id/accept.
func (a *SupplierAPI) Accept(c echo.Context) error {
	id, err := poID(c)
	if err != nil {
		return err
	}
	po, err := a.Purchasing.Accept(c.Request().Context(), supplierOf(c), id, "supplier api")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPOJSON(&po))
}

// Reject handles POST /api/v1/purchase-orders/:id/reject.
func (a *SupplierAPI) Reject(c echo.Context) error {
	id, err := poID(c)
	if err != nil {
		return err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	po, err := a.Purchasing.Reject(c.Request().Context(), supplierOf(c), id, in.Reason, "supplier api")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPOJSON(&po))
}

// AddShipment handles POST /api/v1/purchase-orders/:id/shipments.
func (a *SupplierAPI) AddShipment(c echo.Context) error {
	id, err := poID(c)
	if err != nil {
		return err
	}
	var in struct {
		Carrier        string `json:"carrier"`
		TrackingNumber string `json:"tracking_number"`
		TrackingURL    string `json:"tracking_url"`
		Lines          []struct {
			LineID   int64 `json:"line_id"`
			Quantity int   `json:"quantity"`
		} `json:"lines"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	si := purchasing.ShipmentInput{Carrier: in.Carrier, TrackingNumber: in.TrackingNumber, TrackingURL: in.TrackingURL}
	for _, l := range in.Lines {
		si.Lines = append(si.Lines, purchasing.ShipmentLineInput{LineID: l.LineID, Quantity: l.Quantity})
	}
	sh, err := a.Purchasing.AddShipment(c.Request().Context(), supplierOf(c), id, si)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toShipmentJSON(sh))
}

// decodeJSON reads a JSON body strictly: unknown fields and trailing data are 400.
func decodeJSON(c echo.Context, v any) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if ct != "" && !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, "send application/json")
	}
	body, err := readLimited(c, 1<<20)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "invalid JSON body: "+err.Error())
	}
	if dec.More() {
		return echo.NewHTTPError(http.StatusBadRequest, "invalid JSON body: trailing data")
	}
	return nil
}

type poJSON struct {
	ID        int64              `json:"id"`
	Number    string             `json:"number"`
	State     string             `json:"state"`
	Currency  string             `json:"currency"`
	TotalCost string             `json:"total_cost"`
	CreatedAt time.Time          `json:"created_at"`
	UpdatedAt time.Time          `json:"updated_at"`
	Order     *orderRefJSON      `json:"order,omitempty"`
	ShipTo    *canonical.Address `json:"ship_to,omitempty"`
	// ShipToRedacted: the store withheld the recipient (protected customer
	// data) or it was erased; ask the retailer for the address.
	ShipToRedacted bool          `json:"ship_to_redacted"`
	Lines          []poLineJSON  `json:"lines,omitempty"`
	History        []poEventJSON `json:"history,omitempty"`
}

type orderRefJSON struct {
	Platform   string `json:"platform"`
	ExternalID string `json:"external_id"`
	Name       string `json:"name"`
}

type poLineJSON struct {
	ID       int64  `json:"id"`
	SKU      string `json:"sku"`
	Title    string `json:"title"`
	Quantity int    `json:"quantity"`
	Cost     string `json:"cost"`
	State    string `json:"state"`
	Reason   string `json:"reason,omitempty"`
}

type poEventJSON struct {
	From   string    `json:"from,omitempty"`
	To     string    `json:"to"`
	Reason string    `json:"reason,omitempty"`
	Actor  string    `json:"actor,omitempty"`
	At     time.Time `json:"at"`
}

func toPOJSON(po *models.PurchaseOrder) poJSON {
	out := poJSON{
		ID: po.ID, Number: po.Number, State: po.State, Currency: po.Currency,
		TotalCost: po.TotalCost.Format(po.Currency), CreatedAt: po.CreatedAt, UpdatedAt: po.UpdatedAt,
	}
	if po.Order != nil {
		out.Order = &orderRefJSON{Platform: po.Order.Platform, ExternalID: po.Order.ExternalID, Name: po.Order.Name}
	}
	var addr canonical.Address
	if json.Unmarshal([]byte(po.ShipTo), &addr) == nil {
		out.ShipTo = &addr
	}
	out.ShipToRedacted = privacy.ShipToRedacted(po.ShipTo)
	for _, l := range po.Lines {
		out.Lines = append(out.Lines, poLineJSON{ID: l.ID, SKU: l.SKU, Title: l.Title, Quantity: l.Quantity,
			Cost: l.Cost.Format(po.Currency), State: l.State, Reason: l.Reason})
	}
	for _, e := range po.Events {
		out.History = append(out.History, poEventJSON{From: e.FromState, To: e.ToState, Reason: e.Reason, Actor: e.Actor, At: e.CreatedAt})
	}
	return out
}

type shipmentJSON struct {
	ID             int64          `json:"id"`
	Carrier        string         `json:"carrier"`
	TrackingNumber string         `json:"tracking_number"`
	TrackingURL    string         `json:"tracking_url"`
	State          string         `json:"state"`
	Lines          []shipLineJSON `json:"lines"`
}

type shipLineJSON struct {
	LineID   int64 `json:"line_id"`
	Quantity int   `json:"quantity"`
}

func toShipmentJSON(sh models.Shipment) shipmentJSON {
	out := shipmentJSON{ID: sh.ID, Carrier: sh.Carrier, TrackingNumber: sh.TrackingNumber, TrackingURL: sh.TrackingURL, State: sh.State}
	for _, l := range sh.Lines {
		out.Lines = append(out.Lines, shipLineJSON{LineID: l.POLineID, Quantity: l.Quantity})
	}
	return out
}
