package queue

import "github.com/riverqueue/river"

// FetchOrder reads an order a webhook only names (BigCommerce) from the
// store's API and stores it as an event of its own, which the pipeline
// then processes like any order payload.
type FetchOrder struct {
	ConnectionID int64  `json:"connection_id"`
	OrderID      string `json:"order_id"`
}

func (FetchOrder) Kind() string { return "fetch_order" }

func (FetchOrder) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueuePlatform} }

// ConnectHooks makes sure a connected store sends Consign its order
// webhooks: it creates the missing hooks and re-enables disabled ones.
type ConnectHooks struct {
	ConnectionID int64 `json:"connection_id"`
}

func (ConnectHooks) Kind() string { return "connect_hooks" }

func (ConnectHooks) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueuePlatform, UniqueOpts: uniqueWhileOpen}
}
