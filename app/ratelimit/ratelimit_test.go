package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

func TestAllowAndRetryAfter(t *testing.T) {
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := New(6, time.Minute, 3, 0) // one every 10 s, bursts of 3
	l.now = func() time.Time { return clock }
	for i := range 3 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("event %d of the burst refused", i+1)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait <= 0 || wait > 10*time.Second {
		t.Fatalf("fourth event: ok %v, retry after %s; want refused within 10 s", ok, wait)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("another key shares a's bucket")
	}
	clock = clock.Add(wait)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatalf("refused after waiting the advertised %s", wait)
	}
	// A refused event takes nothing: refusals do not push the wait out.
	for range 100 {
		l.Allow("a")
	}
	clock = clock.Add(10 * time.Second)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("refusals consumed tokens")
	}
}

func TestMemoryBounded(t *testing.T) {
	l := New(1, time.Hour, 1, 1000)
	for i := range 100_000 {
		l.Allow(fmt.Sprintf("client-%d", i))
	}
	if n := l.Len(); n != 1000 {
		t.Fatalf("remembers %d keys, want the bound 1000", n)
	}
	// The most recent keys are the ones kept.
	if ok, _ := l.Allow("client-99999"); ok {
		t.Fatal("the most recent key was forgotten")
	}
}

func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":          "203.0.113.7",
		"::ffff:203.0.113.7":   "203.0.113.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
		"not an address":       "not an address",
	} {
		if got := ClientKey(in); got != want {
			t.Errorf("ClientKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPeekTakesNothing(t *testing.T) {
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := New(1, time.Minute, 2, 0)
	l.now = func() time.Time { return clock }
	for range 10 {
		if ok, _ := l.Peek("k"); !ok {
			t.Fatal("peeking refused a fresh key")
		}
	}
	l.Allow("k")
	l.Allow("k")
	ok, wait := l.Peek("k")
	if ok || wait <= 0 || wait > time.Minute {
		t.Fatalf("after the burst Peek = %v, %s; want refused within a minute", ok, wait)
	}
}
