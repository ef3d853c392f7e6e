package handlers

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/consign/consign/app/accounts"
	"github.com/consign/consign/app/channels"
	"github.com/consign/consign/app/portal"
	"github.com/consign/consign/app/purchasing"
	"github.com/consign/consign/app/ratelimit"
	"github.com/consign/consign/models"
	"github.com/consign/consign/views/layouts"
	views "github.com/consign/consign/views/portal"
)

// Portal serves the supplier portal under /portal: one-time links open a
// cookie session kept in the database, and every form carries a CSRF token.
type Portal struct {
	Sessions   *portal.Service
	Purchasing *purchasing.Service
	Keys       *accounts.Service
	Pages      *Pages
	Log        *slog.Logger
	// ShowSignInLinks puts a requested sign-in link on the page instead of
	// mailing it: demo mode only, where no mail is sent.
	ShowSignInLinks bool
	// Sign-in link requests are limited per client and per address.
	SignInPerClient  *ratelimit.Limiter
	SignInPerAddress *ratelimit.Limiter
	// Timeline lists the messages a PO went out and came back in (email,
	// files, EDI); optional.
	Timeline func(ctx context.Context, poID int64) ([]channels.Entry, error)
}

// Names of the portal's cookies and context values.
const (
	portalCookie     = "consign_portal"
	portalCSRFCookie = "consign_portal_csrf"
	portalSessionKey = "portal_session"
	portalCSRFKey    = "csrf"
	portalPrefix     = "/portal"
	portalActor      = "supplier portal"
)

// Register adds the portal's routes: the sign-in pages are public, the rest
// need a session; all of them check the CSRF token on POST.
func (p *Portal) Register(e *echo.Echo) {
	csrf := middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:" + views.CSRFField + ",header:" + echo.HeaderXCSRFToken,
		ContextKey:     portalCSRFKey,
		CookieName:     portalCSRFCookie,
		CookiePath:     portalPrefix,
		CookieSecure:   true,
		CookieHTTPOnly: true,
		CookieSameSite: http.SameSiteLaxMode,
		// Missing and wrong tokens alike are refused with 403.
		ErrorHandler: func(err error, c echo.Context) error {
			return echo.NewHTTPError(http.StatusForbidden, "this form has expired: reload the page and try again")
		},
	})
	g := e.Group(portalPrefix, portalHeaders, csrf)
	g.GET("/sign-in", p.signInForm)
	g.POST("/sign-in", p.requestSignIn, rateLimit(p.SignInPerClient, clientKey))
	g.GET("/login/:token", p.confirmLogin)
	g.POST("/login/:token", p.login)
	g.GET("/po/:token", p.openPOLink)

	s := g.Group("", p.requireSession)
	s.GET("", p.home)
	s.GET("/", p.home)
	s.POST("/sign-out", p.signOut)
	s.GET("/purchase-orders", p.inbox)
	s.GET("/purchase-orders.csv", p.exportOpen)
	s.GET("/purchase-orders/:id", p.poDetail)
	s.POST("/purchase-orders/:id/accept", p.acceptPO)
	s.POST("/purchase-orders/:id/reject", p.rejectPO)
	s.POST("/purchase-orders/:id/lines", p.answerLines)
	s.POST("/purchase-orders/:id/shipments", p.addShipment)
	s.GET("/api-keys", p.keys)
	s.POST("/api-keys", p.createKey)
	s.POST("/api-keys/:id/revoke", p.revokeKey)
}

// portalHeaders keep portal pages out of frames and caches, and keep login
// tokens in URLs out of Referer headers.
func portalHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", pageCSP)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		return next(c)
	}
}

// requireSession resolves the session cookie. Without one, a page asks the
// person to sign in and anything else is 401.
func (p *Portal) requireSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := ""
		if ck, err := c.Cookie(portalCookie); err == nil {
			token = ck.Value
		}
		sess, err := p.Sessions.Authenticate(c.Request().Context(), token)
		if errors.Is(err, portal.ErrNoSession) {
			if c.Request().Method == http.MethodGet {
				return c.Redirect(http.StatusSeeOther, portalPrefix+"/sign-in")
			}
			return echo.NewHTTPError(http.StatusUnauthorized, "sign in again to continue")
		}
		if err != nil {
			return err
		}
		c.Set(portalSessionKey, sess)
		if sess.PurchaseOrderID != 0 && !scopeAllows(c, sess.PurchaseOrderID) {
			// A PO's emailed link opens that PO, nothing else.
			if c.Request().Method == http.MethodGet {
				return c.Redirect(http.StatusSeeOther, views.POURL(portalPrefix, sess.PurchaseOrderID))
			}
			return models.ErrNotFound
		}
		return next(c)
	}
}

// scopeAllows reports whether a session scoped to one PO may use this
// route: that PO's page and actions, and signing out.
func scopeAllows(c echo.Context, poID int64) bool {
	switch c.Path() {
	case portalPrefix + "/sign-out":
		return true
	case portalPrefix + "/purchase-orders/:id", portalPrefix + "/purchase-orders/:id/accept", portalPrefix + "/purchase-orders/:id/reject",
		portalPrefix + "/purchase-orders/:id/lines", portalPrefix + "/purchase-orders/:id/shipments":
		return c.Param("id") == strconv.FormatInt(poID, 10)
	}
	return false
}

// openPOLink opens the PO a supplier's email links to, with no account: a
// session scoped to that PO.
func (p *Portal) openPOLink(c echo.Context) error {
	token, sess, err := p.Sessions.RedeemPOLink(c.Request().Context(), c.Param("token"))
	if errors.Is(err, portal.ErrLinkInvalid) {
		return p.linkRefused(c)
	}
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{
		Name: portalCookie, Value: token, Path: portalPrefix, Expires: sess.ExpiresAt,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode,
	})
	return c.Redirect(http.StatusSeeOther, views.POURL(portalPrefix, *sess.PurchaseOrderID))
}

