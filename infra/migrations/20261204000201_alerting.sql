-- The alerting process's own record of the marketplace's stock per article and warehouse,
-- written in the transaction that moves its checkpoint: an article's total is known when its
-- stock facts are evaluated, whatever the sales projection's lag.
CREATE TABLE alerting_marketplace_stock
(
    account_id uuid   NOT NULL,
    nm_id      bigint NOT NULL,
    warehouse  text   NOT NULL,
    quantity   bigint NOT NULL,
    PRIMARY KEY (account_id, nm_id, warehouse)
);
