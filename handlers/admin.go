package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/consign/consign/app/admin"
	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/app/install"
	"github.com/consign/consign/app/platforms/bigcommerce"
	"github.com/consign/consign/app/platforms/shopify"
	"github.com/consign/consign/models"
	"github.com/consign/consign/static"
	adminview "github.com/consign/consign/views/admin"
)

// Admin serves the embedded retailer admin under /app, guarded by Shopify
// session tokens.
type Admin struct {
	Service *admin.Service
	Assets  *static.Assets
	APIKey  string // SHOPIFY_API_KEY: the audience of session tokens
	Secret  []byte // SHOPIFY_API_SECRET: signs session tokens
	Now     func() time.Time
	// MaxUpload bounds a catalog upload in bytes (default 64 MiB).
	MaxUpload int64
	// SupplierPages, when set, shows suppliers with their own store the
	// portal's inbox and PO pages under /app.
	SupplierPages *Portal
	// Installer, when set, gets an offline token by token exchange for a
	// shop that opens the admin without a usable one (first install,
	// reinstall), before the shop must be connected.
	Installer SessionInstaller
	// Sessions checks Consign's own session cookies, which admit stores on
	// platforms other than Shopify (opened from BigCommerce's control
	// panel, or after a WooCommerce connect).
	Sessions AdminSessions
	// Reconnect starts a WooCommerce reconnect for the signed-in store:
	// the one way its keys are replaced.
	Reconnect WooCommerceConnector
}

// AdminSessions checks and ends Consign's own admin sessions (app/admin).
type AdminSessions interface {
	Authenticate(ctx context.Context, token string) (admin.Session, error)
	Revoke(ctx context.Context, token string) error
}

// SessionInstaller installs a shop from a verified session token (app/install).
type SessionInstaller interface {
	EnsureInstalled(ctx context.Context, shop, sessionToken string) error
}

// sessionLeeway forgives clock skew between Shopify and us.
const sessionLeeway = 5 * time.Second

const adminSessionKey = "admin_session"

// Register mounts the admin. Every route, and every unknown path under
// /app, passes the session check first.
func (a *Admin) Register(e *echo.Echo) {
	g := e.Group("/app", a.RequireSession)
	g.GET("", a.dashboard)
	g.GET("/", a.dashboard)
	g.GET("/orders", a.orders)
	g.GET("/orders/:id", a.order)
	g.POST("/orders/:id/events/:event/replay", a.replay)
	g.GET("/attention", a.attention)
	g.POST("/attention/map", a.mapLine)
	g.GET("/suppliers", a.suppliers)
	g.POST("/suppliers", a.addSupplier)
	g.GET("/suppliers/:id", a.supplier)
	g.POST("/suppliers/:id/terms", a.updateTerms)
	g.POST("/suppliers/:id/channel", a.setChannel)
	g.POST("/suppliers/:id/channel/test", a.testChannel)
	g.POST("/suppliers/:id/invite", a.invite)
	g.POST("/suppliers/:id/catalog", a.uploadCatalog)
	g.GET("/settings", a.settings)
	g.POST("/settings", a.updateSettings)
	g.POST("/sign-out", a.signOut)
	g.POST("/store/reconnect", a.reconnect)
	a.registerSupplierPages(g)
}

