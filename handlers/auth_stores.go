package handlers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/consign/consign/app/admin"
	"github.com/consign/consign/app/install"
	"github.com/consign/consign/app/ratelimit"
	"github.com/consign/consign/models"
	"github.com/consign/consign/views/pages"
)

// BigCommerceInstaller runs BigCommerce's single-click app callbacks
// (app/install).
type BigCommerceInstaller interface {
	Callback(ctx context.Context, code, scope, storeContext string) (string, error)
	Load(ctx context.Context, signed string) (string, error)
	Uninstall(ctx context.Context, signed string) error
	RemoveUser(ctx context.Context, signed string) error
}

// WooCommerceConnector runs WooCommerce's key request (app/install).
type WooCommerceConnector interface {
	Begin(ctx context.Context, storeURL string, reconnectOf int64) (install.Start, error)
	Callback(ctx context.Context, body []byte) error
	Return(ctx context.Context, userID, browser string) (string, error)
}

// StoreAuth serves the install callbacks of BigCommerce and WooCommerce.
// Both end in the admin under a session cookie of Consign's own.
type StoreAuth struct {
	BigCommerce BigCommerceInstaller // nil: BigCommerce is not configured
	WooCommerce WooCommerceConnector
	Pages       *Pages
	// Starts limits connect starts per client, Callbacks key callbacks.
	Starts    *ratelimit.Limiter
	Callbacks *ratelimit.Limiter
}

// maxKeyGrant bounds the key callback's body.
const maxKeyGrant = 16 << 10

// Paths of the WooCommerce connect; the form's CSRF cookie lives there.
const (
	wooConnectPath   = "/auth/woocommerce"
	wooCSRFCookie    = "consign_connect_csrf"
	wooCSRFField     = "_csrf"
	wooCSRFKey       = "connect_csrf"
	wooConnectFormCS = "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; " +
		"frame-ancestors 'none'; form-action 'self' https: http://localhost:* http://127.0.0.1:* http://[::1]:*"
)

// BodyLimits names the routes that take more than the default body.
func (a *StoreAuth) BodyLimits() map[string]int64 {
	return map[string]int64{"POST " + wooConnectPath + "/callback": maxKeyGrant}
}

// Register mounts the callbacks; each is guarded by its own proof (signed
// payload, code exchange, proven keys and a browser-bound state), checked
// in app/install.
func (a *StoreAuth) Register(e *echo.Echo) {
	if a.BigCommerce != nil {
		e.GET("/auth/bigcommerce", a.bigCommerceAuth)
		e.GET("/bigcommerce/load", a.bigCommerceLoad)
		e.GET("/bigcommerce/uninstall", a.bigCommerceUninstall)
		e.GET("/bigcommerce/remove_user", a.bigCommerceRemoveUser)
	}
	if a.WooCommerce != nil {
		csrf := middleware.CSRFWithConfig(middleware.CSRFConfig{
			TokenLookup: "form:" + wooCSRFField, ContextKey: wooCSRFKey, CookieName: wooCSRFCookie,
			CookiePath: wooConnectPath, CookieSecure: true, CookieHTTPOnly: true, CookieSameSite: http.SameSiteStrictMode,
			ErrorHandler: func(error, echo.Context) error {
				return echo.NewHTTPError(http.StatusForbidden, "this form has expired: reload the page and try again")
			},
		})
		e.GET(wooConnectPath, a.wooForm, csrf)
		e.POST(wooConnectPath, a.wooBegin, rateLimit(a.Starts, clientKey), csrf)
		e.POST(wooConnectPath+"/callback", a.wooCallback, rateLimit(a.Callbacks, clientKey))
		e.GET(wooConnectPath+"/return", a.wooReturn)
	}
}

// openAdmin lands the merchant in the admin with a fresh session cookie;
// the session never travels in a URL.
func openAdmin(c echo.Context, platform, session string) error {
	setAdminCookie(c, platform, session)
	return c.Redirect(http.StatusSeeOther, adminPath)
}

func (a *StoreAuth) bigCommerceAuth(c echo.Context) error {
	session, err := a.BigCommerce.Callback(c.Request().Context(), c.QueryParam("code"), c.QueryParam("scope"), c.QueryParam("context"))
	if err != nil {
		return storeAuthError(err)
	}
	return openAdmin(c, models.PlatformBigCommerce, session)
}

