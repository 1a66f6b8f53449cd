-- A supplier's imports and a policy's runs, newest first, a page at a time. The first event of
-- each names its parent; these indexes hold only those first events, by parent, so a page reads
-- its own entries rather than every event of the type (an import records its progress once a
-- batch: the type's events grow with every feed's size times every import ever run).
CREATE INDEX events_imports_of_supplier_idx
    ON events ((payload -> 'ImportStarted' ->> 'supplier_id'), position)
    WHERE aggregate_type = 'Import' AND sequence = 1;
CREATE INDEX events_runs_of_policy_idx
    ON events ((payload -> 'RunStarted' ->> 'policy_id'), position)
    WHERE aggregate_type = 'SyncRun' AND sequence = 1;

-- A run a policy has just started, before the run's own first event (`syncRunProgress` asks
-- for it): one entry per run, not a walk of every policy event.
CREATE INDEX events_policy_run_started_idx
    ON events ((payload -> 'PolicyRunStarted' ->> 'run_id'))
    WHERE aggregate_type = 'SyncPolicy' AND event_type = 'PolicyRunStarted';

-- The imports that have not ended: what the sweep of abandoned imports reads on every replica
-- every 30 s. A runner adds its import before recording its start (holding the import's lock
-- already) and removes it once the outcome is recorded; the sweep removes what it finds ended.
CREATE TABLE running_imports
(
    import_id uuid PRIMARY KEY
);
INSERT INTO running_imports
SELECT aggregate_id::uuid
  FROM events
 WHERE aggregate_type = 'Import'
 GROUP BY aggregate_id
HAVING NOT bool_or(event_type IN ('ImportCompleted', 'ImportFailed'));
