package shopify

import (
	"strings"
	"sync"
)

// Clients hands out one Client per shop for the whole process. A Client
// paces itself by its view of the shop's query cost budget, so every job that
// talks to a shop (fulfillment pushes, reconciliation, ...) must go through
// the same Client or they spend the budget without seeing each other.
// The zero value is ready; Options applies to every client it makes.
type Clients struct {
	Options ClientOptions

	mu     sync.Mutex
	byShop map[string]*Client
}

// Get returns the shop's client, made on first use. token is the shop's
// current access token (the caller fetches a valid one, refreshing it when
// it expires); when it differs from the one the client holds, the client
// switches to it and keeps its rate-limit state.
func (r *Clients) Get(shop, token string) (*Client, error) {
	key := strings.ToLower(shop)
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.byShop[key]; ok {
		if token != "" && *c.token.Load() != token {
			c.token.Store(&token)
		}
		return c, nil
	}
	c, err := NewClient(shop, token, r.Options)
	if err != nil {
		return nil, err
	}
	if r.byShop == nil {
		r.byShop = make(map[string]*Client)
	}
	r.byShop[key] = c
	return c, nil
}
