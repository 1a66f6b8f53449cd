//! The `SyncRun` aggregate: one run of a policy, as the process manager drives it — imports,
//! then a plan per product (what to push, with the rules' explanations), then each item's
//! outcome as the marketplace settles it, retries included, until the run completes.
//!
//! Items are recorded in batches (one event for many items) so a run of thousands of products
//! stays a few hundred events.

use super::policy::RunTrigger;
use super::pricing::PriceExplanation;
use super::stock::StockExplanation;
use crate::macros::domain_event;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use thiserror::Error;
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RunStatus {
    /// Supplier imports are running.
    Importing,
    /// Listing commands are out; waiting for the marketplace.
    Pushing,
    Completed,
    Failed {
        reason: String,
    },
}

/// What the run does to one product's listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ItemAction {
    /// List it (a new listing, or a republished one).
    Publish,
    /// Push a new price and/or stock.
    Update,
    /// Offer nothing: stock 0 (excluded, out of stock, gone from the feed).
    Withdraw,
    /// Nothing to push.
    None,
}

/// An item's outcome, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ItemOutcome {
    /// Commands are out; the marketplace has not answered yet.
    Pending,
    Published,
    Updated,
    Unchanged,
    Excluded {
        reason: String,
    },
    Held {
        reason: String,
    },
    Failed {
        reason: String,
    },
}

impl ItemOutcome {
    pub fn is_final(&self) -> bool {
        !matches!(self, Self::Pending)
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Published => "PUBLISHED",
            Self::Updated => "UPDATED",
            Self::Unchanged => "UNCHANGED",
            Self::Excluded { .. } => "EXCLUDED",
            Self::Held { .. } => "HELD",
            Self::Failed { .. } => "FAILED",
        }
    }
}

/// One product of the run, as planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedItem {
    pub product_id: Uuid,
    pub listing_id: Uuid,
    pub action: ItemAction,
    /// `Pending` when commands went out, else the outcome at once.
    pub outcome: ItemOutcome,
    pub price: Option<PriceExplanation>,
    pub stock: Option<StockExplanation>,
}

/// One product of the run, as it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunItem {
    pub listing_id: Uuid,
    pub action: ItemAction,
    pub outcome: ItemOutcome,
    /// Push attempts so far.
    pub attempts: u32,
    pub price: Option<PriceExplanation>,
    pub stock: Option<StockExplanation>,
}

/// An item's outcome reported by the process manager.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettledItem {
    pub product_id: Uuid,
    pub outcome: ItemOutcome,
    pub attempts: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunState {
    pub policy_id: Uuid,
    pub trigger: RunTrigger,
    pub status: RunStatus,
    /// Each supplier's import for this run, with its outcome once known (`None`: running).
    pub imports: BTreeMap<Uuid, ImportOfRun>,
    pub items: BTreeMap<Uuid, RunItem>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOfRun {
    pub import_id: Uuid,
    /// `None` while running; `Some(None)` completed; `Some(Some(reason))` failed.
    pub failure: Option<Option<String>>,
}

impl RunState {
    /// How many items have each outcome name.
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let mut counts = BTreeMap::new();
        for item in self.items.values() {
            *counts.entry(item.outcome.name()).or_default() += 1;
        }
        counts
    }

    pub fn imports_done(&self) -> bool {
        self.imports.values().all(|i| i.failure.is_some())
    }

    pub fn all_settled(&self) -> bool {
        self.items.values().all(|i| i.outcome.is_final())
    }
}

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

/// Why a run command was refused; each variant's doc names its GraphQL code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RunRefusal {
    /// `BAD_USER_INPUT`.
    #[error("not a valid id")]
    BadId,
    /// `NOT_FOUND`.
    #[error("sync run not found")]
    NotFound,
    /// `CONFLICT`.
    #[error("the run has already started")]
    AlreadyStarted,
    /// `CONFLICT`: the step does not follow from the run's status.
    #[error("the run is {0}")]
    WrongStatus(&'static str),
    /// `BAD_USER_INPUT`.
    #[error("product {0} is not a held item of this run")]
    NotHeld(Uuid),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRun {
    pub state: Option<RunState>,
    pub version: u64,
}

fn status_name(status: &RunStatus) -> &'static str {
    match status {
        RunStatus::Importing => "importing",
        RunStatus::Pushing => "pushing",
        RunStatus::Completed => "completed",
        RunStatus::Failed { .. } => "failed",
    }
}

