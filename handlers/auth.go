package handlers

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/consign/consign/app/install"
)

// Installer runs authorization-code installs (app/install).
type Installer interface {
	Begin(ctx context.Context, shop string) (string, error)
	Finish(ctx context.Context, rawQuery string) (string, error)
}

// Auth serves the authorization-code install for stores that install
// Consign from outside the Shopify admin. Embedded installs need none of
// this: the admin exchanges its session token (Admin.Installer).
type Auth struct {
	Installer Installer
	APIKey    string // where the merchant lands: the embedded app
}

// Register mounts the install routes; they are guarded by the hmac and the
// state nonce Shopify echoes back, checked in app/install.
func (a *Auth) Register(e *echo.Echo) {
	e.GET("/auth/shopify", a.begin)
	e.GET("/auth/shopify/callback", a.callback)
}

func (a *Auth) begin(c echo.Context) error {
	to, err := a.Installer.Begin(c.Request().Context(), c.QueryParam("shop"))
	if err != nil {
		return installError(err)
	}
	return c.Redirect(http.StatusFound, to)
}

func (a *Auth) callback(c echo.Context) error {
	shop, err := a.Installer.Finish(c.Request().Context(), c.Request().URL.RawQuery)
	if err != nil {
		return installError(err)
	}
	return c.Redirect(http.StatusFound, install.EmbeddedAppURL(shop, a.APIKey))
}

// installError maps a refused install to its status; the cause stays in the
// log only.
func installError(err error) error {
	switch {
	case errors.Is(err, install.ErrBadShop):
		return echo.NewHTTPError(http.StatusBadRequest, "Give your shop as NAME.myshopify.com.").SetInternal(errors.New(err.Error()))
	case errors.Is(err, install.ErrForged), errors.Is(err, install.ErrStale), errors.Is(err, install.ErrState):
		return echo.NewHTTPError(http.StatusUnauthorized, "This install link is invalid or has expired: start the install again.").
			SetInternal(errors.New(err.Error()))
	}
	return err
}
