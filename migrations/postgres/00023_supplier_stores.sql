-- +goose Up
-- A PO of a supplier whose channel is "store" becomes an order in the
-- supplier's own Shopify store: remember which order, in which connection,
-- so a retried job never creates it twice and the store's fulfillments find
-- their PO.
ALTER TABLE purchase_orders ADD COLUMN remote_connection_id BIGINT REFERENCES connections(id) ON DELETE SET NULL;
ALTER TABLE purchase_orders ADD COLUMN remote_order_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX purchase_orders_remote_order ON purchase_orders (remote_connection_id, remote_order_id)
    WHERE remote_order_id <> '';
-- A shipment that came from a fulfillment in the supplier's store names it,
-- so a repeated webhook records it once.
ALTER TABLE shipments ADD COLUMN remote_fulfillment_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX shipments_remote_fulfillment ON shipments (purchase_order_id, remote_fulfillment_id)
    WHERE remote_fulfillment_id <> '';

-- +goose Down
DROP INDEX shipments_remote_fulfillment;
ALTER TABLE shipments DROP COLUMN remote_fulfillment_id;
DROP INDEX purchase_orders_remote_order;
ALTER TABLE purchase_orders DROP COLUMN remote_order_id;
ALTER TABLE purchase_orders DROP COLUMN remote_connection_id;
