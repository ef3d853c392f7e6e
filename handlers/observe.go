package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/consign/consign/app/metrics"
)

// requestScope is what one request's handlers add to its log line and
// metrics as they learn it.
type requestScope struct {
	base     *slog.Logger
	attrs    []any  // request_id first, then what handlers add
	platform string // set by webhook handlers: the request is a delivery
}

// logger is the request's logger. It is built only when something logs:
// most requests log nothing above debug, and building it costs allocations.
func (sc *requestScope) logger() *slog.Logger { return sc.base.With(sc.attrs...) }

type scopeKey struct{}

// Observe gives each request a logger carrying its request id (from echo's
// RequestID middleware, which must run first), stored in the request
// context; answers a returned error through the error handler, so the
// timing and the log line see the final status; times the answer; and logs
// one line per request at debug.
//
// Metric labels come from fixed sets only: the method one of the standard
// ones (else OTHER) and the route one registered (else "unmatched"), so no
// request can make a new series.
func Observe(log *slog.Logger, m *metrics.Metrics, routes *routeSet) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			r := c.Request()
			sc := &requestScope{base: log, attrs: make([]any, 0, 16)}
			sc.attrs = append(sc.attrs, "request_id", c.Response().Header().Get(echo.HeaderXRequestID))
			c.SetRequest(r.WithContext(context.WithValue(r.Context(), scopeKey{}, sc)))
			if err := next(c); err != nil {
				c.Error(err)
			}
			// Multipart bodies parsed on the way may have spooled to disk;
			// the server removes only what its own request parsed, and the
			// request here may be the copy made above.
			for _, req := range []*http.Request{c.Request(), r} {
				if req.MultipartForm != nil {
					_ = req.MultipartForm.RemoveAll()
				}
			}
			elapsed := time.Since(start)
			status := c.Response().Status
			route := routes.label(c.Request().Method, c.Path())
			m.HTTPRequestDuration.WithLabelValues(methodLabel(r.Method), route, statusLabel(status)).Observe(elapsed.Seconds())
			if sc.platform != "" {
				m.WebhookDuration.WithLabelValues(sc.platform).Observe(elapsed.Seconds())
			}
			if log.Enabled(r.Context(), slog.LevelDebug) {
				sc.logger().LogAttrs(r.Context(), slog.LevelDebug, "request", slog.String("method", r.Method),
					slog.String("route", route), slog.Int("status", status), slog.Duration("duration", elapsed))
			}
			return nil
		}
	}
}

// scopeOf returns the request's scope, or nil outside Observe.
func scopeOf(c echo.Context) *requestScope {
	sc, _ := c.Request().Context().Value(scopeKey{}).(*requestScope)
	return sc
}

// requestLogger is the request's logger, or fallback outside Observe.
func requestLogger(c echo.Context, fallback *slog.Logger) *slog.Logger {
	if sc := scopeOf(c); sc != nil {
		return sc.logger()
	}
	return fallback.With("request_id", c.Response().Header().Get(echo.HeaderXRequestID))
}

// annotate adds attributes to every later line of the request's log.
func annotate(c echo.Context, args ...any) {
	if sc := scopeOf(c); sc != nil {
		sc.attrs = append(sc.attrs, args...)
	}
}

// markWebhook says the request is a delivery from platform, for the log and
// the webhook latency histogram.
func markWebhook(c echo.Context, platform string) {
	if sc := scopeOf(c); sc != nil {
		sc.platform = platform
		sc.attrs = append(sc.attrs, "platform", platform)
	}
}

// routeSet is the registered routes, the only route labels metrics use.
type routeSet struct{ known map[string]bool }

func (s *routeSet) fill(e *echo.Echo) {
	s.known = make(map[string]bool)
	for _, r := range e.Routes() {
		// echo's own catch-alls for unknown paths under a group do not
		// name a page.
		if strings.HasSuffix(r.Path, "/*") && strings.HasPrefix(r.Name, "github.com/labstack/echo") {
			continue
		}
		s.known[r.Method+" "+r.Path] = true
	}
}

func (s *routeSet) label(method, path string) string {
	if s == nil || s.known == nil || !s.known[method+" "+path] {
		return "unmatched"
	}
	return path
}

// methodLabel keeps the standard methods and folds the rest into OTHER.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// statusLabel keeps real status codes; anything else is one label.
func statusLabel(code int) string {
	if code < 100 || code > 599 {
		return "other"
	}
	return strconv.Itoa(code)
}
