package shopify

import (
	"sync"
	"time"
)

// budget is the client's estimate of the shop's rate-limit bucket, rebuilt
// from the throttleStatus Shopify returns on every response. Shopify refills
// the bucket at restoreRate points a second and refuses (THROTTLED) a query
// whose requested cost the bucket cannot cover. Waiting for the refill before
// sending, rather than after being refused, keeps the client at the limit
// without wasting attempts; the goroutines sharing a Client queue behind each
// other's reservations.
type budget struct {
	mu          sync.Mutex
	known       bool
	available   float64 // may go negative: reservations not yet refilled
	maximum     float64
	restoreRate float64
	at          time.Time          // when available was last brought up to date
	cost        map[string]float64 // last requested cost of each operation
}

// reserve takes op's expected cost from the bucket and returns how long to
// wait before sending. Nothing is reserved until Shopify has told us the
// bucket's size and op's cost.
func (b *budget) reserve(now time.Time, op string) (wait time.Duration, taken float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	cost := b.cost[op]
	if !b.known || cost <= 0 || b.restoreRate <= 0 {
		return 0, 0
	}
	avail := b.refill(now)
	if avail < cost {
		wait = seconds((cost - avail) / b.restoreRate)
	}
	b.available = avail - cost
	return wait, cost
}

// refund gives back a reservation for a request Shopify did not charge (no
// cost in the answer: a 429, a 5xx, a network error).
func (b *budget) refund(now time.Time, taken float64) {
	if taken <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.available = min(b.refill(now)+taken, b.maximum)
}

// observe replaces the estimate with what Shopify reported.
func (b *budget) observe(now time.Time, op string, c *queryCost) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.known = true
	b.available = c.ThrottleStatus.CurrentlyAvailable
	b.maximum = c.ThrottleStatus.MaximumAvailable
	b.restoreRate = c.ThrottleStatus.RestoreRate
	b.at = now
	if c.RequestedQueryCost > 0 {
		if b.cost == nil {
			b.cost = make(map[string]float64)
		}
		b.cost[op] = c.RequestedQueryCost
	}
}

// refill brings available up to now. The caller holds mu.
func (b *budget) refill(now time.Time) float64 {
	if elapsed := now.Sub(b.at).Seconds(); elapsed > 0 {
		b.available = min(b.available+elapsed*b.restoreRate, b.maximum)
		b.at = now
	}
	return b.available
}
