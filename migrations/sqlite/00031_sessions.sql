-- +goose Up
-- An install or connect is bound to the browser that started it: the
-- browser keeps a random cookie, the state row its SHA-256. A WooCommerce
-- reconnect, started by a signed-in merchant, names the connection whose
-- keys its callback may replace.
ALTER TABLE oauth_states ADD COLUMN browser_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE oauth_states ADD COLUMN reconnect_of BIGINT;
CREATE INDEX oauth_states_shop ON oauth_states (platform, shop, created_at);

-- Admin sessions of stores outside Shopify (BigCommerce, WooCommerce),
-- server side: the cookie carries a random token whose SHA-256 is the key
-- here. Sign-out and uninstall revoke them; idle ones expire.
CREATE TABLE admin_sessions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash    TEXT NOT NULL UNIQUE,
    connection_id BIGINT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    user_ref      TEXT NOT NULL DEFAULT '',
    created_at    DATETIME NOT NULL,
    last_seen_at  DATETIME NOT NULL,
    expires_at    DATETIME NOT NULL,
    revoked_at    DATETIME
);
CREATE INDEX admin_sessions_connection ON admin_sessions (connection_id);
CREATE INDEX admin_sessions_expires ON admin_sessions (expires_at);

-- +goose Down
DROP TABLE admin_sessions;
DROP INDEX oauth_states_shop;
ALTER TABLE oauth_states DROP COLUMN reconnect_of;
ALTER TABLE oauth_states DROP COLUMN browser_hash;
