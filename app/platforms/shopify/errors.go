package shopify

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrOrderNotFound means the order does not exist in the shop, or the app
// cannot see it (read_orders covers only the last 60 days).
var ErrOrderNotFound = errors.New("order not found")

// ErrNotFulfillable means the requested lines cannot all be fulfilled from the
// order's open fulfillment orders: already shipped, on hold, or too many.
var ErrNotFulfillable = errors.New("not fulfillable")

// RetryableError is a failure that may go away by itself: a throttle, a 429,
// a 5xx or a network error that outlasted the client's own retries.
type RetryableError struct {
	Op    string        // the GraphQL operation, e.g. "fulfillmentCreate"
	After time.Duration // the earliest sensible moment to try again
	Err   error
}

func (e *RetryableError) Error() string {
	return fmt.Sprintf("shopify %s: temporary failure, retry after %s: %v", e.Op, e.After, e.Err)
}

func (e *RetryableError) Unwrap() error { return e.Err }

// UserError is a mutation Shopify refused because of its input (the
// payload's userErrors). It is permanent.
type UserError struct {
	Op     string
	Errors []FieldError
}

// FieldError is one entry of a mutation's userErrors.
type FieldError struct {
	Field   []string `json:"field"`
	Message string   `json:"message"`
}

func (e *UserError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		msgs[i] = fe.Message
		if len(fe.Field) > 0 {
			msgs[i] = strings.Join(fe.Field, ".") + ": " + fe.Message
		}
	}
	return fmt.Sprintf("shopify %s refused: %s", e.Op, strings.Join(msgs, "; "))
}

// GraphQLError is a request Shopify rejected as a whole: a bad query, access
// denied, a query too costly. It is permanent.
type GraphQLError struct {
	Op     string
	Errors []GraphQLErrorItem
}

// GraphQLErrorItem is one entry of a response's top-level errors.
type GraphQLErrorItem struct {
	Message string
	Code    string // extensions.code, e.g. "ACCESS_DENIED"
}

func (e *GraphQLError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, it := range e.Errors {
		msgs[i] = it.Message
		if it.Code != "" {
			msgs[i] += " (" + it.Code + ")"
		}
	}
	return fmt.Sprintf("shopify %s: %s", e.Op, strings.Join(msgs, "; "))
}

// StatusError is an HTTP answer that retrying will not change: 401 (bad or
// revoked token), 402 (shop frozen), 403, 404 (shop gone), and so on.
type StatusError struct {
	Op         string
	StatusCode int
	Body       string // the start of the response body, for the operator
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("shopify %s: HTTP %d: %s", e.Op, e.StatusCode, e.Body)
}
