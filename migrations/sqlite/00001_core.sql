-- +goose Up
CREATE TABLE accounts (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    name              TEXT NOT NULL,
    email             TEXT NOT NULL DEFAULT '',
    is_retailer       BOOLEAN NOT NULL DEFAULT 0,
    is_supplier       BOOLEAN NOT NULL DEFAULT 0,
    currency          TEXT NOT NULL DEFAULT 'USD',
    routing_trigger   TEXT NOT NULL DEFAULT 'paid',
    late_accept_hours INTEGER NOT NULL DEFAULT 24,
    late_ship_days    INTEGER NOT NULL DEFAULT 3,
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL
);

CREATE TABLE connections (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id     BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    platform       TEXT NOT NULL,
    shop           TEXT NOT NULL,
    access_token   TEXT NOT NULL DEFAULT '',
    scopes         TEXT NOT NULL DEFAULT '',
    installed_at   DATETIME NOT NULL,
    uninstalled_at DATETIME,
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL,
    UNIQUE (platform, shop)
);
CREATE INDEX connections_account ON connections (account_id);

CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id   BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    prefix       TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    created_at   DATETIME NOT NULL,
    last_used_at DATETIME,
    revoked_at   DATETIME
);
CREATE INDEX api_keys_account ON api_keys (account_id);

CREATE TABLE partnerships (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    retailer_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    supplier_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    strategy    TEXT NOT NULL DEFAULT 'priority',
    priority    INTEGER NOT NULL DEFAULT 100,
    channel     TEXT NOT NULL DEFAULT 'portal',
    active      BOOLEAN NOT NULL DEFAULT 1,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL,
    UNIQUE (retailer_id, supplier_id)
);
CREATE INDEX partnerships_supplier ON partnerships (supplier_id);

CREATE TABLE catalog_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    supplier_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    sku         TEXT NOT NULL,
    gtin        TEXT NOT NULL DEFAULT '',
    title       TEXT NOT NULL DEFAULT '',
    cost        BIGINT NOT NULL,
    currency    TEXT NOT NULL,
    inventory   INTEGER,
    active      BOOLEAN NOT NULL DEFAULT 1,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL,
    UNIQUE (supplier_id, sku)
);
CREATE INDEX catalog_items_sku ON catalog_items (sku);
CREATE INDEX catalog_items_gtin ON catalog_items (gtin) WHERE gtin <> '';

CREATE TABLE mappings (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    retailer_id     BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    variant_id      TEXT NOT NULL,
    supplier_id     BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    catalog_item_id BIGINT NOT NULL REFERENCES catalog_items(id) ON DELETE CASCADE,
    priority        INTEGER NOT NULL DEFAULT 100,
    created_at      DATETIME NOT NULL,
    UNIQUE (retailer_id, variant_id, supplier_id)
);

CREATE TABLE webhook_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    platform      TEXT NOT NULL,
    topic         TEXT NOT NULL,
    delivery_id   TEXT NOT NULL,
    shop          TEXT NOT NULL DEFAULT '',
    connection_id BIGINT REFERENCES connections(id) ON DELETE SET NULL,
    headers       TEXT NOT NULL DEFAULT '{}',
    body          BLOB NOT NULL,
    state         TEXT NOT NULL,
    error         TEXT NOT NULL DEFAULT '',
    received_at   DATETIME NOT NULL,
    processed_at  DATETIME,
    UNIQUE (platform, delivery_id)
);
CREATE INDEX webhook_events_connection ON webhook_events (connection_id, received_at);

CREATE TABLE orders (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    connection_id       BIGINT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    retailer_id         BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    platform            TEXT NOT NULL,
    external_id         TEXT NOT NULL,
    gid                 TEXT NOT NULL DEFAULT '',
    name                TEXT NOT NULL DEFAULT '',
    number              BIGINT NOT NULL DEFAULT 0,
    currency            TEXT NOT NULL,
    financial_status    TEXT NOT NULL DEFAULT '',
    cancelled_at        DATETIME,
    customer_email      TEXT NOT NULL DEFAULT '',
    ship_to             TEXT NOT NULL DEFAULT '{}',
    state               TEXT NOT NULL,
    attention           TEXT NOT NULL DEFAULT '',
    platform_updated_at DATETIME NOT NULL,
    created_at          DATETIME NOT NULL,
    updated_at          DATETIME NOT NULL,
    UNIQUE (connection_id, external_id)
);
CREATE INDEX orders_retailer_state ON orders (retailer_id, state, id);

