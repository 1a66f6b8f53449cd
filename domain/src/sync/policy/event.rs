//! What happened to a policy.

use super::*;
use crate::macros::domain_event;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolicyEvent {
    PolicyCreated {
        settings: Box<PolicySettings>,
        at: DateTime<Utc>,
    },
    PolicyUpdated {
        settings: Box<PolicySettings>,
        at: DateTime<Utc>,
    },
    PolicyRunStarted {
        run_id: Uuid,
        trigger: RunTrigger,
        at: DateTime<Utc>,
    },
    PolicyRunFinished {
        run_id: Uuid,
        at: DateTime<Utc>,
    },
}

domain_event!(PolicyEvent: PolicyCreated, PolicyUpdated, PolicyRunStarted, PolicyRunFinished);
