//! What happened to a run.

use super::*;
use crate::macros::domain_event;
use crate::sync::policy::RunTrigger;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RunEvent {
    RunStarted {
        policy_id: Uuid,
        trigger: RunTrigger,
        imports: BTreeMap<Uuid, Uuid>,
        at: DateTime<Utc>,
    },
    RunImportFinished {
        import_id: Uuid,
        failure: Option<String>,
        at: DateTime<Utc>,
    },
    RunItemsPlanned {
        items: Vec<PlannedItem>,
        at: DateTime<Utc>,
    },
    RunItemsSettled {
        items: Vec<SettledItem>,
        at: DateTime<Utc>,
    },
    HeldPricesApproved {
        product_ids: Vec<Uuid>,
        at: DateTime<Utc>,
    },
    FailedItemsRetried {
        product_ids: Vec<Uuid>,
        at: DateTime<Utc>,
    },
    RunCompleted {
        at: DateTime<Utc>,
    },
    RunFailed {
        reason: String,
        at: DateTime<Utc>,
    },
}

domain_event!(RunEvent: RunStarted, RunImportFinished, RunItemsPlanned, RunItemsSettled, HeldPricesApproved, FailedItemsRetried, RunCompleted, RunFailed);
