-- The allow-list of GraphQL query texts, by SHA-256 (hex): what `gomarket persisted-queries
-- register` adds and what GOMARKET_PERSISTED_QUERIES_ONLY=true runs. Automatic persisted
-- queries (Apollo APQ) are not stored here; they live in Redis and in each process.
CREATE TABLE persisted_queries
(
    hash           text PRIMARY KEY CHECK (hash ~ '^[0-9a-f]{64}$'),
    query          text        NOT NULL,
    operation_name text,
    registered_at  timestamptz NOT NULL DEFAULT now()
);
