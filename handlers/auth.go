package handlers

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/consign/consign/app/install"
	"github.com/consign/consign/app/ratelimit"
)

// Installer runs authorization-code installs (app/install).
type Installer interface {
	Begin(ctx context.Context, shop string) (install.Start, error)
	Finish(ctx context.Context, rawQuery, browser string) (string, error)
}

// Auth serves the authorization-code install for stores that install
// Consign from outside the Shopify admin. Embedded installs need none of
// this: the admin exchanges its session token (Admin.Installer).
type Auth struct {
	Installer Installer
	APIKey    string // where the merchant lands: the embedded app
	// Starts limits install starts per client.
	Starts *ratelimit.Limiter
}

// Register mounts the install routes; they are guarded by the hmac and the
// state nonce Shopify echoes back, bound to the browser that began the
// install by a cookie, checked in app/install.
func (a *Auth) Register(e *echo.Echo) {
	e.GET("/auth/shopify", a.begin, rateLimit(a.Starts, clientKey))
	e.GET("/auth/shopify/callback", a.callback)
}

func (a *Auth) begin(c echo.Context) error {
	start, err := a.Installer.Begin(c.Request().Context(), c.QueryParam("shop"))
	if err != nil {
		return installError(err)
	}
	setConnectCookie(c, start.Browser)
	return c.Redirect(http.StatusFound, start.URL)
}

func (a *Auth) callback(c echo.Context) error {
	shop, err := a.Installer.Finish(c.Request().Context(), c.Request().URL.RawQuery, connectCookieValue(c))
	if err != nil {
		return installError(err)
	}
	clearConnectCookie(c)
	return c.Redirect(http.StatusFound, install.EmbeddedAppURL(shop, a.APIKey))
}

// installError maps a refused install to its status; the cause stays in the
// log only.
func installError(err error) error {
	switch {
	case errors.Is(err, install.ErrBadShop):
		return echo.NewHTTPError(http.StatusBadRequest, "Give your shop as NAME.myshopify.com.").SetInternal(errors.New(err.Error()))
	case errors.Is(err, install.ErrBusy):
		return echo.NewHTTPError(http.StatusServiceUnavailable, "Too many installs are in progress: try again in a few minutes.").
			SetInternal(errors.New(err.Error()))
	case errors.Is(err, install.ErrForged), errors.Is(err, install.ErrStale), errors.Is(err, install.ErrState):
		return echo.NewHTTPError(http.StatusUnauthorized, "This install link is invalid or has expired: start the install again.").
			SetInternal(errors.New(err.Error()))
	}
	return err
}
