package bigcommerce

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// limiter is the client's view of the store's rate-limit window, rebuilt
// from the headers BigCommerce puts on every answer
// (developer.bigcommerce.com/docs/start/about, "BigCommerce-specific response
// headers"):
//
//	X-Rate-Limit-Requests-Quota  requests allowed in the window
//	X-Rate-Limit-Requests-Left   requests left in the current window
//	X-Rate-Limit-Time-Reset-Ms   milliseconds until the window refills
//	X-Rate-Limit-Time-Window-Ms  the window's length
//
// The quota is the store's, shared by every app and every goroutine, so a
// request is sent only while the estimate says the window has room; when it
// is spent, requests wait for the reset instead of collecting 429s.
type limiter struct {
	mu      sync.Mutex
	known   bool          // a response has told us the window
	left    int           // requests left, less those sent and not yet answered
	quota   int           // the window's size in requests
	window  time.Duration // the window's length
	resetAt time.Time     // when the current window refills
	pending int           // requests sent and not yet answered
	hold    time.Time     // a 429's X-Retry-After: silence until then
}

// reserve takes one request from the window and returns 0, or returns how
// long to wait before asking again.
func (l *limiter) reserve(now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Before(l.hold) {
		return l.hold.Sub(now)
	}
	if l.known && !now.Before(l.resetAt) {
		// The window we knew has refilled; assume a full one until an
		// answer says otherwise.
		l.left = l.quota
		l.resetAt = now.Add(l.window)
	}
	if l.known && l.left <= 0 {
		return l.resetAt.Sub(now)
	}
	l.left--
	l.pending++
	return 0
}

// release returns the reservation of a request that got no answer.
func (l *limiter) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = max(l.pending-1, 0)
}

// observe reads an answer's rate-limit headers. The count it reports cannot
// include requests still in flight, so those stay subtracted; within one
// window the lower estimate wins, since answers may arrive out of order.
func (l *limiter) observe(now time.Time, h http.Header) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = max(l.pending-1, 0)
	left, ok1 := headerInt(h, "X-Rate-Limit-Requests-Left")
	resetMs, ok2 := headerInt(h, "X-Rate-Limit-Time-Reset-Ms")
	if !ok1 || !ok2 {
		return // an answer without the headers (some 429s) teaches nothing
	}
	quota, okQuota := headerInt(h, "X-Rate-Limit-Requests-Quota")
	windowMs, okWindow := headerInt(h, "X-Rate-Limit-Time-Window-Ms")
	if okQuota {
		l.quota = quota
	}
	if okWindow {
		l.window = time.Duration(windowMs) * time.Millisecond
	}
	if l.window <= 0 {
		l.window = time.Duration(resetMs) * time.Millisecond
	}
	if l.quota <= 0 {
		l.quota = left
	}
	resetAt := now.Add(time.Duration(resetMs) * time.Millisecond)
	estimate := left - l.pending
	if !l.known || resetAt.After(l.resetAt.Add(l.window/2)) {
		// The first answer, or the first of a new window.
		l.known, l.left, l.resetAt = true, estimate, resetAt
		return
	}
	l.left = min(l.left, estimate)
	if resetAt.After(l.resetAt) {
		l.resetAt = resetAt
	}
}

// holdUntil keeps every request back until t (a 429's retry time).
func (l *limiter) holdUntil(t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t.After(l.hold) {
		l.hold = t
	}
}

// retryAfter is how long a 429 asks us to wait: X-Retry-After is in seconds
// (same page: "the number of seconds before the quota refreshes"); a 429
// without it may still carry X-Rate-Limit-Time-Reset-Ms ("API rate limits":
// "use the X-Rate-Limit-Time-Reset-Ms header to determine how long to wait").
// A bare 429 (BigCommerce load shedding) waits a second.
func retryAfter(h http.Header) time.Duration {
	if s, ok := headerInt(h, "X-Retry-After"); ok {
		return time.Duration(s) * time.Second
	}
	if ms, ok := headerInt(h, "X-Rate-Limit-Time-Reset-Ms"); ok && ms > 0 {
		return time.Duration(ms) * time.Millisecond
	}
	return time.Second
}

func headerInt(h http.Header, name string) (int, bool) {
	v := strings.TrimSpace(h.Get(name))
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}
