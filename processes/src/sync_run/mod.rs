//! The sync run manager: a process manager with its own checkpoint (run in-process or from
//! Kafka) that drives each run:
//!
//! 1. `PolicyRunStarted` → the run starts its suppliers' imports (they run in this process);
//! 2. each run's `ImportCompleted`/`ImportFailed` → recorded; when all are in, the run plans:
//!    every product of its suppliers is evaluated by the policy, and only what changed goes
//!    out as listing commands (publish, new target, zero stock);
//! 3. listing events of pending items → each item settles (`PUBLISHED`, `UPDATED`, `FAILED`)
//!    as the marketplace answers; when none is pending the run completes and frees its policy.
//!
//! Delivery is at least once (a crash before the checkpoint replays a batch); every step is
//! idempotent (a started run is not started again, planned items are not planned again, a
//! settled item does not settle again, an unchanged target records nothing), so the effect is
//! exactly once. Its bookkeeping tables share the checkpoint's transaction.
//!
//! Files: [`start`] (runs and their imports), [`plan`], [`settle`] (outcomes, redrives, the
//! run's end), `bookkeeping` (its tables), `followed` (the events it reads).

mod bookkeeping;
mod followed;
pub mod plan;
pub mod settle;
pub mod start;

use crate::{Envelope, ProcessError, ProcessManager};
pub use followed::RunFollows;
use gomarket_domain::marketplace::listing::ListingEvent;
use gomarket_domain::supplier::ImportEvent;
use gomarket_domain::sync::policy::PolicyEvent;
use gomarket_domain::sync::run::RunEvent;
use gomarket_infra::event_store::EventMetadata;
use gomarket_infra::marketplace::Marketplaces;
use gomarket_infra::supplier::import::Importer;
use gomarket_infra::sync::SyncService;
use sqlx::PgConnection;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// Drives sync runs from start to outcome.
#[derive(Clone)]
pub struct SyncRunManager {
    sync: Arc<SyncService>,
    importer: Arc<Importer>,
    marketplaces: Arc<Marketplaces>,
}

impl SyncRunManager {
    pub fn new(sync: Arc<SyncService>, importer: Arc<Importer>, marketplaces: Arc<Marketplaces>) -> Self {
        Self {
            sync,
            importer,
            marketplaces,
        }
    }
}

/// The metadata of a command the manager issues for `run_id` (its correlation id).
fn metadata(run_id: Uuid, command: &str) -> EventMetadata {
    EventMetadata::new(run_id.to_string(), "system:sync", command)
}

impl ProcessManager for SyncRunManager {
    type Events = RunFollows;

    /// Kept from when it was a projection: its checkpoint row has this name.
    const NAME: &'static str = "sync-runner";

    /// Runs, imports and approvals in feed order; then the batch's listing events together.
    async fn handle(&self, tx: &mut PgConnection, events: Vec<Envelope<RunFollows>>) -> Result<(), ProcessError> {
        let mut listings = Vec::new();
        // Failed attempts seen in this batch: a later event of the batch may already have
        // cleared them from the listing's state.
        let mut attempts: HashMap<Uuid, u32> = HashMap::new();
        for envelope in events {
            match &envelope.event {
                RunFollows::Policy(PolicyEvent::PolicyRunStarted { run_id, trigger, .. }) => {
                    let policy_id = envelope.aggregate_uuid()?;
                    self.start_run(tx, policy_id, *run_id, *trigger).await?;
                }
                RunFollows::Import(ImportEvent::ImportCompleted { .. }) => {
                    self.import_finished(tx, &envelope, None).await?;
                }
                RunFollows::Import(ImportEvent::ImportFailed { reason, .. }) => {
                    self.import_finished(tx, &envelope, Some(reason.clone())).await?;
                }
                RunFollows::Run(RunEvent::HeldPricesApproved { product_ids, .. }) => {
                    self.redrive(tx, envelope.aggregate_uuid()?, product_ids, true).await?;
                }
                RunFollows::Run(RunEvent::FailedItemsRetried { product_ids, .. }) => {
                    self.redrive(tx, envelope.aggregate_uuid()?, product_ids, false).await?;
                }
                RunFollows::Listing(event) => {
                    let Ok(id) = envelope.aggregate_uuid() else {
                        continue;
                    };
                    if !listings.contains(&id) {
                        listings.push(id);
                    }
                    if let ListingEvent::PushAttemptFailed { attempts: n, .. } = event {
                        let seen = attempts.entry(id).or_default();
                        *seen = (*seen).max(*n);
                    }
                }
                _ => {}
            }
        }
        self.settle(tx, &listings, &attempts).await
    }
}
