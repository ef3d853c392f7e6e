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
	b.observe(t0, "order", c)

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
	// Refill never passes the maximum.
	if w, _ := b.reserve(t0.Add(time.Hour), "order"); w != 0 || b.available != 900 {
		t.Errorf("after an hour: wait %v, available %v; want 0, 900", w, b.available)
	}
}
