-- The `.inf` time of each CSV file of a supplier's feed at its last completed import: a feed
-- whose files all still state the same (or an older) time is not downloaded again.
CREATE TABLE supplier_feed_freshness
(
    supplier_id uuid      NOT NULL,
    file        text      NOT NULL,
    modified_at timestamp NOT NULL,
    PRIMARY KEY (supplier_id, file)
);
