package shopify

import (
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := map[string]time.Duration{
		"2.0":                           2 * time.Second, // what Shopify sends
		"3":                             3 * time.Second,
		"0.25":                          250 * time.Millisecond,
		"":                              0,
		"soon":                          0,
		"-1":                            0,
		"Sun, 01 Mar 2026 12:00:05 GMT": 5 * time.Second,
		"Sun, 01 Mar 2026 11:00:00 GMT": 0, // in the past
	}
	for in, want := range tests {
		if got := retryAfter(in, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestExponentialBackoff(t *testing.T) {
	t.Parallel()
	for attempt, full := range map[int]time.Duration{0: time.Second, 1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 6: 32 * time.Second, 60: 32 * time.Second} {
		for range 100 {
			if d := exponentialBackoff(attempt); d <= full/2 || d > full {
				t.Fatalf("exponentialBackoff(%d) = %v, want (%v, %v]", attempt, d, full/2, full)
			}
		}
	}
}

func TestThrottleWait(t *testing.T) {
	t.Parallel()
	c := &queryCost{RequestedQueryCost: 752}
	c.ThrottleStatus.MaximumAvailable = 1000
	c.ThrottleStatus.CurrentlyAvailable = 666
	c.ThrottleStatus.RestoreRate = 50
	if got, want := throttleWait(c), 1720*time.Millisecond; got != want { // (752-666)/50 s
		t.Errorf("throttleWait = %v, want %v", got, want)
	}
	c.ThrottleStatus.CurrentlyAvailable = 900 // refilled meanwhile: wait for one point
	if got, want := throttleWait(c), 20*time.Millisecond; got != want {
		t.Errorf("throttleWait = %v, want %v", got, want)
	}
	if throttleWait(nil) != 0 {
		t.Error("throttleWait(nil) != 0")
	}
}

func TestBudget(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var b budget
	if w, taken := b.reserve(t0, "order"); w != 0 || taken != 0 {
		t.Fatalf("unknown bucket: reserve = %v, %v", w, taken)
	}
	c := &queryCost{RequestedQueryCost: 100}
	c.ThrottleStatus.MaximumAvailable = 1000
	c.ThrottleStatus.CurrentlyAvailable = 250
	c.ThrottleStatus.RestoreRate = 50
	b.observe(t0, "order", c, 0)

	// 250 available: two go at once, the third waits for 50 points (1 s).
	for i, want := range []time.Duration{0, 0, time.Second, 3 * time.Second} {
		if w, _ := b.reserve(t0, "order"); w != want {
			t.Errorf("reservation %d waits %v, want %v", i+1, w, want)
		}
	}
	// A refund returns the points of a request Shopify did not charge:
	// -150 + 100 = -50, and 10 s of refill (500 points) cover the next one.
	b.refund(t0, 100)
	if b.available != -50 {
		t.Errorf("after refund: available %v, want -50", b.available)
	}
	if w, _ := b.reserve(t0.Add(10*time.Second), "order"); w != 0 {
		t.Errorf("after 10 s: wait %v, want 0", w)
	}
	// Refill never passes the maximum, less what is still reserved: four
	// unanswered reservations of 100 and this one.
	if w, _ := b.reserve(t0.Add(time.Hour), "order"); w != 0 || b.available != 500 {
		t.Errorf("after an hour: wait %v, available %v; want 0, 500", w, b.available)
	}
}

// Shopify admits a query when the bucket holds its requested cost but takes
// only its actual cost: the client reserves the actual cost, so many cheap
// queries go at once and then one every actual/restoreRate, not one every
// requested/restoreRate.
func TestBudgetChargesActualCost(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var b budget
	actual := 11.0
	c := &queryCost{RequestedQueryCost: 755, ActualQueryCost: &actual}
	c.ThrottleStatus.MaximumAvailable = 1000
	c.ThrottleStatus.CurrentlyAvailable = 1000
	c.ThrottleStatus.RestoreRate = 50
	b.observe(t0, "order", c, 0)
	// 1000 - 22*11 = 758 >= 755: 23 go at once; then one every 11/50 s.
	var waits []time.Duration
	for range 25 {
		w, taken := b.reserve(t0, "order")
		if taken != 11 {
			t.Fatalf("reserved %v points, want the actual cost 11", taken)
		}
		waits = append(waits, w)
	}
	for i, w := range waits[:23] {
		if w != 0 {
			t.Fatalf("reservation %d waits %v, want 0", i+1, w)
		}
	}
	if waits[23] != 160*time.Millisecond || waits[24] != 380*time.Millisecond {
		t.Errorf("reservations 24 and 25 wait %v and %v, want 160ms and 380ms", waits[23], waits[24])
	}

	// An answer to one request reports the bucket without the 24 others
	// still reserved: they keep counting.
	c.ThrottleStatus.CurrentlyAvailable = 989
	b.observe(t0, "order", c, 11)
	if b.available != 989-24*11 {
		t.Errorf("available after an answer = %v, want %v", b.available, 989-24*11)
	}
}

// A cheap operation does not jump the queue of an expensive one: it would
// take the points the waiting one was promised.
func TestBudgetFirstComeFirstServed(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var b budget
	for op, cost := range map[string][2]float64{"order": {755, 11}, "fulfillmentCreate": {10, 10}} {
		c := &queryCost{RequestedQueryCost: cost[0], ActualQueryCost: &cost[1]}
		c.ThrottleStatus.MaximumAvailable = 1000
		c.ThrottleStatus.CurrentlyAvailable = 700
		c.ThrottleStatus.RestoreRate = 50
		b.observe(t0, op, c, 0)
	}
	if w, _ := b.reserve(t0, "order"); w != 1100*time.Millisecond { // (755-700)/50
		t.Fatalf("order waits %v, want 1.1s", w)
	}
	if w, _ := b.reserve(t0, "fulfillmentCreate"); w != 1100*time.Millisecond {
		t.Errorf("mutation waits %v, want to go after the order query, at 1.1s", w)
	}
}