// RequireSession admits a request of a signed-in store admin, by one of two
// proofs. Inside Shopify's admin: a Shopify session token (the id_token
// query parameter on the first load, `Authorization: Bearer` after) whose
// shop is connected, installing it first by token exchange when Installer
// is set; a failure is 401 with the header that tells App Bridge to fetch
// a fresh token and retry. Elsewhere (BigCommerce, WooCommerce): Consign's
// own session cookie, whose forms and htmx requests must also carry the
// session's CSRF token. Every response may be framed only by the store's
// admin.
func (a *Admin) RequireSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", adminCSP(adminFrameAncestors(c.QueryParam("shop"))))
		token, bearer := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Bearer ")
		if !bearer {
			token = c.QueryParam("id_token")
		}
		token = strings.TrimSpace(token)
		if token == "" && a.Sessions != nil {
			if ck, err := c.Cookie(adminCookie); err == nil && ck.Value != "" {
				return a.ownSession(c, ck.Value, next)
			}
		}
		claims, err := shopify.VerifySessionToken(token, a.APIKey, a.Secret, a.Now(), sessionLeeway)
		if err != nil {
			return unauthorizedSession(c, err)
		}
		ctx := c.Request().Context()
		// The app's document load (id_token in the query) makes sure the
		// shop has a usable token; later requests only when the shop is not
		// connected (new, or reinstalled), so they cost no extra query.
		if a.Installer != nil && c.QueryParam("id_token") != "" {
			if err := a.ensureInstalled(c, claims.Shop(), token); err != nil {
				return err
			}
		}
		sess, err := a.Service.SessionFor(ctx, models.PlatformShopify, claims.Shop())
		if errors.Is(err, models.ErrNotFound) && a.Installer != nil {
			if err := a.ensureInstalled(c, claims.Shop(), token); err != nil {
				return err
			}
			sess, err = a.Service.SessionFor(ctx, models.PlatformShopify, claims.Shop())
		}
		if errors.Is(err, models.ErrNotFound) {
			return unauthorizedSession(c, err)
		}
		if err != nil {
			return err
		}
		h.Set("Content-Security-Policy", adminCSP(adminFrameAncestors(sess.Shop)))
		c.Set(adminSessionKey, sess)
		return next(c)
	}
}

// ownSession admits a Consign session cookie whose store is still
// connected; a request that changes something must carry its CSRF token.
func (a *Admin) ownSession(c echo.Context, token string, next echo.HandlerFunc) error {
	h := c.Response().Header()
	h.Set("Content-Security-Policy", adminCSP("'none'"))
	sess, err := a.Sessions.Authenticate(c.Request().Context(), token)
	if errors.Is(err, admin.ErrInvalidSession) {
		clearAdminCookie(c)
		return expiredOwnSession(err)
	}
	if err != nil {
		return err
	}
	h.Set("Content-Security-Policy", adminCSP(frameAncestorsFor(sess.Platform, sess.Shop)))
	if !safeMethod(c.Request().Method) {
		sent := c.Request().Header.Get(echo.HeaderXCSRFToken)
		if sent == "" {
			sent = c.FormValue(adminCSRFField)
		}
		if !admin.CheckCSRF(sess, sent) {
			return echo.NewHTTPError(http.StatusForbidden, "this form has expired: reload the page and try again")
		}
	}
	c.Set(adminSessionKey, sess)
	return next(c)
}

// adminCSRFField is the form field of a cookie session's CSRF token (htmx
// requests send it in X-CSRF-Token instead).
const adminCSRFField = "_csrf"

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// expiredOwnSession refuses a Consign session; the merchant opens the app
// from the store again for a new one.
func expiredOwnSession(cause error) error {
	return echo.NewHTTPError(http.StatusUnauthorized, "Your session has expired or the store is no longer connected: open Consign from your store's admin again.").
		SetInternal(errors.New(cause.Error()))
}

// frameAncestorsFor names who may frame the admin of a store on a platform
// other than Shopify: BigCommerce's control panel of that store; nobody for
// WooCommerce, whose admin opens Consign in its own tab.
func frameAncestorsFor(platform, shop string) string {
	if platform == models.PlatformBigCommerce && bigcommerce.ValidateStoreHash(shop) == nil {
		return "https://store-" + shop + ".mybigcommerce.com"
	}
	return "'none'"
}

// ensureInstalled exchanges a verified session token for an offline token
// when the shop has no usable one; Shopify refusing the token is a 401.
func (a *Admin) ensureInstalled(c echo.Context, shop, token string) error {
	err := a.Installer.EnsureInstalled(c.Request().Context(), shop, strings.TrimSpace(token))
	if errors.Is(err, install.ErrSessionRefused) {
		return unauthorizedSession(c, err)
	}
	return err
}

