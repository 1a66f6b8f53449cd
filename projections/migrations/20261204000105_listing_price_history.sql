-- Every price the marketplace applied to a listing, with when (issue 18): the seller's "did
-- that price change work" compares the sales before and after each. Kept by the listings
-- projection from `PriceApplied` (the price is the one its `PriceRequested` asked for). Prices
-- applied before this table existed appear after `gomarket replay listings`.
CREATE TABLE listing_price_history
(
    listing_id       uuid        NOT NULL,
    -- the PriceApplied event's sequence: an event delivered twice is one row
    sequence         bigint      NOT NULL,
    applied_at       timestamptz NOT NULL,
    -- before the seller's discount, whole roubles in kopecks
    price_kopecks    bigint      NOT NULL,
    discount_percent smallint    NOT NULL,
    PRIMARY KEY (listing_id, sequence)
);
