-- The sales figures per account and day: what `salesSummary` reads, so a summary costs the days
-- of its period, not the account's articles × days (10 000 listings × 90 days is 900 000 rows of
-- sales_daily). Filled from the facts already recorded, then kept by the sales projection.
CREATE TABLE sales_account_daily
(
    account_id      uuid    NOT NULL,
    day             date    NOT NULL,
    orders          integer NOT NULL,
    cancellations   integer NOT NULL,
    buyouts         integer NOT NULL,
    returns         integer NOT NULL,
    ordered_kopecks bigint  NOT NULL,
    revenue_kopecks bigint  NOT NULL,
    payout_kopecks  bigint  NOT NULL,
    PRIMARY KEY (account_id, day)
);

INSERT INTO sales_account_daily
SELECT account_id, day, sum(orders), sum(cancellations), sum(buyouts), sum(returns),
       sum(ordered_kopecks), sum(revenue_kopecks), sum(payout_kopecks)
  FROM sales_daily
 GROUP BY account_id, day;
