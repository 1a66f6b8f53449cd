-- How far each projection has applied the feed. Advanced in the same transaction as the
-- projection's rows, so a crash never leaves rows and checkpoint out of step.
CREATE TABLE projection_checkpoints
(
    name       text        PRIMARY KEY,
    tx_id      bigint      NOT NULL,
    position   bigint      NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
