-- The secrets store: credentials other contexts need (supplier logins, marketplace tokens),
-- encrypted with AES-256-GCM. `key_id` names the key that encrypted the row, so keys rotate:
-- rows are re-encrypted with the active key while older keys still decrypt.
CREATE TABLE secrets
(
    id         uuid PRIMARY KEY,
    name       text        NOT NULL,
    key_id     text        NOT NULL,
    nonce      bytea       NOT NULL,
    ciphertext bytea       NOT NULL,
    created_at timestamptz NOT NULL,
    created_by text        NOT NULL,
    rotated_at timestamptz
);
CREATE INDEX secrets_created_idx ON secrets (created_at DESC, id DESC);