func unauthorizedSession(c echo.Context, cause error) error {
	c.Response().Header().Set("X-Shopify-Retry-Invalid-Session-Request", "1")
	// The cause is kept as text for the log only: wrapped, a not-found
	// cause would turn the 401 into a 404.
	return echo.NewHTTPError(http.StatusUnauthorized, "Your session is missing, expired or invalid: open Consign from your store's admin again.").
		SetInternal(errors.New(cause.Error()))
}

// adminFrameAncestors lets Shopify's admin, and the shop's own admin when the
// shop is a valid domain, frame the page.
func adminFrameAncestors(shop string) string {
	if shop != "" && shopify.ValidateShop(shop) == nil {
		return "https://" + strings.ToLower(shop) + " https://admin.shopify.com"
	}
	return "https://admin.shopify.com"
}

func adminSession(c echo.Context) admin.Session { return c.Get(adminSessionKey).(admin.Session) }

// adminRetailer is the signed-in retailer's account id. A supplier-only store
// has no retailer pages.
func adminRetailer(c echo.Context) (int64, error) {
	s := adminSession(c)
	if !s.Account.IsRetailer {
		return 0, echo.NewHTTPError(http.StatusNotFound, "this store is not a retailer on Consign")
	}
	return s.Account.ID, nil
}

// layout is the shell of a page in one section.
func (a *Admin) layout(c echo.Context, nav, title string) adminview.Layout {
	acct := adminSession(c).Account
	s := adminSession(c)
	return adminview.Layout{
		Title: title, Nav: nav, Shop: s.Shop, APIKey: a.appBridgeKey(c), CSRF: s.CSRF, SignOut: s.Cookie,
		Retailer: acct.IsRetailer, Supplier: acct.IsSupplier && a.SupplierPages != nil,
		CSS: a.Assets.URL("app.css"), HTMX: a.Assets.URL("htmx.min.js"), JS: a.Assets.URL("admin.js"),
	}
}

// appBridgeKey is the Shopify client id for App Bridge, only for pages
// Shopify's admin frames: elsewhere App Bridge has no host to talk to.
func (a *Admin) appBridgeKey(c echo.Context) string {
	if adminSession(c).Platform != models.PlatformShopify {
		return ""
	}
	return a.APIKey
}

// storeCard describes the signed-in store for the settings page.
func (a *Admin) storeCard(c echo.Context) adminview.StoreCard {
	s := adminSession(c)
	return adminview.StoreCard{Platform: s.Platform, Shop: s.Shop,
		Reconnect: a.Reconnect != nil && s.Platform == models.PlatformWooCommerce}
}

// adminPushURL tells a boosted htmx form which URL the page it got belongs to,
// so the address bar shows the page, not the action.
func adminPushURL(c echo.Context, url string) {
	c.Response().Header().Set("HX-Push-Url", url)
}

// adminPathID parses a path parameter; a malformed id is as absent as a foreign one.
func adminPathID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%s %q: %w", name, c.Param(name), models.ErrNotFound)
	}
	return id, nil
}

// adminFormInt parses a whole-number form field.
func adminFormInt(c echo.Context, name, label string) (int, error) {
	v := strings.TrimSpace(c.FormValue(name))
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, &models.ValidationError{Message: fmt.Sprintf("%s must be a whole number", label)}
	}
	return n, nil
}

// adminFormID parses an id form field; a malformed one is not found.
func adminFormID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(c.FormValue(name)), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%s %q: %w", name, c.FormValue(name), models.ErrNotFound)
	}
	return id, nil
}

// adminRefusal returns the message of a validation error, or false.
func adminRefusal(err error) (string, bool) {
	var ve *models.ValidationError
	if errors.As(err, &ve) {
		return ve.Message, true
	}
	return "", false
}

