-- +goose Up
-- Expiring offline tokens: the refresh token (sealed like the access token)
-- and when each expires; NULL expiry is a token that does not expire.
ALTER TABLE connections ADD COLUMN refresh_token TEXT NOT NULL DEFAULT '';
ALTER TABLE connections ADD COLUMN access_token_expires_at TIMESTAMPTZ;
ALTER TABLE connections ADD COLUMN refresh_token_expires_at TIMESTAMPTZ;

-- OAuth authorization-code installs: one row per state nonce handed to
-- Shopify, deleted when the callback uses it (single use).
CREATE TABLE oauth_states (
    state      TEXT PRIMARY KEY,
    shop       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX oauth_states_expires ON oauth_states (expires_at);

-- +goose Down
DROP TABLE oauth_states;
ALTER TABLE connections DROP COLUMN refresh_token_expires_at;
ALTER TABLE connections DROP COLUMN access_token_expires_at;
ALTER TABLE connections DROP COLUMN refresh_token;
