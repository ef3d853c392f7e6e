// Package handlers is Consign's HTTP edge: thin echo handlers that parse a
// request, call one use case in app/, and render its result.
package handlers

import (
	"log/slog"
	"net/http"
	"net/netip"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/consign/consign/app/metrics"
)

// Deps are what the routes need.
type Deps struct {
	Log             *slog.Logger
	ShopifyWebhooks *ShopifyWebhooks
	SupplierAPI     *SupplierAPI
	Readiness       Readiness
	Pages           *Pages
	// Metrics receives request timings and webhook outcomes; nil records
	// into a registry nobody reads. MetricsHandler serves GET /metrics.
	Metrics        *metrics.Metrics
	MetricsHandler http.Handler
	// Sections add route groups with their own guards (embedded admin,
	// supplier portal), each registering its routes in its own file.
	Sections []Section
	// HTTPS (APP_URL is https) turns on HSTS.
	HTTPS bool
	// ClientIPHeader names the proxy header holding the client's address
	// (CONSIGN_CLIENT_IP_HEADER); empty: the connection's address.
	ClientIPHeader string
}

// Section is a group of routes under one guard.
type Section interface {
	Register(e *echo.Echo)
}

// BodyLimiter is a Section some of whose routes take larger bodies than
// DefaultBodyLimit, keyed "METHOD /route/:param".
type BodyLimiter interface {
	BodyLimits() map[string]int64
}

// New builds the echo server with every route, grouped by what guards it.
func New(d Deps) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = ErrorHandler(d.Log, d.Pages)
	e.IPExtractor = clientIP(d.ClientIPHeader)
	if d.Metrics == nil {
		d.Metrics = metrics.New(prometheus.NewRegistry())
	}
	limits := BodyLimits{Default: DefaultBodyLimit, Routes: map[string]int64{}}
	for _, p := range []string{"/webhooks/shopify", "/webhooks/bigcommerce", "/webhooks/woocommerce"} {
		limits.Routes["POST "+p] = OwnLimit // readLimited: WEBHOOK_MAX_BYTES, counted when refused
	}
	for _, s := range d.Sections {
		if bl, ok := s.(BodyLimiter); ok {
			for k, v := range bl.BodyLimits() {
				limits.Routes[k] = v
			}
		}
	}
	routes := &routeSet{}
	e.Use(middleware.RequestID())
	e.Use(Observe(d.Log, d.Metrics, routes))
	e.Use(middleware.Recover())
	e.Use(SecurityHeaders(d.HTTPS))
	e.Use(limits.Middleware)

	// Pages and assets: public.
	e.GET("/", d.Pages.Home)
	e.GET("/static/*", d.Pages.Static)

	// Health and metrics: no auth.
	e.GET("/healthz", Healthz)
	e.GET("/readyz", Readyz(d.Readiness))
	if d.MetricsHandler != nil {
		e.GET("/metrics", echo.WrapHandler(d.MetricsHandler))
	}

	// Webhooks: guarded by the platform's signature.
	e.POST("/webhooks/shopify", d.ShopifyWebhooks.Receive)

	// Supplier API: guarded by an API key, scoped to its supplier.
	api := e.Group("/api/v1", d.SupplierAPI.RequireKey)
	api.GET("/purchase-orders", d.SupplierAPI.List)
	api.GET("/purchase-orders/:id", d.SupplierAPI.Get)
	api.POST("/purchase-orders/:id/accept", d.SupplierAPI.Accept)
	api.POST("/purchase-orders/:id/reject", d.SupplierAPI.Reject)
	api.POST("/purchase-orders/:id/shipments", d.SupplierAPI.AddShipment)
	for _, s := range d.Sections {
		s.Register(e)
	}
	routes.fill(e)
	return e
}

// clientIP reads the client's address from header when a proxy sets it,
// else from the connection.
func clientIP(header string) echo.IPExtractor {
	if header == "" {
		return echo.ExtractIPDirect()
	}
	direct := echo.ExtractIPDirect()
	return func(r *http.Request) string {
		if v := strings.TrimSpace(r.Header.Get(header)); v != "" {
			if ip, err := netip.ParseAddr(v); err == nil {
				return ip.String()
			}
		}
		return direct(r)
	}
}
