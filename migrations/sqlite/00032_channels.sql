-- +goose Up
-- A partnership's channel (email, sftp, edi besides portal and store) has
-- its settings (JSON), its secrets (sealed like store tokens: an SFTP
-- password or private key), the EDI control numbers it has used (raised by
-- one UPDATE ... RETURNING, so two machines never share one), and when its
-- inbound folder was last read.
ALTER TABLE partnerships ADD COLUMN channel_settings TEXT NOT NULL DEFAULT '{}';
ALTER TABLE partnerships ADD COLUMN channel_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE partnerships ADD COLUMN edi_interchange_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE partnerships ADD COLUMN edi_group_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE partnerships ADD COLUMN polled_at DATETIME;

-- What suppliers send back (files, emails) is stored whole as an event,
-- like a webhook, and processed, failed and replayed the same way; it
-- belongs to a partnership instead of a store connection (no foreign key:
-- erasing a shop deletes its partnerships' events explicitly).
ALTER TABLE webhook_events ADD COLUMN partnership_id BIGINT;
CREATE INDEX webhook_events_partnership ON webhook_events (partnership_id);

-- Everything Consign sends a supplier, stored whole before it is sent.
CREATE TABLE outbound_messages (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    partnership_id       BIGINT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
    purchase_order_id    BIGINT REFERENCES purchase_orders(id) ON DELETE CASCADE,
    channel              TEXT NOT NULL,
    kind                 TEXT NOT NULL,
    name                 TEXT NOT NULL,
    content_type         TEXT NOT NULL,
    body                 BLOB NOT NULL,
    dedup_key            TEXT NOT NULL UNIQUE,
    state                TEXT NOT NULL,
    error                TEXT NOT NULL DEFAULT '',
    attempts             INTEGER NOT NULL DEFAULT 0,
    control_number       TEXT NOT NULL DEFAULT '',
    group_control_number TEXT NOT NULL DEFAULT '',
    message_id           TEXT NOT NULL DEFAULT '',
    batch_id             BIGINT,
    created_at           DATETIME NOT NULL,
    sent_at              DATETIME,
    answered_at          DATETIME
);
CREATE INDEX outbound_messages_po ON outbound_messages (purchase_order_id);
CREATE INDEX outbound_messages_group ON outbound_messages (partnership_id, group_control_number);

-- The received messages that concern a PO (one 856 may name several).
CREATE TABLE po_messages (
    purchase_order_id BIGINT NOT NULL REFERENCES purchase_orders(id) ON DELETE CASCADE,
    event_id          BIGINT NOT NULL REFERENCES webhook_events(id) ON DELETE CASCADE,
    note              TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (purchase_order_id, event_id)
);
CREATE INDEX po_messages_event ON po_messages (event_id);

-- A supplier's invoice for a PO, with its differences from the PO's cost.
CREATE TABLE invoices (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    purchase_order_id BIGINT NOT NULL REFERENCES purchase_orders(id) ON DELETE CASCADE,
    supplier_id       BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    number            TEXT NOT NULL,
    currency          TEXT NOT NULL,
    total             BIGINT NOT NULL,
    expected          BIGINT NOT NULL,
    lines             TEXT NOT NULL DEFAULT '[]',
    flagged           BOOLEAN NOT NULL DEFAULT 0,
    event_id          BIGINT REFERENCES webhook_events(id) ON DELETE SET NULL,
    created_at        DATETIME NOT NULL,
    UNIQUE (supplier_id, number)
);
CREATE INDEX invoices_po ON invoices (purchase_order_id);

-- A PO's email carries a link that opens that one PO in the portal with no
-- account: the session it opens is scoped to the PO.
ALTER TABLE portal_sessions ADD COLUMN purchase_order_id BIGINT;

-- +goose Down
ALTER TABLE portal_sessions DROP COLUMN purchase_order_id;
DROP TABLE invoices;
DROP TABLE po_messages;
DROP TABLE outbound_messages;
DROP INDEX webhook_events_partnership;
ALTER TABLE webhook_events DROP COLUMN partnership_id;
ALTER TABLE partnerships DROP COLUMN polled_at;
ALTER TABLE partnerships DROP COLUMN edi_group_seq;
ALTER TABLE partnerships DROP COLUMN edi_interchange_seq;
ALTER TABLE partnerships DROP COLUMN channel_secret;
ALTER TABLE partnerships DROP COLUMN channel_settings;
