-- +goose Up
-- A customer's data request (Shopify customers/data_request): what Consign
-- holds about the customer, assembled when the request arrived, for the
-- retailer to read in the admin and send on. Erased with the customer
-- (customers/redact) or the shop (shop/redact, by cascade).
CREATE TABLE data_requests (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    connection_id    BIGINT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    retailer_id      BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    webhook_event_id BIGINT NOT NULL UNIQUE,
    request_ref      TEXT NOT NULL DEFAULT '',
    customer_ref     TEXT NOT NULL DEFAULT '',
    customer_email   TEXT NOT NULL DEFAULT '',
    payload          TEXT NOT NULL,
    requested_at     DATETIME NOT NULL,
    created_at       DATETIME NOT NULL
);
CREATE INDEX data_requests_retailer ON data_requests (retailer_id, id);

-- +goose Down
DROP TABLE data_requests;
