//! The `SyncPolicy` aggregate: which suppliers feed which marketplace account, by which
//! rules, on which schedule. It also guards its runs: a policy has at most one run at a time,
//! and a scheduled tick starts at most one run (two schedulers racing for the same tick meet
//! on the policy's version, and one of them loses).

use super::exclusions::Exclusions;
use super::percent::Percent;
use super::pricing::PricingRule;
use super::schedule::Schedule;
use super::stock::StockRule;
use crate::macros::domain_event;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use thiserror::Error;
use uuid::Uuid;

crate::ids::uuid_id!(
    PolicyRefusal,
    /// A sync policy's id (UUID v7, chosen when it is created).
    SyncPolicyId
);

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

/// Why a policy command was refused; each variant's doc names its GraphQL code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PolicyRefusal {
    /// `BAD_USER_INPUT`.
    #[error("not a valid id")]
    BadId,
    /// `BAD_USER_INPUT`: `field` names the input field.
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    /// `NOT_FOUND`.
    #[error("sync policy not found")]
    NotFound,
    /// `CONFLICT`.
    #[error("the policy has a run in progress ({0})")]
    RunInProgress(Uuid),
    /// `CONFLICT`: a run was already started for this tick (or a later one).
    #[error("a run was already started for this tick")]
    TickAlreadyRun,
    /// `CONFLICT`.
    #[error("the policy is disabled")]
    Disabled,
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

fn invalid(field: &'static str, message: impl Into<String>) -> PolicyRefusal {
    PolicyRefusal::Invalid {
        field,
        message: message.into(),
    }
}

/// Checks settings the types alone do not.
pub fn validate(settings: &PolicySettings) -> Result<(), PolicyRefusal> {
    let name = settings.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(invalid("name", format!("give 1 to {MAX_NAME_CHARS} characters")));
    }
    if settings.supplier_ids.is_empty() {
        return Err(invalid("supplierIds", "give at least one supplier"));
    }
    settings
        .pricing
        .validate()
        .map_err(|e| invalid("pricing", e.to_string()))?;
    if settings.price_drop_guard.basis_points() > 10_000 {
        return Err(invalid("priceDropGuardPercent", "must be between 0 and 100 %"));
    }
    if !(1..=MAX_ATTEMPTS).contains(&settings.max_attempts) {
        return Err(invalid("maxAttempts", format!("must be between 1 and {MAX_ATTEMPTS}")));
    }
    Ok(())
}

/// Decides a policy command. Pure; upserting the same settings records nothing.
pub fn decide(
    policy: &SyncPolicy,
    command: PolicyCommand,
    now: DateTime<Utc>,
) -> Result<Vec<PolicyEvent>, PolicyRefusal> {
    let at = now;
    match (command, &policy.state) {
        (PolicyCommand::Upsert(mut settings), state) => {
            settings.name = settings.name.trim().to_owned();
            validate(&settings)?;
            Ok(match state {
                None => vec![PolicyEvent::PolicyCreated { settings, at }],
                Some(state) if state.settings == *settings => vec![],
                Some(_) => vec![PolicyEvent::PolicyUpdated { settings, at }],
            })
        }
        (_, None) => Err(PolicyRefusal::NotFound),
        (PolicyCommand::StartRun { run_id, trigger }, Some(state)) => {
            if state.active_run == Some(run_id) {
                return Ok(vec![]);
            }
            if let Some(active) = state.active_run {
                return Err(PolicyRefusal::RunInProgress(active));
            }
            if let RunTrigger::Schedule { tick } = trigger {
                if !state.settings.enabled {
                    return Err(PolicyRefusal::Disabled);
                }
                if state.last_tick.is_some_and(|last| tick <= last) {
                    return Err(PolicyRefusal::TickAlreadyRun);
                }
            }
            Ok(vec![PolicyEvent::PolicyRunStarted { run_id, trigger, at }])
        }
        (PolicyCommand::FinishRun { run_id }, Some(state)) => Ok(if state.active_run == Some(run_id) {
            vec![PolicyEvent::PolicyRunFinished { run_id, at }]
        } else {
            vec![]
        }),
    }
}

crate::pure_aggregate!(
    SyncPolicy,
    "SyncPolicy",
    PolicyCommand,
    PolicyEvent,
    PolicyRefusal,
    decide
);

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
