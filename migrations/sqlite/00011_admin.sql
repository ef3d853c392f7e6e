-- +goose Up
-- The admin page shows each order's raw webhook events: link them. No
-- REFERENCES here: SQLite cannot drop a column that carries one (Down).
ALTER TABLE webhook_events ADD COLUMN order_id BIGINT;
CREATE INDEX webhook_events_order ON webhook_events (order_id) WHERE order_id IS NOT NULL;
-- Suggestions for unmatched lines compare SKUs ignoring case and spaces.
CREATE INDEX catalog_items_sku_folded ON catalog_items (lower(replace(sku, ' ', '')));
-- The dashboard counts a retailer's orders of today.
CREATE INDEX orders_retailer_created ON orders (retailer_id, created_at);

-- +goose Down
DROP INDEX orders_retailer_created;
DROP INDEX catalog_items_sku_folded;
DROP INDEX webhook_events_order;
ALTER TABLE webhook_events DROP COLUMN order_id;
