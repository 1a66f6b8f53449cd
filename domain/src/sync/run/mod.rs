//! The `SyncRun` aggregate: one run of a policy, as the process manager drives it — imports,
//! then a plan per product (what to push, with the rules' explanations), then each item's
//! outcome as the marketplace settles it, retries included, until the run completes.
//!
//! Items are recorded in batches (one event for many items) so a run of thousands of products
//! stays a few hundred events.
//!
//! Files: `state` (statuses, items, the fold), `command`, `event`, `refusal`, `decide`; the
//! same layout as every aggregate.

mod command;
mod decide;
mod event;
mod refusal;
mod state;
#[cfg(test)]
mod tests;

pub use command::RunCommand;
pub use decide::decide;
pub use event::RunEvent;
pub use refusal::RunRefusal;
pub use state::{
    ImportOfRun, ItemAction, ItemOutcome, PlannedItem, RunItem, RunState, RunStatus, SettledItem, SyncRun,
};

use chrono::{DateTime, Utc};
use uuid::Uuid;

const RUN_NAMESPACE: Uuid = Uuid::from_u128(0x7379_6e63_7275_6e00_8000_0000_0000_0001);

crate::ids::uuid_id!(
    RunRefusal,
    /// A run's id: derived from (policy, tick) for scheduled runs, so a tick has one run
    /// whoever starts it; UUID v7 for manual ones.
    SyncRunId
);

impl SyncRunId {
    pub fn for_tick(policy_id: Uuid, tick: DateTime<Utc>) -> Self {
        let key = format!("{policy_id}\u{1f}{}", tick.timestamp_millis());
        Self(Uuid::new_v5(&RUN_NAMESPACE, key.as_bytes()))
    }
}

crate::pure_aggregate!(SyncRun, "SyncRun", RunCommand, RunEvent, RunRefusal, decide);