CREATE TABLE order_lines (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id             BIGINT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    external_id          TEXT NOT NULL,
    variant_id           TEXT NOT NULL DEFAULT '',
    product_id           TEXT NOT NULL DEFAULT '',
    sku                  TEXT NOT NULL DEFAULT '',
    gtin                 TEXT NOT NULL DEFAULT '',
    title                TEXT NOT NULL DEFAULT '',
    quantity             INTEGER NOT NULL,
    fulfillable_quantity INTEGER NOT NULL,
    unit_price           BIGINT NOT NULL,
    requires_shipping    BOOLEAN NOT NULL,
    gift_card            BOOLEAN NOT NULL,
    UNIQUE (order_id, external_id)
);

CREATE TABLE purchase_orders (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    number         TEXT NOT NULL UNIQUE,
    order_id       BIGINT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    retailer_id    BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    supplier_id    BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    state          TEXT NOT NULL,
    currency       TEXT NOT NULL,
    total_cost     BIGINT NOT NULL,
    ship_to        TEXT NOT NULL DEFAULT '{}',
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL,
    UNIQUE (order_id, supplier_id)
);
CREATE INDEX purchase_orders_supplier ON purchase_orders (supplier_id, state, id);
CREATE INDEX purchase_orders_retailer ON purchase_orders (retailer_id, state, id);

CREATE TABLE po_lines (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    purchase_order_id BIGINT NOT NULL REFERENCES purchase_orders(id) ON DELETE CASCADE,
    order_line_id     BIGINT NOT NULL REFERENCES order_lines(id) ON DELETE CASCADE,
    catalog_item_id   BIGINT REFERENCES catalog_items(id) ON DELETE SET NULL,
    sku               TEXT NOT NULL,
    title             TEXT NOT NULL DEFAULT '',
    quantity          INTEGER NOT NULL,
    cost              BIGINT NOT NULL,
    state             TEXT NOT NULL DEFAULT 'open',
    reason            TEXT NOT NULL DEFAULT '',
    UNIQUE (purchase_order_id, order_line_id)
);
CREATE INDEX po_lines_order_line ON po_lines (order_line_id);

CREATE TABLE po_events (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    purchase_order_id BIGINT NOT NULL REFERENCES purchase_orders(id) ON DELETE CASCADE,
    from_state        TEXT NOT NULL DEFAULT '',
    to_state          TEXT NOT NULL,
    reason            TEXT NOT NULL DEFAULT '',
    actor             TEXT NOT NULL DEFAULT '',
    created_at        DATETIME NOT NULL
);
CREATE INDEX po_events_po ON po_events (purchase_order_id, id);

CREATE TABLE shipments (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    purchase_order_id BIGINT NOT NULL REFERENCES purchase_orders(id) ON DELETE CASCADE,
    carrier           TEXT NOT NULL DEFAULT '',
    tracking_number   TEXT NOT NULL DEFAULT '',
    tracking_url      TEXT NOT NULL DEFAULT '',
    state             TEXT NOT NULL,
    remote_id         TEXT NOT NULL DEFAULT '',
    error             TEXT NOT NULL DEFAULT '',
    pushed_at         DATETIME,
    created_at        DATETIME NOT NULL
);
CREATE INDEX shipments_po ON shipments (purchase_order_id);

CREATE TABLE shipment_lines (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    shipment_id BIGINT NOT NULL REFERENCES shipments(id) ON DELETE CASCADE,
    po_line_id  BIGINT NOT NULL REFERENCES po_lines(id) ON DELETE CASCADE,
    quantity    INTEGER NOT NULL
);
CREATE INDEX shipment_lines_shipment ON shipment_lines (shipment_id);
CREATE INDEX shipment_lines_po_line ON shipment_lines (po_line_id);

-- +goose Down
DROP TABLE shipment_lines;
DROP TABLE shipments;
DROP TABLE po_events;
DROP TABLE po_lines;
DROP TABLE purchase_orders;
DROP TABLE order_lines;
DROP TABLE orders;
DROP TABLE webhook_events;
DROP TABLE mappings;
DROP TABLE catalog_items;
DROP TABLE partnerships;
DROP TABLE api_keys;
DROP TABLE connections;
DROP TABLE accounts;
