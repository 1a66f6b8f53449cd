-- Bookkeeping of the sync process manager, written in the same transaction as its checkpoint.

-- Which run an import belongs to (its completion moves that run on).
CREATE TABLE sync_run_imports
(
    import_id uuid PRIMARY KEY,
    run_id    uuid NOT NULL
);

-- Listings a run waits on: their next marketplace outcome settles the run's item.
CREATE TABLE sync_pending
(
    listing_id uuid PRIMARY KEY,
    run_id     uuid NOT NULL,
    product_id uuid NOT NULL,
    -- the run stopped retrying its push (the policy's attempts ran out)
    given_up   boolean NOT NULL DEFAULT false
);
CREATE INDEX sync_pending_run_idx ON sync_pending (run_id);