func (a *Admin) dashboard(c echo.Context) error {
	// A supplier's own store opens on its purchase orders.
	if acct := adminSession(c).Account; !acct.IsRetailer && acct.IsSupplier && a.SupplierPages != nil {
		return a.supplierInbox(c)
	}
	if _, err := adminRetailer(c); err != nil {
		return err
	}
	d, err := a.Service.Dashboard(c.Request().Context(), adminSession(c).Account)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, adminview.Dashboard(a.layout(c, "dashboard", "Dashboard"), d))
}

func (a *Admin) orders(c echo.Context) error {
	rid, err := adminRetailer(c)
	if err != nil {
		return err
	}
	page, _ := strconv.Atoi(c.QueryParam("page"))
	p, err := a.Service.Orders(c.Request().Context(), rid, admin.OrderQuery{
		Search: c.QueryParam("q"), State: c.QueryParam("state"), Page: page,
	})
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, adminview.Orders(a.layout(c, "orders", "Orders"), p))
}

func (a *Admin) order(c echo.Context) error {
	return a.renderOrder(c, http.StatusOK, "")
}

// renderOrder shows the order of the :id parameter, with a notice.
func (a *Admin) renderOrder(c echo.Context, status int, flash string) error {
	rid, err := adminRetailer(c)
	if err != nil {
		return err
	}
	id, err := adminPathID(c, "id")
	if err != nil {
		return err
	}
	return a.showOrder(c, status, rid, id, flash)
}

func (a *Admin) showOrder(c echo.Context, status int, rid, orderID int64, flash string) error {
	d, err := a.Service.Order(c.Request().Context(), rid, orderID)
	if err != nil {
		return err
	}
	l := a.layout(c, "orders", "Order "+d.Order.Name)
	l.Flash = flash
	adminPushURL(c, fmt.Sprintf("/app/orders/%d", orderID))
	return render(c, status, adminview.Order(l, d))
}

func (a *Admin) replay(c echo.Context) error {
	rid, err := adminRetailer(c)
	if err != nil {
		return err
	}
	orderID, err := adminPathID(c, "id")
	if err != nil {
		return err
	}
	eventID, err := adminPathID(c, "event")
	if err != nil {
		return err
	}
	if err := a.Service.Replay(c.Request().Context(), rid, orderID, eventID); err != nil {
		return err
	}
	return a.showOrder(c, http.StatusOK, rid, orderID, fmt.Sprintf("Webhook event %d is queued to be processed again.", eventID))
}

func (a *Admin) attention(c echo.Context) error {
	return a.renderAttention(c, http.StatusOK, "")
}

func (a *Admin) renderAttention(c echo.Context, status int, refused string) error {
	rid, err := adminRetailer(c)
	if err != nil {
		return err
	}
	orders, total, err := a.Service.Attention(c.Request().Context(), rid)
	if err != nil {
		return err
	}
	l := a.layout(c, "attention", "Needs attention")
	l.Error = refused
	adminPushURL(c, "/app/attention")
	return render(c, status, adminview.Attention(l, orders, total))
}

func (a *Admin) mapLine(c echo.Context) error {
	rid, err := adminRetailer(c)
	if err != nil {
		return err
	}
	lineID, err := adminFormID(c, "line_id")
	if err != nil {
		return err
	}
	itemID, err := adminFormID(c, "item_id")
	if err != nil {
		return err
	}
	res, err := a.Service.MapLine(c.Request().Context(), rid, lineID, itemID)
	if msg, ok := adminRefusal(err); ok {
		return a.renderAttention(c, http.StatusUnprocessableEntity, msg)
	}
	if err != nil {
		return err
	}
	return a.showOrder(c, http.StatusOK, rid, res.OrderID, mapNotice(res))
}

// mapNotice says what mapping a line and routing again did.
func mapNotice(res admin.MapResult) string {
	msg := fmt.Sprintf("Mapped to %s of %s.", res.SKU, res.Supplier)
	switch {
	case res.Route.Why != "":
		msg += " The order was not routed: " + res.Route.Why + "."
	case len(res.Route.Created) > 0:
		msg += " Created " + strings.Join(res.Route.Created, ", ") + "."
	case len(res.Route.Extended) > 0:
		msg += " Added to " + strings.Join(res.Route.Extended, ", ") + "."
	}
	if n := len(res.Route.Unmatched); n > 0 {
		msg += fmt.Sprintf(" %d line(s) still need attention.", n)
	}
	return msg
}

