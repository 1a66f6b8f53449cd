-- HTTP validators (ETag, Last-Modified) of each feed URL at the last completed import, sent back
-- as If-None-Match / If-Modified-Since so an unchanged feed is not downloaded again.
CREATE TABLE supplier_feed_validators
(
    supplier_id   uuid NOT NULL,
    url           text NOT NULL,
    etag          text,
    last_modified text,
    PRIMARY KEY (supplier_id, url)
);
