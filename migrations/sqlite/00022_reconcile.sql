-- +goose Up
-- Reconciliation reads each connection's orders updated since its
-- checkpoint: the newest update already stored (last_updated_at; NULL before
-- the first run) and when it last finished a run.
CREATE TABLE reconcile_checkpoints (
    connection_id   BIGINT PRIMARY KEY REFERENCES connections(id) ON DELETE CASCADE,
    last_updated_at DATETIME,
    last_run_at     DATETIME
);

-- +goose Down
DROP TABLE reconcile_checkpoints;
