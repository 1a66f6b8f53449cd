//! The sync context's adapters: sync policies and runs in the event store.

use crate::event_store::batch::{load_all_in_creation_order, load_in_order_by_uuid};
use crate::event_store::started_for::{self, RUNS_OF_POLICY};
use crate::event_store::{CommandBus, StoreError};
use crate::telemetry::Metrics;
use gomarket_domain::clock::SharedClock;
use gomarket_domain::pure_aggregate::ClockServices;
use gomarket_domain::sync::run::SyncRun;
use gomarket_domain::sync::{SyncPolicy, SyncPolicyId};
use sqlx::PgPool;
use uuid::Uuid;

/// Sync policies and runs: their command buses, and reading them (from the store, always
/// current: policies are few, and a run is read whole).
pub struct SyncService {
    pool: PgPool,
    policies: CommandBus<SyncPolicy>,
    runs: CommandBus<SyncRun>,
}

impl std::fmt::Debug for SyncService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncService").finish_non_exhaustive()
    }
}

/// Whether the run `$1` exists, or its policy started it (each a probe of an index: the
/// events table's key, `events_policy_run_started_idx`).
pub const RUN_KNOWN: &str =
    "SELECT EXISTS (SELECT 1 FROM events WHERE aggregate_type = 'SyncRun' AND aggregate_id = $1)
         OR EXISTS (SELECT 1 FROM events WHERE aggregate_type = 'SyncPolicy'
                       AND event_type = 'PolicyRunStarted'
                       AND payload -> 'PolicyRunStarted' ->> 'run_id' = $1)";

impl SyncService {
    pub fn new(pool: PgPool, clock: SharedClock, metrics: Metrics) -> Self {
        Self {
            policies: CommandBus::new(pool.clone(), ClockServices { clock: clock.clone() }, metrics.clone()),
            runs: CommandBus::new(pool.clone(), ClockServices { clock }, metrics),
            pool,
        }
    }

    pub fn runs(&self) -> &CommandBus<SyncRun> {
        &self.runs
    }

    /// The sequence of a run's last event (0: no such run yet).
    pub async fn run_version(&self, run_id: Uuid) -> Result<i64, StoreError> {
        sqlx::query_scalar(
            "SELECT COALESCE(max(sequence), 0) FROM events WHERE aggregate_type = 'SyncRun' AND aggregate_id = $1",
        )
        .bind(run_id.to_string())
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::new)
    }

    /// Whether a run exists, or was started on its policy and is about to (the process
    /// manager creates the run moments after `triggerSync` or a tick).
    pub async fn run_known(&self, run_id: Uuid) -> Result<bool, StoreError> {
        sqlx::query_scalar(RUN_KNOWN)
            .bind(run_id.to_string())
            .fetch_one(&self.pool)
            .await
            .map_err(StoreError::new)
    }

    /// At most `limit` ids of a policy's runs, newest first, after the run `after`; `None`
    /// when `after` is not one of its runs.
    pub async fn runs_page(
        &self,
        policy_id: Uuid,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<Option<Vec<Uuid>>, StoreError> {
        started_for::page::<SyncRun>(&self.pool, RUNS_OF_POLICY, &policy_id.to_string(), after, limit)
            .await
            .map_err(StoreError::new)
    }

    /// How many runs a policy has had.
    pub async fn count_runs(&self, policy_id: Uuid) -> Result<i64, StoreError> {
        started_for::count::<SyncRun>(&self.pool, RUNS_OF_POLICY, &policy_id.to_string())
            .await
            .map_err(StoreError::new)
    }

    /// Runs by id, in that order.
    pub async fn load_runs(&self, ids: &[Uuid]) -> Result<Vec<(Uuid, SyncRun)>, StoreError> {
        load_in_order_by_uuid::<SyncRun>(&self.pool, ids)
            .await
            .map_err(StoreError::new)
    }

    pub fn policies(&self) -> &CommandBus<SyncPolicy> {
        &self.policies
    }

    /// Every policy, in creation order.
    pub async fn list(&self) -> Result<Vec<(SyncPolicyId, SyncPolicy)>, StoreError> {
        let policies = load_all_in_creation_order::<SyncPolicy>(&self.pool)
            .await
            .map_err(StoreError::new)?;
        Ok(policies
            .into_iter()
            .filter_map(|(id, policy)| Some((SyncPolicyId::parse(&id).ok()?, policy)))
            .collect())
    }

    pub async fn load(&self, id: SyncPolicyId) -> Result<SyncPolicy, StoreError> {
        Ok(self.policies.load(&id.to_string()).await?)
    }
}
