package handlers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/consign/consign/app/install"
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
	Begin(ctx context.Context, storeURL string) (string, error)
	Callback(ctx context.Context, body []byte) error
	Return(ctx context.Context, userID string) (string, error)
}

// StoreAuth serves the install callbacks of BigCommerce and WooCommerce.
// Both end in the admin under a session of Consign's own.
type StoreAuth struct {
	BigCommerce BigCommerceInstaller // nil: BigCommerce is not configured
	WooCommerce WooCommerceConnector
}

// maxKeyGrant bounds the key callback's body.
const maxKeyGrant = 16 << 10

// Register mounts the callbacks; each is guarded by its own proof (signed
// payload, code exchange, state nonce), checked in app/install.
func (a *StoreAuth) Register(e *echo.Echo) {
	if a.BigCommerce != nil {
		e.GET("/auth/bigcommerce", a.bigCommerceAuth)
		e.GET("/bigcommerce/load", a.bigCommerceLoad)
		e.GET("/bigcommerce/uninstall", a.bigCommerceUninstall)
		e.GET("/bigcommerce/remove_user", a.bigCommerceRemoveUser)
	}
	if a.WooCommerce != nil {
		e.GET("/auth/woocommerce", a.wooBegin)
		e.POST("/auth/woocommerce/callback", a.wooCallback)
		e.GET("/auth/woocommerce/return", a.wooReturn)
	}
}

// openAdmin lands the merchant in the admin with a fresh session token.
func openAdmin(c echo.Context, session string) error {
	return c.Redirect(http.StatusFound, "/app?"+url.Values{"id_token": {session}}.Encode())
}

func (a *StoreAuth) bigCommerceAuth(c echo.Context) error {
	session, err := a.BigCommerce.Callback(c.Request().Context(), c.QueryParam("code"), c.QueryParam("scope"), c.QueryParam("context"))
	if err != nil {
		return storeAuthError(err)
	}
	return openAdmin(c, session)
}

func (a *StoreAuth) bigCommerceLoad(c echo.Context) error {
	session, err := a.BigCommerce.Load(c.Request().Context(), c.QueryParam("signed_payload_jwt"))
	if err != nil {
		return storeAuthError(err)
	}
	return openAdmin(c, session)
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

func (a *StoreAuth) wooBegin(c echo.Context) error {
	to, err := a.WooCommerce.Begin(c.Request().Context(), c.QueryParam("store_url"))
	if err != nil {
		return storeAuthError(err)
	}
	return c.Redirect(http.StatusFound, to)
}

// wooCallback answers exactly 200 with an empty body once the keys are
// stored: WooCommerce treats anything else as a failed connect.
func (a *StoreAuth) wooCallback(c echo.Context) error {
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, maxKeyGrant))
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "cannot read the key grant").SetInternal(err)
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
	session, err := a.WooCommerce.Return(c.Request().Context(), c.QueryParam("user_id"))
	if err != nil {
		return storeAuthError(err)
	}
	return openAdmin(c, session)
}

// storeAuthError maps a refused callback to its status; the cause stays in
// the log only.
func storeAuthError(err error) error {
	switch {
	case errors.Is(err, install.ErrBadShop):
		return echo.NewHTTPError(http.StatusBadRequest, "Give your store's address as https://example.com.").SetInternal(errors.New(err.Error()))
	case errors.Is(err, install.ErrCallbackRefused), errors.Is(err, install.ErrForged), errors.Is(err, install.ErrState),
		errors.Is(err, install.ErrSessionRefused):
		return echo.NewHTTPError(http.StatusUnauthorized, "This link is invalid, expired or already used: open Consign from your store again.").
			SetInternal(errors.New(err.Error()))
	}
	return err
}
