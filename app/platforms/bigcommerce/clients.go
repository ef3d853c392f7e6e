package bigcommerce

import "sync"

// Clients hands out one Client per store for the whole process. A Client
// paces itself by its view of the store's rate-limit window, so every job
// that talks to a store (order fetches, shipments, reconciliation, hooks)
// must go through the same Client or they spend the window without seeing
// each other. The zero value is ready; Options applies to every client.
type Clients struct {
	Options ClientOptions

	mu      sync.Mutex
	byStore map[string]*Client
}

// Get returns the store's client, made on first use. token is the store's
// current access token; when it differs from the one the client holds (the
// app was reinstalled), the client switches to it and keeps its rate state.
func (r *Clients) Get(storeHash, token string) (*Client, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.byStore[storeHash]; ok {
		c.setToken(token)
		return c, nil
	}
	c, err := NewClient(r.Options, storeHash, token)
	if err != nil {
		return nil, err
	}
	if r.byStore == nil {
		r.byStore = make(map[string]*Client)
	}
	r.byStore[storeHash] = c
	return c, nil
}
