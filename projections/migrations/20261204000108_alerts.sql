-- Alerts: one row per alert (condition × subject), its current or last episode.
CREATE TABLE alerts
(
    alert_id        uuid        PRIMARY KEY,
    condition       text        NOT NULL,
    subject         text        NOT NULL,
    account_id      uuid,
    supplier_id     uuid,
    product_id      uuid,
    listing_id      uuid,
    episode         integer     NOT NULL,
    state           text        NOT NULL CHECK (state IN ('OPEN', 'ACKNOWLEDGED', 'RESOLVED')),
    message         text        NOT NULL,
    raised_at       timestamptz NOT NULL,
    acknowledged_by text,
    acknowledged_at timestamptz,
    resolved_at     timestamptz,
    -- the last applied event's sequence: a redelivered event changes nothing
    version         bigint      NOT NULL
);

-- alerts(accountId, state, first, after): newest raised first, keyset by (raised_at, id).
CREATE INDEX alerts_by_account ON alerts (account_id, state, raised_at DESC, alert_id DESC);
CREATE INDEX alerts_by_state ON alerts (state, raised_at DESC, alert_id DESC);
