package shopify

import (
	"sync"
	"time"
)

// budget is the client's estimate of the shop's rate-limit bucket, rebuilt
// from the throttleStatus Shopify returns on every response. Shopify refills
// the bucket at restoreRate points a second, admits a query only when the
// bucket holds its requested cost, and then takes only its actual cost
// (often far less: an order query asks for 755 points and costs about 11).
// Waiting for the refill before sending, rather than after being refused,
// keeps the client at the limit without wasting attempts; the goroutines
// sharing a Client queue behind each other's reservations, first come first
// served.
type budget struct {
	mu          sync.Mutex
	known       bool
	available   float64 // may go negative: reservations not yet refilled
	maximum     float64
	restoreRate float64
	at          time.Time          // when available was last brought up to date
	pending     float64            // points reserved by requests not answered yet
	next        time.Time          // when the latest reservation sends; later ones go after it
	requested   map[string]float64 // last requested cost of each operation: what admits it
	charged     map[string]float64 // last actual cost of each operation: what it takes
	// until is when a 429's Retry-After ends: Shopify asked for silence
	// from this app until then, whichever goroutine or job asks next.
	until time.Time
}

// reserve takes op's expected cost from the bucket and returns how long to
// wait before sending: until the bucket, less every earlier reservation,
// holds op's requested cost, and not before the previous reservation sends.
// Nothing is reserved until Shopify has told us the bucket's size and op's
// cost.
func (b *budget) reserve(now time.Time, op string) (wait time.Duration, taken float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	hold := max(b.until.Sub(now), 0)
	requested := b.requested[op]
	if !b.known || requested <= 0 || b.restoreRate <= 0 {
		return hold, 0
	}
	avail := b.refill(now)
	if avail < requested {
		wait = seconds((requested - avail) / b.restoreRate)
	}
	wait = max(wait, b.next.Sub(now), hold)
	taken = b.charged[op]
	if taken <= 0 {
		taken = requested
	}
	b.available = avail - taken
	b.pending += taken
	b.next = now.Add(wait)
	return wait, taken
}

// holdUntil keeps every request back until t (a 429's Retry-After).
func (b *budget) holdUntil(t time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.After(b.until) {
		b.until = t
	}
}

// refund gives back a reservation for a request Shopify did not charge (no
// cost in the answer: a 429, a 5xx, a network error).
func (b *budget) refund(now time.Time, taken float64) {
	if taken <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.available = b.refill(now) + taken
	b.pending = max(b.pending-taken, 0)
}

// observe replaces the estimate with what Shopify reported for a request
// that had reserved taken points. The report cannot include the requests
// reserved but not yet answered, so their reservations still count.
func (b *budget) observe(now time.Time, op string, c *queryCost, taken float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pending = max(b.pending-taken, 0)
	b.known = true
	b.available = c.ThrottleStatus.CurrentlyAvailable - b.pending
	b.maximum = c.ThrottleStatus.MaximumAvailable
	b.restoreRate = c.ThrottleStatus.RestoreRate
	b.at = now
	if b.requested == nil {
		b.requested, b.charged = make(map[string]float64), make(map[string]float64)
	}
	if c.RequestedQueryCost > 0 {
		b.requested[op] = c.RequestedQueryCost
	}
	if c.ActualQueryCost != nil && *c.ActualQueryCost > 0 {
		b.charged[op] = *c.ActualQueryCost
	}
}

// refill brings available up to now. The bucket itself stops at maximum,
// and available is the bucket less the pending reservations. The caller
// holds mu.
func (b *budget) refill(now time.Time) float64 {
	if elapsed := now.Sub(b.at).Seconds(); elapsed > 0 {
		b.available = min(b.available+elapsed*b.restoreRate, b.maximum-b.pending)
		b.at = now
	}
	return b.available
}
