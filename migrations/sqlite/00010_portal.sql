-- +goose Up
-- One-time links that sign a supplier into the portal: invites (long-lived)
-- and sign-in links (short-lived). Only the SHA-256 of the token is kept.
CREATE TABLE login_links (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at DATETIME NOT NULL,
    used_at    DATETIME,
    created_at DATETIME NOT NULL
);
CREATE INDEX login_links_account ON login_links (account_id);

-- Portal sessions, server side: the cookie carries a random token whose
-- SHA-256 is the key here, so a database leak does not leak sessions.
CREATE TABLE portal_sessions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id   BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    expires_at   DATETIME NOT NULL,
    created_at   DATETIME NOT NULL
);
CREATE INDEX portal_sessions_account ON portal_sessions (account_id);
CREATE INDEX portal_sessions_expires ON portal_sessions (expires_at);

-- +goose Down
DROP TABLE portal_sessions;
DROP TABLE login_links;
