package handlers

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/consign/consign/models"
)

// apiError is the one JSON error shape: {"error": {"code", "message"}}.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// classify maps an error to its status, code and the message a client may
// see. Internal error text never reaches the client.
func classify(err error) (int, string, string) {
	var he *echo.HTTPError
	var ve *models.ValidationError
	var te *models.TransitionError
	switch {
	case errors.As(err, &ve):
		return http.StatusUnprocessableEntity, "invalid", ve.Message
	case errors.As(err, &te):
		return http.StatusConflict, "illegal_state", te.Error()
	case errors.Is(err, models.ErrNotFound):
		return http.StatusNotFound, "not_found", "not found"
	case errors.Is(err, models.ErrConflict):
		return http.StatusConflict, "conflict", "already exists"
	case errors.As(err, &he):
		msg := http.StatusText(he.Code)
		if s, ok := he.Message.(string); ok {
			msg = s
		}
		return he.Code, codeFor(he.Code), msg
	}
	return http.StatusInternalServerError, "internal", "internal error"
}

func codeFor(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "bad_request"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	case http.StatusServiceUnavailable:
		return "unavailable"
	case http.StatusUnsupportedMediaType:
		return "unsupported_media_type"
	}
	return "error"
}

// ErrorHandler answers every error a handler returns, and logs it once:
// 5xx at error level, 4xx at warn, with the request's logger (Observe).
// People get an HTML page; API clients and platforms get JSON.
func ErrorHandler(log *slog.Logger, pages *Pages) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		status, code, msg := classify(err)
		level := slog.LevelWarn
		if status >= 500 {
			level = slog.LevelError
		}
		reqLog := requestLogger(c, log)
		reqLog.Log(c.Request().Context(), level, "request failed",
			"method", c.Request().Method, "path", c.Path(), "status", status, "error", err)
		var body apiError
		body.Error.Code, body.Error.Message = code, msg
		switch {
		case c.Request().Method == http.MethodHead:
			err = c.NoContent(status)
		case pages != nil && wantsHTML(c.Request()):
			err = pages.errorPage(c, status, msg)
		default:
			err = c.JSON(status, body)
		}
		if err != nil {
			reqLog.Error("write error response", "error", err)
		}
	}
}

// wantsHTML is true for a browser's request outside the API and webhooks.
func wantsHTML(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/webhooks/") {
		return false
	}
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}
