//! What can be asked of a policy.

use super::*;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyCommand {
    /// Creates the policy, or replaces its settings.
    Upsert(Box<PolicySettings>),
    StartRun {
        run_id: Uuid,
        trigger: RunTrigger,
    },
    FinishRun {
        run_id: Uuid,
    },
}

impl PolicyCommand {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Upsert(_) => "UpsertSyncPolicy",
            Self::StartRun { .. } => "StartSyncRun",
            Self::FinishRun { .. } => "FinishSyncRun",
        }
    }
}
