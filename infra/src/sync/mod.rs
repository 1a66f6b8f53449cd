//! The sync context's adapters: sync policies in the event store.

use crate::event_store::CommandBus;
use crate::event_store::batch::load_in_order;
use crate::telemetry::Metrics;
use gomarket_domain::clock::SharedClock;
use gomarket_domain::pure_aggregate::ClockServices;
use gomarket_domain::sync::{SyncPolicy, SyncPolicyId};
use sqlx::PgPool;

/// Sync policies: their command bus, and reading them (policies are few; they are read from
/// the store, always current).
pub struct SyncPolicies {
    pool: PgPool,
    policies: CommandBus<SyncPolicy>,
}

impl std::fmt::Debug for SyncPolicies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncPolicies").finish_non_exhaustive()
    }
}

impl SyncPolicies {
    pub fn new(pool: PgPool, clock: SharedClock, metrics: Metrics) -> Self {
        Self {
            policies: CommandBus::new(pool.clone(), ClockServices { clock }, metrics),
            pool,
        }
    }

    pub fn policies(&self) -> &CommandBus<SyncPolicy> {
        &self.policies
    }

    /// Every policy, in creation order.
    pub async fn list(&self) -> Result<Vec<(SyncPolicyId, SyncPolicy)>, String> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT aggregate_id FROM events WHERE aggregate_type = 'SyncPolicy' AND sequence = 1 ORDER BY position",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| e.to_string())?;
        let policies = load_in_order::<SyncPolicy>(&self.pool, ids)
            .await
            .map_err(|e| e.to_string())?;
        Ok(policies
            .into_iter()
            .filter_map(|(id, policy)| Some((SyncPolicyId::parse(&id).ok()?, policy)))
            .collect())
    }

    pub async fn load(&self, id: SyncPolicyId) -> Result<SyncPolicy, String> {
        self.policies.load(&id.to_string()).await.map_err(|e| e.to_string())
    }
}
