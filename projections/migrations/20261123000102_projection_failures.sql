-- Events a projection could not apply after repeated attempts: set aside so the projection can
-- carry on with other aggregates, listed by GraphQL `projectionFailures`.
CREATE TABLE projection_failures
(
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    projection     text        NOT NULL,
    event_id       uuid        NOT NULL,
    aggregate_type text        NOT NULL,
    aggregate_id   text        NOT NULL,
    sequence       bigint      NOT NULL,
    event_type     text        NOT NULL,
    error          text        NOT NULL,
    attempts       integer     NOT NULL,
    failed_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (projection, event_id)
);

-- The last sequence of each aggregate a projection has applied, maintained by projectors fed
-- from Kafka (where partitions make a single feed checkpoint meaningless): read-your-writes
-- waits on it.
CREATE TABLE projection_applied
(
    projection     text        NOT NULL,
    aggregate_type text        NOT NULL,
    aggregate_id   text        NOT NULL,
    sequence       bigint      NOT NULL,
    -- when that sequence was applied: end-to-end lag is this minus the event's recorded_at
    applied_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (projection, aggregate_type, aggregate_id)
);
