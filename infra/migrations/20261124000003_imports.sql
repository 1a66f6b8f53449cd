-- What each supplier's feed last said about each offer. Written in the same transaction as the
-- products' events of that offer, so an import can skip an offer whose content is unchanged
-- without loading its product, and a re-run after a crash resumes where the last batch ended.
CREATE TABLE supplier_offers
(
    supplier_id    uuid    NOT NULL,
    supplier_sku   text    NOT NULL,
    product_id     uuid    NOT NULL,
    -- SHA-256 of the normalized offer
    offer_hash     bytea   NOT NULL,
    -- the import that last saw the offer in the feed: offers of a full feed that the current
    -- import did not see have left the feed
    last_import_id uuid    NOT NULL,
    available      boolean NOT NULL,
    PRIMARY KEY (supplier_id, supplier_sku)
);
CREATE INDEX supplier_offers_last_import_idx ON supplier_offers (supplier_id, last_import_id);

-- Offers an import rejected, with where they were and why (an import has up to millions of
-- offers: these are rows, not events).
CREATE TABLE import_rejections
(
    import_id    uuid   NOT NULL,
    seq          bigint NOT NULL,
    line         bigint NOT NULL,
    supplier_sku text,
    reason       text   NOT NULL,
    message      text   NOT NULL,
    PRIMARY KEY (import_id, seq)
);
