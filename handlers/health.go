package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
)

// Readiness reports whether the database answers with a current schema.
type Readiness interface {
	Ready(ctx context.Context) error
}

// Healthz says the process is up; it touches nothing else.
func Healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// Readyz says whether this process can do its work now.
func Readyz(r Readiness) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := r.Ready(c.Request().Context()); err != nil {
			return echo.NewHTTPError(http.StatusServiceUnavailable, "not ready").SetInternal(err)
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
	}
}
