//! What a policy is: its settings, its runs' bookkeeping, and the fold.

use super::*;
use crate::sync::exclusions::Exclusions;
use crate::sync::percent::Percent;
use crate::sync::pricing::PricingRule;
use crate::sync::schedule::Schedule;
use crate::sync::stock::StockRule;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use uuid::Uuid;

/// Longest policy name.
pub const MAX_NAME_CHARS: usize = 100;
/// Most attempts a policy may give an item.
pub const MAX_ATTEMPTS: u32 = 20;

/// Everything the seller sets on a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySettings {
    pub name: String,
    pub supplier_ids: BTreeSet<Uuid>,
    pub account_id: Uuid,
    pub pricing: PricingRule,
    pub stock: StockRule,
    pub exclusions: Exclusions,
    /// A new price more than this far below the live one is held for approval.
    pub price_drop_guard: Percent,
    /// `None`: only manual triggers.
    pub schedule: Option<Schedule>,
    /// Attempts per item before it is dead-lettered as `FAILED`.
    pub max_attempts: u32,
    pub enabled: bool,
}

impl PolicySettings {
    /// The default price-drop guard: 50 %.
    pub fn default_price_drop_guard() -> Percent {
        Percent::from_basis_points(5_000).expect("constant")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyState {
    pub settings: PolicySettings,
    /// The run in progress, if any.
    pub active_run: Option<Uuid>,
    /// The latest scheduled tick a run was started for.
    pub last_tick: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RunTrigger {
    /// The schedule's tick at this time.
    Schedule { tick: DateTime<Utc> },
    /// `triggerSync`.
    Manual,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncPolicy {
    pub state: Option<PolicyState>,
    pub version: u64,
}

impl SyncPolicy {
    pub fn apply_event(&mut self, event: PolicyEvent) {
        self.version += 1;
        match (event, self.state.as_mut()) {
            (PolicyEvent::PolicyCreated { settings, at }, _) => {
                self.state = Some(PolicyState {
                    settings: *settings,
                    active_run: None,
                    last_tick: None,
                    created_at: at,
                    updated_at: at,
                });
            }
            (PolicyEvent::PolicyUpdated { settings, at }, Some(state)) => {
                state.settings = *settings;
                state.updated_at = at;
            }
            (PolicyEvent::PolicyRunStarted { run_id, trigger, .. }, Some(state)) => {
                state.active_run = Some(run_id);
                if let RunTrigger::Schedule { tick } = trigger {
                    state.last_tick = Some(tick);
                }
            }
            (PolicyEvent::PolicyRunFinished { run_id, .. }, Some(state)) if state.active_run == Some(run_id) => {
                state.active_run = None;
            }
            _ => {}
        }
    }
}
