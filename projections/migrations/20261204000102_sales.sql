-- The sales read model (issue 18), from the MarketplaceOrder facts.

-- Every fact, one row each, keyed by its stream and sequence: a fact delivered twice (Kafka
-- redelivery, a replay) is the same row, so the daily figures count it once. The unmatched
-- rows are listed from here.
CREATE TABLE sales_facts
(
    order_id            uuid        NOT NULL,
    sequence            bigint      NOT NULL,
    account_id          uuid        NOT NULL,
    -- ORDER, CANCEL, SALE, RETURN
    kind                text        NOT NULL,
    srid                text        NOT NULL,
    sale_id             text,
    nm_id               bigint      NOT NULL,
    vendor_code         text        NOT NULL,
    barcode             text        NOT NULL,
    listing_id          uuid,
    product_id          uuid,
    at                  timestamptz NOT NULL,
    -- the Moscow day of `at`: the seller's day
    day                 date        NOT NULL,
    price_with_discount bigint      NOT NULL,
    for_pay             bigint      NOT NULL,
    PRIMARY KEY (order_id, sequence)
);
CREATE INDEX sales_facts_unmatched_idx ON sales_facts (account_id, at DESC, order_id, sequence)
    WHERE product_id IS NULL;

-- Per account, article and Moscow day: what was ordered, cancelled, bought out and returned.
CREATE TABLE sales_daily
(
    account_id      uuid    NOT NULL,
    nm_id           bigint  NOT NULL,
    day             date    NOT NULL,
    listing_id      uuid,
    product_id      uuid,
    vendor_code     text    NOT NULL,
    orders          integer NOT NULL,
    cancellations   integer NOT NULL,
    buyouts         integer NOT NULL,
    returns         integer NOT NULL,
    -- priceWithDisc of the orders placed that day
    ordered_kopecks bigint  NOT NULL,
    -- priceWithDisc of the buyouts, less that of the returns
    revenue_kopecks bigint  NOT NULL,
    -- forPay of the buyouts, less that of the returns
    payout_kopecks  bigint  NOT NULL,
    PRIMARY KEY (account_id, nm_id, day)
);
CREATE INDEX sales_daily_day_idx ON sales_daily (account_id, day);
