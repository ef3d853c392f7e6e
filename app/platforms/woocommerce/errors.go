package woocommerce

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// ErrNotFound means the store has no such resource (an order deleted for
// good, or an id that never existed).
var ErrNotFound = errors.New("not found")

// ErrUnauthorized means the store refused the consumer key: revoked, deleted
// with its WordPress user, or never valid.
var ErrUnauthorized = errors.New("store refused the API key")

// RetryableError is a failure that may go away by itself: a 429, a 5xx or a
// network error.
type RetryableError struct {
	After time.Duration // the earliest sensible moment to try again
	Err   error
}

func (e *RetryableError) Error() string {
	return fmt.Sprintf("woocommerce: temporary failure, retry after %s: %v", e.After, e.Err)
}

func (e *RetryableError) Unwrap() error { return e.Err }

// APIError is a request the store refused with a 4xx. WordPress answers
// errors as {"code": "...", "message": "...", "data": {"status": N}}; Code
// and Message come from there when the body has them.
type APIError struct {
	Method     string
	Path       string
	StatusCode int
	Code       string // e.g. "woocommerce_rest_shop_order_invalid_id", "rest_no_route"
	Message    string
}

func (e *APIError) Error() string {
	msg := e.Message
	if e.Code != "" {
		msg = e.Code + ": " + msg
	}
	return fmt.Sprintf("woocommerce %s %s: HTTP %d: %s", e.Method, e.Path, e.StatusCode, msg)
}

// Unwrap lets errors.Is see ErrNotFound and ErrUnauthorized. A 404 with
// rest_no_route is not ErrNotFound: it means the route itself is missing
// (the plugin is not installed, or this is not a WooCommerce site).
func (e *APIError) Unwrap() error {
	switch {
	case e.StatusCode == http.StatusNotFound && !e.noRoute():
		return ErrNotFound
	case e.StatusCode == http.StatusUnauthorized:
		return ErrUnauthorized
	}
	return nil
}

// noRoute reports WordPress's answer for a path no plugin registered.
func (e *APIError) noRoute() bool {
	return e.StatusCode == http.StatusNotFound && e.Code == "rest_no_route"
}
