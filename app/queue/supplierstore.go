package queue

import "github.com/riverqueue/river"

// CreateStoreOrder creates an accepted PO as an order in its supplier's own
// store (partnership channel "store").
type CreateStoreOrder struct {
	PurchaseOrderID int64 `json:"purchase_order_id"`
}

func (CreateStoreOrder) Kind() string { return "create_store_order" }

func (CreateStoreOrder) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueuePlatform} }

// CancelStoreOrder cancels the order a cancelled PO became in its supplier's
// store, unless the supplier has fulfilled it already.
type CancelStoreOrder struct {
	PurchaseOrderID int64 `json:"purchase_order_id"`
}

func (CancelStoreOrder) Kind() string { return "cancel_store_order" }

func (CancelStoreOrder) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueuePlatform} }
