//! What a run is: its status, its imports, its items and their outcomes, and the fold.

use super::*;
use crate::sync::policy::RunTrigger;
use crate::sync::pricing::PriceExplanation;
use crate::sync::stock::StockExplanation;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

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

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRun {
    pub state: Option<RunState>,
    pub version: u64,
}

pub(super) fn status_name(status: &RunStatus) -> &'static str {
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