func (a *StoreAuth) bigCommerceLoad(c echo.Context) error {
	session, err := a.BigCommerce.Load(c.Request().Context(), c.QueryParam("signed_payload_jwt"))
	if err != nil {
		return storeAuthError(err)
	}
	return openAdmin(c, models.PlatformBigCommerce, session)
}

func (a *StoreAuth) bigCommerceUninstall(c echo.Context) error {
	if err := a.BigCommerce.Uninstall(c.Request().Context(), c.QueryParam("signed_payload_jwt")); err != nil {
		return storeAuthError(err)
	}
	return c.NoContent(http.StatusOK)
}

func (a *StoreAuth) bigCommerceRemoveUser(c echo.Context) error {
	if err := a.BigCommerce.RemoveUser(c.Request().Context(), c.QueryParam("signed_payload_jwt")); err != nil {
		return storeAuthError(err)
	}
	return c.NoContent(http.StatusOK)
}

// wooForm asks for the store's address (prefilled from ?store_url=). A GET
// never redirects off-site: only the form below, posted from this page,
// sends the browser to the store it names.
func (a *StoreAuth) wooForm(c echo.Context) error {
	return a.renderWooForm(c, http.StatusOK, strings.TrimSpace(c.QueryParam("store_url")), "")
}

func (a *StoreAuth) renderWooForm(c echo.Context, status int, storeURL, problem string) error {
	c.Response().Header().Set("Content-Security-Policy", wooConnectFormCS)
	token, _ := c.Get(wooCSRFKey).(string)
	return render(c, status, pages.WooConnect(a.Pages.base("Connect WooCommerce"), pages.WooConnectProps{
		StoreURL: storeURL, CSRF: token, Field: wooCSRFField, Error: problem,
	}))
}

// wooBegin starts the connect and sends the browser to the store's approval
// page, bound to this browser by a cookie.
func (a *StoreAuth) wooBegin(c echo.Context) error {
	storeURL := strings.TrimSpace(c.FormValue("store_url"))
	start, err := a.WooCommerce.Begin(c.Request().Context(), storeURL, 0)
	if errors.Is(err, install.ErrBadShop) {
		return a.renderWooForm(c, http.StatusUnprocessableEntity, storeURL, "Give your store's address as https://example.com.")
	}
	if errors.Is(err, install.ErrBlockedURL) {
		return a.renderWooForm(c, http.StatusUnprocessableEntity, storeURL,
			"Consign cannot connect to that address: it is on a local or private network. Give your store's public address.")
	}
	if err != nil {
		return storeAuthError(err)
	}
	setConnectCookie(c, start.Browser)
	return c.Redirect(http.StatusSeeOther, start.URL)
}

// wooCallback answers exactly 200 with an empty body once the keys are
// stored: WooCommerce treats anything else as a failed connect.
func (a *StoreAuth) wooCallback(c echo.Context) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err // over the limit: 413
	}
	if err := a.WooCommerce.Callback(c.Request().Context(), body); err != nil {
		return storeAuthError(err)
	}
	return c.NoContent(http.StatusOK)
}

func (a *StoreAuth) wooReturn(c echo.Context) error {
	if c.QueryParam("success") != "1" {
		return echo.NewHTTPError(http.StatusForbidden, "The store did not grant access: Consign is not connected.")
	}
	session, err := a.WooCommerce.Return(c.Request().Context(), c.QueryParam("user_id"), connectCookieValue(c))
	if err != nil {
		return storeAuthError(err)
	}
	clearConnectCookie(c)
	return openAdmin(c, models.PlatformWooCommerce, session)
}

// storeAuthError maps a refused callback to its status; the cause stays in
// the log only.
func storeAuthError(err error) error {
	switch {
	case errors.Is(err, install.ErrBadShop):
		return echo.NewHTTPError(http.StatusBadRequest, "Give your store's address as https://example.com.").SetInternal(errors.New(err.Error()))
	case errors.Is(err, install.ErrBusy):
		return echo.NewHTTPError(http.StatusServiceUnavailable, "Too many connects are in progress: try again in a few minutes.").
			SetInternal(errors.New(err.Error()))
	case errors.Is(err, install.ErrCallbackRefused), errors.Is(err, install.ErrForged), errors.Is(err, install.ErrState),
		errors.Is(err, install.ErrSessionRefused), errors.Is(err, admin.ErrInvalidSession):
		return echo.NewHTTPError(http.StatusUnauthorized, "This link is invalid, expired or already used: open Consign from your store again.").
			SetInternal(errors.New(err.Error()))
	}
	return err
}