func (a *Admin) suppliers(c echo.Context) error {
	return a.renderSuppliers(c, http.StatusOK, adminview.SupplierForm{Priority: "100"}, "", "")
}

func (a *Admin) renderSuppliers(c echo.Context, status int, form adminview.SupplierForm, newKey, refused string) error {
	rid, err := adminRetailer(c)
	if err != nil {
		return err
	}
	rows, err := a.Service.Suppliers(c.Request().Context(), rid)
	if err != nil {
		return err
	}
	l := a.layout(c, "suppliers", "Suppliers")
	l.Error = refused
	if newKey != "" {
		l.Flash = "Supplier added."
	}
	adminPushURL(c, "/app/suppliers")
	return render(c, status, adminview.Suppliers(l, rows, form, newKey))
}

func (a *Admin) addSupplier(c echo.Context) error {
	rid, err := adminRetailer(c)
	if err != nil {
		return err
	}
	form := adminview.SupplierForm{Name: c.FormValue("name"), Email: strings.TrimSpace(c.FormValue("email")),
		Strategy: c.FormValue("strategy"), Priority: c.FormValue("priority")}
	priority, err := adminFormInt(c, "priority", "Priority")
	if err == nil {
		_, key, addErr := a.Service.AddSupplier(c.Request().Context(), rid, accountsSupplierInput(form, priority))
		if addErr == nil {
			return a.renderSuppliers(c, http.StatusCreated, adminview.SupplierForm{Priority: "100"}, key, "")
		}
		err = addErr
	}
	if msg, ok := adminRefusal(err); ok {
		return a.renderSuppliers(c, http.StatusUnprocessableEntity, form, "", msg)
	}
	return err
}

func (a *Admin) supplier(c echo.Context) error {
	rid, err := adminRetailer(c)
	if err != nil {
		return err
	}
	id, err := adminPathID(c, "id")
	if err != nil {
		return err
	}
	page, _ := strconv.Atoi(c.QueryParam("page"))
	cat, err := a.Service.Catalog(c.Request().Context(), rid, id, c.QueryParam("q"), page)
	if err != nil {
		return err
	}
	// A search swaps in only the table.
	if c.Request().Header.Get("HX-Target") == "catalog" {
		return render(c, http.StatusOK, adminview.CatalogTable(id, cat))
	}
	return a.showSupplier(c, http.StatusOK, rid, id, adminview.SupplierPage{Catalog: cat}, "", "")
}

// showSupplier renders a supplier's page; p carries what the action made.
func (a *Admin) showSupplier(c echo.Context, status int, rid, id int64, p adminview.SupplierPage, flash, refused string) error {
	ctx := c.Request().Context()
	sup, err := a.Service.Supplier(ctx, rid, id)
	if err != nil {
		return err
	}
	p.Supplier = sup
	if p.Settings, p.HasSecret, err = a.Service.ChannelOf(ctx, rid, id); err != nil {
		return err
	}
	if p.Catalog.Page == 0 {
		if p.Catalog, err = a.Service.Catalog(ctx, rid, id, "", 1); err != nil {
			return err
		}
	}
	l := a.layout(c, "suppliers", sup.Name)
	l.Flash, l.Error = flash, refused
	adminPushURL(c, fmt.Sprintf("/app/suppliers/%d", id))
	return render(c, status, adminview.Supplier(l, p))
}

