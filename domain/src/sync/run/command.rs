//! What can be asked of a run.

use super::*;
use crate::sync::policy::RunTrigger;
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunCommand {
    Start {
        policy_id: Uuid,
        trigger: RunTrigger,
        /// Supplier → its import for this run.
        imports: BTreeMap<Uuid, Uuid>,
    },
    RecordImport {
        import_id: Uuid,
        failure: Option<String>,
    },
    Plan {
        items: Vec<PlannedItem>,
    },
    Settle {
        items: Vec<SettledItem>,
    },
    /// The seller let held prices through; their items are pending again.
    ApproveHeld {
        product_ids: Vec<Uuid>,
    },
    /// Failed items are driven again from their first attempt.
    RetryFailed,
    Complete,
    Fail {
        reason: String,
    },
}

impl RunCommand {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Start { .. } => "StartSyncRun",
            Self::RecordImport { .. } => "RecordRunImport",
            Self::Plan { .. } => "PlanSyncRun",
            Self::Settle { .. } => "SettleRunItems",
            Self::ApproveHeld { .. } => "ApproveHeldPrices",
            Self::RetryFailed => "RetryFailed",
            Self::Complete => "CompleteSyncRun",
            Self::Fail { .. } => "FailSyncRun",
        }
    }
}
