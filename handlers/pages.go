package handlers

import (
	"mime"
	"net/http"
	"path"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/consign/consign/static"
	"github.com/consign/consign/views/layouts"
	"github.com/consign/consign/views/pages"
)

// Pages renders the HTML pages people see.
type Pages struct {
	Assets *static.Assets
}

func (p *Pages) base(title string) layouts.BaseProps {
	return layouts.BaseProps{Title: title, CSS: p.Assets.URL("app.css")}
}

// render writes a templ component with a status.
func render(c echo.Context, status int, component templ.Component) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return component.Render(c.Request().Context(), c.Response())
}

// Home handles GET /.
func (p *Pages) Home(c echo.Context) error {
	return render(c, http.StatusOK, pages.Home(p.base("Home")))
}

// Static handles GET /static/HASH/NAME with immutable caching.
func (p *Pages) Static(c echo.Context) error {
	data, name, ok := p.Assets.Open(c.Param("*"))
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "no such file")
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	return c.Blob(http.StatusOK, mime.TypeByExtension(path.Ext(name)), data)
}

// errorPage renders an error for a person.
func (p *Pages) errorPage(c echo.Context, status int, message string) error {
	return render(c, status, pages.Error(p.base(http.StatusText(status)), message))
}
