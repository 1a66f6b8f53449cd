//! The scheduler (`gomarket scheduler`, and inside `serve`): starts the runs policies' cron
//! schedules call for.
//!
//! One leader across replicas: the scheduler that holds a PostgreSQL session advisory lock
//! (class `SCHD`) schedules; the others try to take it every tick, so a standby takes over
//! within a tick of the leader's death (its connection closes, the lock is freed). Even two
//! leaders could not double a run: a run is started through the policy, which takes each tick
//! once and one run at a time, and a tick's run id is derived from (policy, tick).

use crate::ProcessError;
use gomarket_domain::sync::policy::{PolicyCommand, PolicyRefusal, RunTrigger, SyncPolicyId};
use gomarket_domain::sync::run::{RunStatus, SyncRunId};
use gomarket_infra::database::{LockKey, LockSession};
use gomarket_infra::error_chain::Chain;
use gomarket_infra::event_store::{CommandError, EventMetadata};
use gomarket_infra::shutdown::Shutdown;
use gomarket_infra::sync::SyncService;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// The advisory lock of the scheduler's leadership (class "SCHD").
const LEADER_LOCK: LockKey = LockKey::class(0x5343_4844);

pub struct Scheduler {
    pool: PgPool,
    policies: Arc<SyncService>,
    interval: Duration,
}

impl Scheduler {
    pub fn new(pool: PgPool, policies: Arc<SyncService>, interval: Duration) -> Self {
        Self {
            pool,
            policies,
            interval,
        }
    }

    /// Ticks until `shutdown`: leads when it can, schedules while it leads.
    pub async fn run(self, mut shutdown: Shutdown) {
        let mut leadership: Option<LockSession> = None;
        loop {
            leadership = self.keep_or_take(leadership).await;
            if leadership.is_some()
                && let Err(error) = self.schedule(chrono::Utc::now()).await
            {
                tracing::warn!(error = %Chain(&error), "scheduling failed; retrying next tick");
            }
            tokio::select! {
                () = shutdown.triggered() => break,
                () = tokio::time::sleep(self.interval) => {}
            }
        }
        if let Some(session) = leadership {
            session.close().await; // the lock goes with the session
        }
        tracing::info!("scheduler stopped");
    }

    /// The leader's session if it still holds the lock, or a newly won one.
    async fn keep_or_take(&self, held: Option<LockSession>) -> Option<LockSession> {
        if let Some(mut session) = held {
            if session.is_alive().await {
                return Some(session);
            }
            tracing::warn!("scheduler lost its leadership connection");
            return None;
        }
        let session = LockSession::try_hold(&self.pool, LEADER_LOCK).await?;
        tracing::info!("scheduler is the leader");
        Some(session)
    }

    /// Starts the run each due policy calls for.
    pub async fn schedule(&self, now: chrono::DateTime<chrono::Utc>) -> Result<(), ProcessError> {
        for (id, policy) in self.policies.list().await? {
            let Some(state) = &policy.state else { continue };
            if let Some(run_id) = state.active_run {
                // Its due tick starts when the run ends; a run that ended without freeing its
                // policy (a crash between the two) frees it now.
                self.free_if_finished(id, run_id).await?;
                continue;
            }
            let Some(schedule) = state.settings.schedule.as_ref().filter(|_| state.settings.enabled) else {
                continue;
            };
            let after = state.last_tick.unwrap_or(state.created_at);
            let Some(tick) = schedule.latest_due(after, now) else {
                continue;
            };
            let run_id = SyncRunId::for_tick(id.as_uuid(), tick);
            let command = PolicyCommand::StartRun {
                run_id: run_id.as_uuid(),
                trigger: RunTrigger::Schedule { tick },
            };
            let metadata = EventMetadata::new(run_id.to_string(), "system:scheduler", command.name());
            match self
                .policies
                .policies()
                .execute(&id.to_string(), command, &metadata)
                .await
            {
                Ok(_) => tracing::info!(policy = %id, %tick, run = %run_id, "scheduled run started"),
                Err(CommandError::Refused(
                    PolicyRefusal::TickAlreadyRun | PolicyRefusal::RunInProgress(_) | PolicyRefusal::Disabled,
                ))
                | Err(CommandError::Conflict) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}

impl Scheduler {
    async fn free_if_finished(&self, policy_id: SyncPolicyId, run_id: Uuid) -> Result<(), ProcessError> {
        let run = self.policies.runs().load(&run_id.to_string()).await?;
        let finished = run
            .state
            .as_ref()
            .is_some_and(|s| matches!(s.status, RunStatus::Completed | RunStatus::Failed { .. }));
        if finished {
            let metadata = EventMetadata::new(run_id.to_string(), "system:scheduler", "FinishSyncRun");
            self.policies
                .policies()
                .execute_retrying(
                    &policy_id.to_string(),
                    PolicyCommand::FinishRun { run_id },
                    &metadata,
                    5,
                )
                .await?;
        }
        Ok(())
    }
}
