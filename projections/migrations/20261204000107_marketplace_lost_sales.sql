-- What the marketplace's own stock history report says each article lost to being out of stock
-- (issue 18: Wildberries' figure beside GoMarket's estimate), the last reported. Kept by the
-- sales projection from `LostSalesReported`.
CREATE TABLE marketplace_lost_sales
(
    account_id             uuid        NOT NULL,
    nm_id                  bigint      NOT NULL,
    period_start           date        NOT NULL,
    period_end             date        NOT NULL,
    -- orders lost, in hundredths (none: the report did not compute it)
    lost_orders_hundredths bigint,
    lost_orders_kopecks    bigint,
    missing_hours          bigint,
    reported_at            timestamptz NOT NULL,
    -- the sequence of the fact applied last in the article's stream
    version                bigint      NOT NULL,
    PRIMARY KEY (account_id, nm_id)
);
