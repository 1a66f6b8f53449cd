-- Marketplace listings read model: one row per listing (product × account). `state` is the
-- listing's folded state; the other columns are derived from it for filtering and for the
-- marketplace worker's queues (what is due to push).
CREATE TABLE listings
(
    id             uuid        PRIMARY KEY,
    account_id     uuid        NOT NULL,
    product_id     uuid        NOT NULL,
    vendor_code    text        NOT NULL,
    card_state     text        NOT NULL,
    nm_id          bigint,
    price_state    text,
    stock_state    text,
    price_due      boolean     NOT NULL,
    stock_due      boolean     NOT NULL,
    has_error      boolean     NOT NULL,
    state          jsonb       NOT NULL,
    -- sequence of the last event applied to this row: re-applying an event is a no-op
    version        bigint      NOT NULL,
    published_at   timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);

CREATE INDEX listings_account_idx ON listings (account_id, published_at, id);
CREATE INDEX listings_card_idx ON listings (account_id, card_state);
CREATE INDEX listings_due_idx ON listings (account_id) WHERE price_due OR stock_due;
CREATE INDEX listings_product_idx ON listings (product_id);
