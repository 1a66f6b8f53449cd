-- The commission rates the marketplace reports per subject, the last observed (issue 18): unit
-- economics and the pricing explanation read the rate of a listing's subject. Kept by the
-- sales projection from `CommissionRatesObserved`.
CREATE TABLE subject_commissions
(
    marketplace           text        NOT NULL,
    subject_id            bigint      NOT NULL,
    subject_name          text        NOT NULL,
    parent_name           text        NOT NULL,
    -- hundredths of a percent, per sales model (none: the tariffs do not name it)
    marketplace_warehouse bigint,
    seller_warehouse      bigint,
    seller_delivery       bigint,
    seller_express        bigint,
    pickup                bigint,
    booking               bigint,
    observed_at           timestamptz NOT NULL,
    -- the sequence of the fact applied last: an older one delivered again changes nothing
    version               bigint      NOT NULL,
    PRIMARY KEY (marketplace, subject_id)
);