func (a *Admin) updateTerms(c echo.Context) error {
	rid, err := adminRetailer(c)
	if err != nil {
		return err
	}
	id, err := adminPathID(c, "id")
	if err != nil {
		return err
	}
	priority, err := adminFormInt(c, "priority", "Priority")
	if err == nil {
		err = a.Service.UpdateTerms(c.Request().Context(), rid, id, admin.Terms{
			Strategy: c.FormValue("strategy"), Priority: priority, Channel: c.FormValue("channel"),
			Active: c.FormValue("active") != "",
		})
	}
	if msg, ok := adminRefusal(err); ok {
		return a.showSupplier(c, http.StatusUnprocessableEntity, rid, id, adminview.SupplierPage{}, "", msg)
	}
	if err != nil {
		return err
	}
	return a.showSupplier(c, http.StatusOK, rid, id, adminview.SupplierPage{}, "Terms saved.", "")
}

func (a *Admin) invite(c echo.Context) error {
	rid, err := adminRetailer(c)
	if err != nil {
		return err
	}
	id, err := adminPathID(c, "id")
	if err != nil {
		return err
	}
	link, err := a.Service.Invite(c.Request().Context(), rid, id)
	if msg, ok := adminRefusal(err); ok {
		return a.showSupplier(c, http.StatusUnprocessableEntity, rid, id, adminview.SupplierPage{}, "", msg)
	}
	if err != nil {
		return err
	}
	return a.showSupplier(c, http.StatusOK, rid, id, adminview.SupplierPage{InviteLink: link},
		"Invite link created: send it to the supplier.", "")
}

func (a *Admin) settings(c echo.Context) error {
	if _, err := adminRetailer(c); err != nil {
		return err
	}
	s := a.Service.Settings(adminSession(c).Account)
	return render(c, http.StatusOK, adminview.Settings(a.layout(c, "settings", "Settings"), s, a.storeCard(c)))
}