func portalSession(c echo.Context) portal.Session { return c.Get(portalSessionKey).(portal.Session) }

func portalCSRF(c echo.Context) string {
	t, _ := c.Get(portalCSRFKey).(string)
	return t
}

func (p *Portal) layout(c echo.Context, title, active string) layouts.PortalProps {
	l := layouts.PortalProps{Base: p.Pages.base(title), CSRF: portalCSRF(c), Active: active}
	if s, ok := c.Get(portalSessionKey).(portal.Session); ok {
		l.Supplier = s.SupplierName
		l.Scoped = s.PurchaseOrderID != 0
	}
	return l
}

func (p *Portal) home(c echo.Context) error {
	return c.Redirect(http.StatusSeeOther, portalPrefix+"/purchase-orders")
}

func (p *Portal) signInForm(c echo.Context) error {
	return render(c, http.StatusOK, views.SignInPage(p.layout(c, "Sign in", ""), views.SignInProps{CSRF: portalCSRF(c)}))
}

// requestSignIn makes a sign-in link for a known supplier address. The answer
// is the same whether the address is known or not.
func (p *Portal) requestSignIn(c echo.Context) error {
	email := strings.TrimSpace(c.FormValue("email"))
	props := views.SignInProps{CSRF: portalCSRF(c), Email: email}
	if p.SignInPerAddress != nil {
		// Every address alike, known or not: the limit tells nothing.
		if err := takeToken(c, p.SignInPerAddress, strings.ToLower(email)); err != nil {
			return err
		}
	}
	link, _, err := p.Sessions.RequestSignIn(c.Request().Context(), email)
	var ve *models.ValidationError
	switch {
	case errors.As(err, &ve):
		props.Error = ve.Message
		return render(c, http.StatusUnprocessableEntity, views.SignInPage(p.layout(c, "Sign in", ""), props))
	case err != nil && !errors.Is(err, models.ErrNotFound):
		return err
	}
	props.Notice = "If that address belongs to a supplier, a sign-in link is on its way. It works once, within 15 minutes."
	if p.ShowSignInLinks {
		props.DemoLink = link
	}
	return render(c, http.StatusOK, views.SignInPage(p.layout(c, "Sign in", ""), props))
}

// confirmLogin shows who a link signs in as; only the POST uses it.
func (p *Portal) confirmLogin(c echo.Context) error {
	token := c.Param("token")
	sup, err := p.Sessions.LinkOwner(c.Request().Context(), token)
	if errors.Is(err, portal.ErrLinkInvalid) {
		return p.linkRefused(c)
	}
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.ConfirmPage(p.layout(c, "Sign in", ""), views.ConfirmProps{
		CSRF: portalCSRF(c), Action: portal.LoginPath + token, Supplier: sup.Name,
	}))
}

// login uses a link, once, and opens a session.
func (p *Portal) login(c echo.Context) error {
	token, sess, err := p.Sessions.Redeem(c.Request().Context(), c.Param("token"))
	if errors.Is(err, portal.ErrLinkInvalid) {
		return p.linkRefused(c)
	}
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{
		Name: portalCookie, Value: token, Path: portalPrefix, Expires: sess.ExpiresAt,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode,
	})
	return c.Redirect(http.StatusSeeOther, portalPrefix+"/purchase-orders")
}

func (p *Portal) linkRefused(c echo.Context) error {
	return render(c, http.StatusUnauthorized, views.SignInPage(p.layout(c, "Sign in", ""), views.SignInProps{
		CSRF: portalCSRF(c), Error: portal.ErrLinkInvalid.Error() + ". Ask for a new one below.",
	}))
}

func (p *Portal) signOut(c echo.Context) error {
	if ck, err := c.Cookie(portalCookie); err == nil {
		if err := p.Sessions.SignOut(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	c.SetCookie(&http.Cookie{Name: portalCookie, Value: "", Path: portalPrefix, MaxAge: -1,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
	return c.Redirect(http.StatusSeeOther, portalPrefix+"/sign-in")
}

func (p *Portal) keys(c echo.Context) error {
	notice := ""
	if c.QueryParam("done") == "revoked" {
		notice = "Key revoked: it no longer works."
	}
	return p.renderKeys(c, http.StatusOK, "", notice)
}

func (p *Portal) createKey(c echo.Context) error {
	key, err := p.Keys.CreateAPIKey(c.Request().Context(), portalSession(c).SupplierID)
	if err != nil {
		return err
	}
	return p.renderKeys(c, http.StatusCreated, key, "")
}

func (p *Portal) revokeKey(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return models.ErrNotFound
	}
	if err := p.Keys.RevokeAPIKey(c.Request().Context(), portalSession(c).SupplierID, id); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, portalPrefix+"/api-keys?done=revoked")
}

func (p *Portal) renderKeys(c echo.Context, status int, newKey, notice string) error {
	keys, err := p.Keys.ListAPIKeys(c.Request().Context(), portalSession(c).SupplierID)
	if err != nil {
		return err
	}
	props := views.KeysProps{CSRF: portalCSRF(c), NewKey: newKey, Notice: notice}
	for _, k := range keys {
		v := views.KeyView{ID: k.ID, Prefix: k.Prefix, Created: portalTime(k.CreatedAt)}
		if k.RevokedAt != nil {
			v.Revoked = portalTime(*k.RevokedAt)
		}
		props.Keys = append(props.Keys, v)
	}
	return render(c, status, views.KeysPage(p.layout(c, "API keys", "keys"), props))
}
