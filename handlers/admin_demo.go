package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	adminview "github.com/consign/consign/views/admin"
)

// DemoLinks opens the demo's pages without Shopify: `consign demo` only.
type DemoLinks interface {
	// Shop is the demo store.
	Shop() string
	// AdminURL is the embedded admin's URL with a fresh session token.
	AdminURL(ctx context.Context) (string, error)
	// Suppliers are the demo store's suppliers.
	Suppliers(ctx context.Context) ([]adminview.DemoSupplier, error)
	// PortalURL is a fresh portal invite link for one of them.
	PortalURL(ctx context.Context, supplierID int64) (string, error)
	// Mail is what Consign mailed, caught by the demo's mail server.
	Mail() []adminview.DemoMail
}

// DemoSignIn is the local page that opens the retailer admin and the
// supplier portal in the demo. With no Links it registers nothing, so
// `serve` has no such page.
type DemoSignIn struct {
	Links DemoLinks
	Pages *Pages
}

// Register adds /demo when the demo runs.
func (d *DemoSignIn) Register(e *echo.Echo) {
	if d.Links == nil {
		return
	}
	e.GET("/demo", d.page)
	e.POST("/demo/admin", d.openAdmin)
	e.POST("/demo/portal/:id", d.openPortal)
	e.GET("/demo/mail", d.mailbox)
}

func (d *DemoSignIn) mailbox(c echo.Context) error {
	return render(c, http.StatusOK, adminview.DemoMailbox(d.Pages.base("Demo mail"), d.Links.Mail()))
}

func (d *DemoSignIn) page(c echo.Context) error {
	sups, err := d.Links.Suppliers(c.Request().Context())
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, adminview.Demo(d.Pages.base("Demo sign-in"), d.Links.Shop(), sups))
}

func (d *DemoSignIn) openAdmin(c echo.Context) error {
	url, err := d.Links.AdminURL(c.Request().Context())
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, url)
}

func (d *DemoSignIn) openPortal(c echo.Context) error {
	id, err := adminPathID(c, "id")
	if err != nil {
		return err
	}
	url, err := d.Links.PortalURL(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, url)
}
