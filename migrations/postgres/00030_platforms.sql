-- +goose Up
-- BigCommerce and WooCommerce deliveries are authenticated by a secret per
-- connection (sealed like the tokens), set when Consign creates the hooks.
ALTER TABLE connections ADD COLUMN webhook_secret TEXT NOT NULL DEFAULT '';

-- The store's own status ("Awaiting Fulfillment", "processing") and, when
-- it is not the one that means paid and ready, why the order waits.
ALTER TABLE orders ADD COLUMN platform_status TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN hold TEXT NOT NULL DEFAULT '';

-- Install flows of every platform share the nonce table; a WooCommerce
-- connect remembers the connection its key callback made, for the return.
ALTER TABLE oauth_states ADD COLUMN platform TEXT NOT NULL DEFAULT 'shopify';
ALTER TABLE oauth_states ADD COLUMN connection_id BIGINT;

-- Signed callbacks are accepted once: their jti is kept until they expire.
CREATE TABLE used_tokens (
    jti        TEXT PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX used_tokens_expires ON used_tokens (expires_at);

-- +goose Down
DROP TABLE used_tokens;
ALTER TABLE oauth_states DROP COLUMN connection_id;
ALTER TABLE oauth_states DROP COLUMN platform;
ALTER TABLE orders DROP COLUMN hold;
ALTER TABLE orders DROP COLUMN platform_status;
ALTER TABLE connections DROP COLUMN webhook_secret;
