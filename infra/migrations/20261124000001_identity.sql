-- Credentials of the identity context. They live beside the event store, never in it: events
-- are relayed to Kafka and kept forever, so they only record *that* a credential changed.

-- A user's current password, as an Argon2id PHC string.
CREATE TABLE user_passwords
(
    user_id       uuid PRIMARY KEY,
    password_hash text        NOT NULL,
    changed_at    timestamptz NOT NULL DEFAULT now()
);

-- SHA-256 of each API key's secret half (the secret has 256 random bits, so a fast hash is
-- enough; the key id is the public half).
CREATE TABLE api_key_hashes
(
    key_id      uuid PRIMARY KEY,
    secret_hash bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Rotating refresh tokens. Each use marks the token used and issues the next one in the same
-- family; presenting a used token again revokes the whole family (it was stolen or replayed).
CREATE TABLE refresh_tokens
(
    id         uuid PRIMARY KEY,
    family_id  uuid        NOT NULL,
    user_id    uuid        NOT NULL,
    token_hash bytea       NOT NULL,
    issued_at  timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    revoked_at timestamptz
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

-- Failed logins per account and per client address, shared by every replica.
CREATE TABLE login_throttle
(
    key               text PRIMARY KEY,
    failures          integer     NOT NULL,
    window_started_at timestamptz NOT NULL,
    locked_until      timestamptz
);

-- Keys generated on first start when none is configured (development only: production sets
-- GOMARKET_JWT_SECRET and GOMARKET_SECRET_KEY). Shared by every process on the database.
CREATE TABLE instance_keys
(
    name       text PRIMARY KEY,
    key        bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
