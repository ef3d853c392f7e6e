package bigcommerce

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// ErrNotFound means the resource (an order, usually) does not exist in the
// store, or the app's token cannot see it.
var ErrNotFound = errors.New("bigcommerce: not found")

// RetryableError is a failure that may go away by itself: a 429, a 5xx or a
// network error that outlasted the client's own retries, or a rate-limit
// wait longer than ClientOptions.MaxWait.
type RetryableError struct {
	After time.Duration // the earliest sensible moment to try again
	Err   error
}

func (e *RetryableError) Error() string {
	return fmt.Sprintf("bigcommerce: temporary failure, retry after %s: %v", e.After, e.Err)
}

func (e *RetryableError) Unwrap() error { return e.Err }

// StatusError is an HTTP answer that retrying will not change: 400/422 (the
// input was refused), 401/403 (bad or revoked token, missing scope), 404.
// Message is BigCommerce's own explanation, for the operator.
type StatusError struct {
	Op         string // e.g. "POST /v2/orders/{id}/shipments"
	StatusCode int
	Message    string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("bigcommerce %s: HTTP %d %s: %s", e.Op, e.StatusCode, http.StatusText(e.StatusCode), e.Message)
}

// Is makes a 404 match ErrNotFound.
func (e *StatusError) Is(target error) bool {
	return target == ErrNotFound && e.StatusCode == http.StatusNotFound
}
