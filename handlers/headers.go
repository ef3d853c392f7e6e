package handlers

import (
	"github.com/labstack/echo/v4"
)

// SecurityHeaders sets what every response carries: no content sniffing, no
// full URLs (which may hold a one-time token) in Referer headers to other
// sites, and, when Consign is served over https (APP_URL), HSTS.
func SecurityHeaders(https bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			// The admin, the portal and the connect form set their own.
			h.Set("Content-Security-Policy", pageCSP)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
			if https {
				h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
			}
			return next(c)
		}
	}
}

// adminCSP is the admin's Content-Security-Policy: its own scripts, App
// Bridge from Shopify's CDN, nothing inline, framed only by frameAncestors.
func adminCSP(frameAncestors string) string {
	return "default-src 'self'; script-src 'self' https://cdn.shopify.com; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self' https://*.shopify.com; object-src 'none'; base-uri 'none'; form-action 'self'; " +
		"frame-ancestors " + frameAncestors
}

// pageCSP is the Content-Security-Policy of Consign's public pages.
const pageCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
