-- Stock cover and product performance (issue 18), kept by the sales projection from the
-- MarketplaceOrder and MarketplaceStock facts.

-- What each size of an article holds in each marketplace warehouse, as last observed.
CREATE TABLE marketplace_stock_levels
(
    account_id         uuid        NOT NULL,
    nm_id              bigint      NOT NULL,
    barcode            text        NOT NULL,
    warehouse          text        NOT NULL,
    quantity           bigint      NOT NULL,
    in_way_to_client   bigint      NOT NULL,
    in_way_from_client bigint      NOT NULL,
    changed_at         timestamptz NOT NULL,
    PRIMARY KEY (account_id, nm_id, barcode, warehouse)
);

-- Per article: the sequence of the last stock fact applied (a fact delivered again is skipped)
-- and the total it left in the marketplace's warehouses.
CREATE TABLE marketplace_stock_articles
(
    account_id uuid   NOT NULL,
    nm_id      bigint NOT NULL,
    version    bigint NOT NULL,
    quantity   bigint NOT NULL,
    PRIMARY KEY (account_id, nm_id)
);

-- The spans an article had nothing in the marketplace's warehouses, by Moscow day (an outage
-- still going has no end). Out-of-stock days of a period are counted from here.
CREATE TABLE marketplace_stock_outages
(
    account_id  uuid        NOT NULL,
    nm_id       bigint      NOT NULL,
    started_at  timestamptz NOT NULL,
    started_day date        NOT NULL,
    ended_day   date,
    PRIMARY KEY (account_id, nm_id, started_at)
);

-- The Moscow day an account's performance windows end on; the windows move at midnight.
CREATE TABLE sales_performance_as_of
(
    account_id uuid PRIMARY KEY,
    as_of      date NOT NULL
);

-- Per account, window (the last 7, 30 or 90 days up to `as_of`) and article: the sums of the
-- sales facts in the window, the inputs that are not sums (purchase price, stocks, days out of
-- stock), and what is derived from both. `productPerformance` reads one (account, window) slice
-- of it in the order asked, so a page costs the page, not the account's articles × days.
CREATE TABLE sales_performance
(
    account_id           uuid     NOT NULL,
    period_days          smallint NOT NULL,
    nm_id                bigint   NOT NULL,
    listing_id           uuid,
    product_id           uuid,
    vendor_code          text     NOT NULL,
    orders               integer  NOT NULL,
    cancellations        integer  NOT NULL,
    buyouts              integer  NOT NULL,
    returns              integer  NOT NULL,
    ordered_kopecks      bigint   NOT NULL,
    revenue_kopecks      bigint   NOT NULL,
    payout_kopecks       bigint   NOT NULL,
    -- the matched product's purchase price now (none: unmatched)
    purchase_kopecks     bigint,
    -- the total in the marketplace's warehouses now
    marketplace_stock    bigint   NOT NULL DEFAULT 0,
    -- what GoMarket last listed from the seller's warehouse (none: nothing pushed)
    seller_stock         bigint,
    out_of_stock_days    integer  NOT NULL DEFAULT 0,
    -- ordered less cancelled
    units                integer GENERATED ALWAYS AS (orders - cancellations) STORED,
    -- payout less the purchase cost of what was bought out and kept
    margin_kopecks       bigint GENERATED ALWAYS AS (payout_kopecks - purchase_kopecks * (buyouts - returns)) STORED,
    -- units a day over the days it was in stock (none: never in stock)
    velocity             double precision GENERATED ALWAYS AS (
        CASE WHEN period_days > out_of_stock_days
             THEN (orders - cancellations)::double precision / (period_days - out_of_stock_days) END) STORED,
    -- stock / units a day, the rate taken over the days it was in stock (none: no units sold)
    days_of_cover        double precision GENERATED ALWAYS AS (
        CASE WHEN orders > cancellations AND period_days > out_of_stock_days
             THEN (marketplace_stock + coalesce(seller_stock, 0))::double precision
                  * (period_days - out_of_stock_days) / (orders - cancellations) END) STORED,
    -- the ordered value a day in stock, times the days out of it (none: never in stock)
    lost_revenue_kopecks bigint GENERATED ALWAYS AS (
        CASE WHEN period_days > out_of_stock_days
             THEN round(ordered_kopecks::numeric * out_of_stock_days / (period_days - out_of_stock_days))::bigint
        END) STORED,
    PRIMARY KEY (account_id, period_days, nm_id)
) WITH (fillfactor = 70);
-- No index per order `productPerformance` offers: an account's slice (account, window) is read
-- by the primary key and its page picked by a top-N sort (10 000 articles: a few ms). Indexes
-- on the figures would make every fact's update of its three rows touch them all; without them
-- the updates are HOT (the fill factor leaves room on the page), which is what keeps the
-- projection at the ingest's pace.
CREATE INDEX sales_performance_listing_idx ON sales_performance (listing_id) WHERE listing_id IS NOT NULL;
