package fakeshopify

import "time"

// Requested costs, as Shopify's rules price the shopify client's documents:
// objects cost 1, connections 2 plus their first: size times their nodes'
// cost, mutations 10.
const (
	orderQueryCost = 755
	mutationCost   = 10
	otherCost      = 1
)

func requestedCost(req *Request) float64 {
	if c, ok := storeOrderCost(req.Operation); ok {
		return c
	}
	switch req.Operation {
	case "updatedOrders":
		return ordersQueryCost(req.Variables)
	case "order":
		return orderQueryCost
	case "fulfillmentCreate":
		return mutationCost
	}
	return otherCost
}

// bucket is a shop's leaky bucket of cost points: it refills at RestoreRate
// points a second up to MaximumAvailable; each request takes its cost.
type bucket struct {
	available float64
	at        time.Time
	started   bool
}

// level refills the bucket up to now and returns what it holds.
func (b *bucket) level(now time.Time, maximum, rate float64) float64 {
	if !b.started {
		b.available, b.at, b.started = maximum, now, true
	}
	if elapsed := now.Sub(b.at).Seconds(); elapsed > 0 {
		b.available = min(b.available+elapsed*rate, maximum)
		b.at = now
	}
	return b.available
}

// take removes a request's actual cost. Never below zero: when the limit is
// not enforced the bucket just reads empty.
func (b *bucket) take(cost float64) {
	b.available = max(b.available-cost, 0)
}