impl SyncRun {
    pub fn apply_event(&mut self, event: RunEvent) {
        self.version += 1;
        if let RunEvent::RunStarted {
            policy_id,
            trigger,
            imports,
            at,
        } = event
        {
            let imports = imports
                .into_iter()
                .map(|(supplier, import_id)| {
                    (
                        supplier,
                        ImportOfRun {
                            import_id,
                            failure: None,
                        },
                    )
                })
                .collect();
            self.state = Some(RunState {
                policy_id,
                trigger,
                status: RunStatus::Importing,
                imports,
                items: BTreeMap::new(),
                started_at: at,
                finished_at: None,
            });
            return;
        }
        let Some(state) = self.state.as_mut() else { return };
        match event {
            RunEvent::RunStarted { .. } => {}
            RunEvent::RunImportFinished { import_id, failure, .. } => {
                if let Some(import) = state.imports.values_mut().find(|i| i.import_id == import_id) {
                    import.failure = Some(failure);
                }
            }
            RunEvent::RunItemsPlanned { items, .. } => {
                state.status = RunStatus::Pushing;
                for item in items {
                    state.items.insert(
                        item.product_id,
                        RunItem {
                            listing_id: item.listing_id,
                            action: item.action,
                            outcome: item.outcome,
                            attempts: 0,
                            price: item.price,
                            stock: item.stock,
                        },
                    );
                }
            }
            RunEvent::RunItemsSettled { items, .. } => {
                for settled in items {
                    if let Some(item) = state.items.get_mut(&settled.product_id) {
                        item.outcome = settled.outcome;
                        item.attempts = settled.attempts;
                    }
                }
            }
            RunEvent::HeldPricesApproved { product_ids, .. } | RunEvent::FailedItemsRetried { product_ids, .. } => {
                state.status = RunStatus::Pushing;
                state.finished_at = None;
                for id in product_ids {
                    if let Some(item) = state.items.get_mut(&id) {
                        item.outcome = ItemOutcome::Pending;
                        item.attempts = 0;
                    }
                }
            }
            RunEvent::RunCompleted { at } => {
                state.status = RunStatus::Completed;
                state.finished_at = Some(at);
            }
            RunEvent::RunFailed { reason, at } => {
                state.status = RunStatus::Failed { reason };
                state.finished_at = Some(at);
            }
        }
    }
}

/// Decides a run command. Pure.
pub fn decide(run: &SyncRun, command: RunCommand, now: DateTime<Utc>) -> Result<Vec<RunEvent>, RunRefusal> {
    let at = now;
    let Some(state) = &run.state else {
        return match command {
            RunCommand::Start {
                policy_id,
                trigger,
                imports,
            } => Ok(vec![RunEvent::RunStarted {
                policy_id,
                trigger,
                imports,
                at,
            }]),
            _ => Err(RunRefusal::NotFound),
        };
    };
    let finished = matches!(state.status, RunStatus::Completed | RunStatus::Failed { .. });
    match command {
        RunCommand::Start { .. } => Err(RunRefusal::AlreadyStarted),
        RunCommand::RecordImport { import_id, failure } => {
            let known = state.imports.values().find(|i| i.import_id == import_id);
            Ok(match known {
                Some(import) if import.failure.is_none() => {
                    vec![RunEvent::RunImportFinished { import_id, failure, at }]
                }
                _ => vec![],
            })
        }
        RunCommand::Plan { items } => {
            if finished {
                return Err(RunRefusal::WrongStatus(status_name(&state.status)));
            }
            let new: Vec<PlannedItem> = items
                .into_iter()
                .filter(|i| !state.items.contains_key(&i.product_id))
                .collect();
            Ok(if new.is_empty() && state.status == RunStatus::Pushing {
                vec![]
            } else {
                vec![RunEvent::RunItemsPlanned { items: new, at }]
            })
        }
        RunCommand::Settle { items } => {
            let changed: Vec<SettledItem> = items
                .into_iter()
                .filter(|s| {
                    state
                        .items
                        .get(&s.product_id)
                        .is_some_and(|i| i.outcome != s.outcome || i.attempts != s.attempts)
                })
                .collect();
            Ok(if changed.is_empty() {
                vec![]
            } else {
                vec![RunEvent::RunItemsSettled { items: changed, at }]
            })
        }
        RunCommand::ApproveHeld { product_ids } => {
            if let Some(id) = product_ids
                .iter()
                .find(|id| !matches!(state.items.get(id).map(|i| &i.outcome), Some(ItemOutcome::Held { .. })))
            {
                return Err(RunRefusal::NotHeld(*id));
            }
            Ok(if product_ids.is_empty() {
                vec![]
            } else {
                vec![RunEvent::HeldPricesApproved { product_ids, at }]
            })
        }
        RunCommand::RetryFailed => {
            let failed: Vec<Uuid> = state
                .items
                .iter()
                .filter(|(_, i)| matches!(i.outcome, ItemOutcome::Failed { .. }))
                .map(|(id, _)| *id)
                .collect();
            Ok(if failed.is_empty() {
                vec![]
            } else {
                vec![RunEvent::FailedItemsRetried {
                    product_ids: failed,
                    at,
                }]
            })
        }
        RunCommand::Complete => {
            if finished {
                return Ok(vec![]);
            }
            if !state.imports_done() || !state.all_settled() || state.status != RunStatus::Pushing {
                return Err(RunRefusal::WrongStatus(status_name(&state.status)));
            }
            Ok(vec![RunEvent::RunCompleted { at }])
        }
        RunCommand::Fail { reason } => Ok(if finished {
            vec![]
        } else {
            vec![RunEvent::RunFailed { reason, at }]
        }),
    }
}

crate::pure_aggregate!(SyncRun, "SyncRun", RunCommand, RunEvent, RunRefusal, decide);

#[cfg(test)]
#[path = "run_tests.rs"]
mod tests;