// signOut ends a cookie session (Shopify's admin signs its own users out).
func (a *Admin) signOut(c echo.Context) error {
	if ck, err := c.Cookie(adminCookie); err == nil && a.Sessions != nil {
		if err := a.Sessions.Revoke(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	clearAdminCookie(c)
	return render(c, http.StatusOK, adminview.SignedOut(a.Assets.URL("app.css")))
}

// reconnect starts a new key request for the signed-in WooCommerce store:
// the only path on which a connected store's keys are replaced.
func (a *Admin) reconnect(c echo.Context) error {
	s := adminSession(c)
	if a.Reconnect == nil || s.Platform != models.PlatformWooCommerce {
		return echo.NewHTTPError(http.StatusNotFound, "only a WooCommerce store is reconnected from here")
	}
	start, err := a.Reconnect.Begin(c.Request().Context(), s.Shop, s.ConnectionID)
	if err != nil {
		return storeAuthError(err)
	}
	setConnectCookie(c, start.Browser)
	if c.Request().Header.Get("HX-Request") != "" {
		// A boosted form: htmx navigates the page itself.
		c.Response().Header().Set("HX-Redirect", start.URL)
		return c.NoContent(http.StatusOK)
	}
	return c.Redirect(http.StatusSeeOther, start.URL)
}

func (a *Admin) updateSettings(c echo.Context) error {
	rid, err := adminRetailer(c)
	if err != nil {
		return err
	}
	in := accountsSettings(c.FormValue("trigger"))
	in.LateAcceptHours, err = adminFormInt(c, "late_accept_hours", "Hours to accept")
	if err == nil {
		in.LateShipDays, err = adminFormInt(c, "late_ship_days", "Days to ship")
	}
	var saved = in
	if err == nil {
		saved, err = a.Service.UpdateSettings(c.Request().Context(), rid, in)
	}
	l := a.layout(c, "settings", "Settings")
	adminPushURL(c, "/app/settings")
	if msg, ok := adminRefusal(err); ok {
		l.Error = msg
		return render(c, http.StatusUnprocessableEntity, adminview.Settings(l, in, a.storeCard(c)))
	}
	if err != nil {
		return err
	}
	l.Flash = "Settings saved."
	return render(c, http.StatusOK, adminview.Settings(l, saved, a.storeCard(c)))
}

// setChannel saves how POs reach a supplier, with the channel's settings.
// Secret fields left empty keep what is stored.
func (a *Admin) setChannel(c echo.Context) error {
	rid, err := adminRetailer(c)
	if err != nil {
		return err
	}
	id, err := adminPathID(c, "id")
	if err != nil {
		return err
	}
	cfg, err := channelForm(c)
	if err == nil {
		err = a.Service.SetChannel(c.Request().Context(), rid, id, cfg)
	}
	if msg, ok := adminRefusal(err); ok {
		return a.showSupplier(c, http.StatusUnprocessableEntity, rid, id, adminview.SupplierPage{}, "", msg)
	}
	if err != nil {
		return err
	}
	return a.showSupplier(c, http.StatusOK, rid, id, adminview.SupplierPage{}, "Channel saved.", "")
}

// testChannel sends a test through the supplier's channel and shows what
// happened, or exactly what went wrong.
func (a *Admin) testChannel(c echo.Context) error {
	rid, err := adminRetailer(c)
	if err != nil {
		return err
	}
	id, err := adminPathID(c, "id")
	if err != nil {
		return err
	}
	did, err := a.Service.TestChannel(c.Request().Context(), rid, id)
	if err != nil {
		if _, refused := adminRefusal(err); refused || !errors.Is(err, models.ErrNotFound) {
			return a.showSupplier(c, http.StatusUnprocessableEntity, rid, id, adminview.SupplierPage{}, "", "The test failed: "+err.Error())
		}
		return err
	}
	return a.showSupplier(c, http.StatusOK, rid, id, adminview.SupplierPage{Tested: did}, "Test sent.", "")
}

// channelForm reads the channel card.
func channelForm(c echo.Context) (channels.Config, error) {
	v := func(name string) string { return strings.TrimSpace(c.FormValue(name)) }
	num := func(name string) (int, error) {
		if v(name) == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(v(name))
		if err != nil {
			return 0, &models.ValidationError{Message: name + " must be a whole number"}
		}
		return n, nil
	}
	cfg := channels.Config{Channel: v("channel")}
	s := &cfg.Settings
	s.Email.To = v("email_to")
	s.SFTP = channels.SFTPSettings{Host: v("sftp_host"), User: v("sftp_user"), Fingerprint: v("sftp_fingerprint"),
		Outbound: v("sftp_outbound"), Inbound: v("sftp_inbound"), Archive: v("sftp_archive")}
	var err error
	if s.SFTP.Port, err = num("sftp_port"); err != nil {
		return cfg, err
	}
	if s.SFTP.PollMinutes, err = num("poll_minutes"); err != nil {
		return cfg, err
	}
	if cols := v("csv_columns"); cols != "" {
		for _, part := range strings.Split(cols, ",") {
			field, header, _ := strings.Cut(strings.TrimSpace(part), ":")
			if field != "" {
				s.CSV.Columns = append(s.CSV.Columns, channels.Column{Field: strings.TrimSpace(field), Header: strings.TrimSpace(header)})
			}
		}
	}
	s.CSV.Batch = c.FormValue("csv_batch") != ""
	s.EDI = channels.EDISettings{SenderQualifier: v("edi_sender_qualifier"), SenderID: v("edi_sender_id"),
		ReceiverQualifier: v("edi_receiver_qualifier"), ReceiverID: v("edi_receiver_id"),
		GroupSenderID: v("edi_gs_sender"), GroupReceiverID: v("edi_gs_receiver"), Version: v("edi_version"),
		Element: c.FormValue("edi_element"), Component: c.FormValue("edi_component"),
		Repetition: c.FormValue("edi_repetition"), Segment: c.FormValue("edi_segment")}
	if c.FormValue("edi_test_usage") != "" {
		s.EDI.Usage = "T"
	}
	if s.EDI.AckHours, err = num("edi_ack_hours"); err != nil {
		return cfg, err
	}
	if pw, key := c.FormValue("sftp_password"), strings.TrimSpace(c.FormValue("sftp_key")); pw != "" || key != "" {
		cfg.Secrets = &channels.Secrets{Password: pw, PrivateKey: key}
	}
	return cfg, nil
}
