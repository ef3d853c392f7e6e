// Package ratelimit counts requests per key (a client address, an account,
// an API key) with token buckets from golang.org/x/time/rate, in bounded
// memory: past MaxKeys the least recently seen key is forgotten. Limits are
// per process; with several app machines each enforces its own share.
package ratelimit

import (
	"container/list"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter allows Burst events at once per key and refills at Rate per second.
type Limiter struct {
	rate  rate.Limit
	burst int
	max   int
	now   func() time.Time

	mu    sync.Mutex
	keys  map[string]*list.Element
	order *list.List // front: most recently seen
}

type entry struct {
	key string
	lim *rate.Limiter
}

// DefaultMaxKeys bounds the keys one Limiter remembers (about 200 bytes each).
const DefaultMaxKeys = 50_000

// New returns a limiter of every per period, with bursts of burst, that
// remembers at most maxKeys keys (DefaultMaxKeys when 0).
func New(every int, period time.Duration, burst, maxKeys int) *Limiter {
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	return &Limiter{
		rate: rate.Limit(float64(every) / period.Seconds()), burst: burst, max: maxKeys, now: time.Now,
		keys: make(map[string]*list.Element), order: list.New(),
	}
}

// Allow takes one event for key. When the bucket is empty it takes nothing
// and says how long until the next event would be allowed.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	var lim *rate.Limiter
	if el, found := l.keys[key]; found {
		l.order.MoveToFront(el)
		lim = el.Value.(*entry).lim
	} else {
		lim = rate.NewLimiter(l.rate, l.burst)
		l.keys[key] = l.order.PushFront(&entry{key: key, lim: lim})
		for l.order.Len() > l.max {
			oldest := l.order.Back()
			l.order.Remove(oldest)
			delete(l.keys, oldest.Value.(*entry).key)
		}
	}
	r := lim.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Minute
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// Peek reports whether key could take an event now, taking nothing: for
// limits on failures, counted with Allow only when a failure happens.
func (l *Limiter) Peek(key string) (ok bool, retryAfter time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	el, found := l.keys[key]
	if !found {
		return true, 0
	}
	tokens := el.Value.(*entry).lim.TokensAt(now)
	if tokens >= 1 {
		return true, 0
	}
	if l.rate <= 0 {
		return false, time.Minute
	}
	return false, time.Duration((1 - tokens) / float64(l.rate) * float64(time.Second))
}

// Len is how many keys the limiter remembers now.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.order.Len()
}

// ClientKey turns a client address into a limiter key: IPv4 addresses as
// they are, IPv6 addresses by their /64, which one subscriber usually holds
// whole (so rotating addresses within it buys nothing).
func ClientKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
