package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/consign/consign/app/ratelimit"
)

// DefaultBodyLimit bounds every request body no route asks more for: the
// admin's and the portal's forms, the API's JSON, the install callbacks.
const DefaultBodyLimit = 1 << 20

// BodyLimits bounds the body of every request, by the route it matched
// (echo routes before this middleware runs): Routes names the routes that
// take more (webhooks, uploads) as "METHOD /path/:param"; every other
// route, and every unmatched path, gets Default. A body declared larger is
// refused before a byte is read; one that turns out larger fails its read,
// and the handler's error becomes 413. A route mapped to OwnLimit reads its
// body under a limit of its own (the webhooks, which count what they refuse).
type BodyLimits struct {
	Default int64
	Routes  map[string]int64
}

// OwnLimit marks a route whose handler bounds its body itself.
const OwnLimit = -1

// Middleware applies the limits.
func (b BodyLimits) Middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		limit := b.Default
		if limit <= 0 {
			limit = DefaultBodyLimit
		}
		r := c.Request()
		n, special := b.Routes[r.Method+" "+c.Path()]
		if special && n == OwnLimit {
			return next(c)
		}
		if special {
			limit = n
		}
		if r.ContentLength > limit {
			c.Response().Header().Set("Connection", "close")
			return errBodyTooLarge
		}
		if r.Body == nil || r.Body == http.NoBody {
			return next(c)
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, limit)
		// A form is read whole here, within the limit and in memory (the
		// limit is below ParseMultipartForm's memory budget, so no part
		// spools to disk), and an oversized one is a clear 413 rather than
		// a form that looks empty to the CSRF check or the handler. Upload
		// routes (their own limit) stream their bodies instead.
		if !special && isForm(r) {
			err := r.ParseMultipartForm(limit)
			if errors.Is(err, http.ErrNotMultipart) {
				err = r.ParseForm()
			}
			var tooLarge *http.MaxBytesError
			switch {
			case errors.As(err, &tooLarge):
				return errBodyTooLarge
			case err != nil:
				return echo.NewHTTPError(http.StatusBadRequest, "the form could not be read").SetInternal(err)
			}
		}
		return next(c)
	}
}

var errBodyTooLarge = echo.NewHTTPError(http.StatusRequestEntityTooLarge, "the request body is too large")

func isForm(r *http.Request) bool {
	ct := r.Header.Get(echo.HeaderContentType)
	return strings.HasPrefix(ct, echo.MIMEMultipartForm) || strings.HasPrefix(ct, echo.MIMEApplicationForm)
}

// rateLimit refuses a request once its key's bucket is empty, with 429 and
// Retry-After in whole seconds.
func rateLimit(l *ratelimit.Limiter, key func(echo.Context) string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if l == nil {
				return next(c)
			}
			if err := takeToken(c, l, key(c)); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// takeToken takes one event of key from l, or answers 429.
func takeToken(c echo.Context, l *ratelimit.Limiter, key string) error {
	ok, wait := l.Allow(key)
	if ok {
		return nil
	}
	return tooMany(c, wait)
}

// tooMany is the 429 answer, with Retry-After in whole seconds.
func tooMany(c echo.Context, wait time.Duration) error {
	secs := max(int((wait+time.Second-1)/time.Second), 1)
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	return echo.NewHTTPError(http.StatusTooManyRequests, "too many requests: try again in "+strconv.Itoa(secs)+" s")
}

// clientKey is the client's address as a limiter key (echo's IPExtractor
// decides which header, if any, to trust for it).
func clientKey(c echo.Context) string { return ratelimit.ClientKey(c.RealIP()) }

// Limits are the request rates Consign accepts, per client address unless
// said otherwise. Nil fields are not limited.
type Limits struct {
	// SignIn: portal sign-in link requests, per client and per address.
	SignInPerClient  *ratelimit.Limiter
	SignInPerAddress *ratelimit.Limiter
	// APIKey: supplier API requests per key, and failed key checks per client.
	APIPerKey        *ratelimit.Limiter
	APIKeyFailures   *ratelimit.Limiter
	ConnectPerClient *ratelimit.Limiter // install and connect starts
	// KeyCallbacks limits WooCommerce key callbacks per client: each one
	// for a live state costs a call to the store to prove its keys.
	KeyCallbacks *ratelimit.Limiter
}

// DefaultLimits are generous for people and scripts, tight for guessing.
func DefaultLimits() Limits {
	return Limits{
		SignInPerClient:  ratelimit.New(10, time.Minute, 5, 0),
		SignInPerAddress: ratelimit.New(5, time.Hour, 3, 0),
		APIPerKey:        ratelimit.New(600, time.Minute, 60, 0),
		APIKeyFailures:   ratelimit.New(20, time.Minute, 10, 0),
		ConnectPerClient: ratelimit.New(10, time.Minute, 10, 0),
		KeyCallbacks:     ratelimit.New(30, time.Minute, 30, 0),
	}
}
