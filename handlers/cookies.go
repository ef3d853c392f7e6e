package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/consign/consign/app/admin"
	"github.com/consign/consign/models"
)

// Cookies Consign sets outside the portal. All are HttpOnly and Secure
// (browsers and Go's cookie jar treat localhost as secure, so the demo and
// tests work over plain http).
const (
	// adminCookie carries an admin session of a store outside Shopify.
	adminCookie = "consign_admin"
	adminPath   = "/app"
	// connectCookie binds an install or connect to the browser that started
	// it, until the store sends that browser back.
	connectCookie = "consign_connect"
	connectPath   = "/auth"
	connectTTL    = 15 * time.Minute
)

// setAdminCookie hands the browser an admin session. BigCommerce frames the
// admin inside its control panel, a third-party context where only a
// SameSite=None cookie is sent (Partitioned, so the browser keeps it in
// BigCommerce's partition only); everywhere else the admin is a top-level
// page and Lax keeps the cookie off other sites' requests.
func setAdminCookie(c echo.Context, platform, token string) {
	ck := &http.Cookie{Name: adminCookie, Value: token, Path: adminPath, MaxAge: int(admin.DefaultSessionTTL / time.Second),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode}
	if platform == models.PlatformBigCommerce {
		ck.SameSite, ck.Partitioned = http.SameSiteNoneMode, true
	}
	c.SetCookie(ck)
}

func clearAdminCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: adminCookie, Value: "", Path: adminPath, MaxAge: -1, HttpOnly: true, Secure: true,
		SameSite: http.SameSiteLaxMode})
}

// setConnectCookie binds a begun install to this browser. Lax: the store
// sends the browser back with a top-level GET, which carries it.
func setConnectCookie(c echo.Context, value string) {
	c.SetCookie(&http.Cookie{Name: connectCookie, Value: value, Path: connectPath, MaxAge: int(connectTTL / time.Second),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
}

// connectCookieValue reads the binding cookie.
func connectCookieValue(c echo.Context) string {
	ck, err := c.Cookie(connectCookie)
	if err != nil {
		return ""
	}
	return ck.Value
}

// clearConnectCookie drops the binding cookie once its install finished;
// a refused callback leaves it, so a forged link cannot break the real one.
func clearConnectCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: connectCookie, Value: "", Path: connectPath, MaxAge: -1, HttpOnly: true, Secure: true,
		SameSite: http.SameSiteLaxMode})
}
