-- Bookkeeping of the sales ingest, written in the same transaction as the facts of each page,
-- so a killed ingester resumes where its last committed page ended (re-reading a page writes
-- no fact twice: the facts are idempotent by the marketplace's keys).

-- Where each report of each account is read from next.
CREATE TABLE sales_report_cursors
(
    account_id  uuid        NOT NULL,
    report      text        NOT NULL,
    -- the `dateFrom` of the next request: the last row's `lastChangeDate` as written
    next_from   text        NOT NULL,
    -- when the report was last read to its end (`[]`); null while catching up
    caught_up_at timestamptz,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (account_id, report)
);

-- Report rows that could not be read: kept with their reason, once each.
CREATE TABLE sales_invalid_rows
(
    account_id uuid        NOT NULL,
    report     text        NOT NULL,
    row_hash   bytea       NOT NULL,
    row_key    text,
    reason     text        NOT NULL,
    row_text   text        NOT NULL,
    seen_at    timestamptz NOT NULL,
    PRIMARY KEY (account_id, report, row_hash)
);
CREATE INDEX sales_invalid_rows_seen_idx ON sales_invalid_rows (account_id, seen_at DESC);
