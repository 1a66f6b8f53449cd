//! The GraphQL `SyncRun`: a run as its events fold (always current), its counts, items and
//! imports.

use super::policy::PriceExplanationGql;
use crate::error::{ErrorCode, api_error};
use crate::paging::{ListPageInfo, page_size};
use async_graphql::{ComplexObject, Enum, ID, InputObject, Json, Result, SimpleObject};
use chrono::{DateTime, Utc};
use gomarket_domain::sync::policy::RunTrigger;
use gomarket_domain::sync::pricing::PriceExplanation;
use gomarket_domain::sync::run::{ItemOutcome, RunState, RunStatus};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "SyncRunStatus")]
pub enum RunStatusGql {
    Importing,
    Pushing,
    Completed,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "SyncItemOutcome")]
pub enum OutcomeGql {
    Pending,
    Published,
    Updated,
    Unchanged,
    Excluded,
    Held,
    Failed,
}

impl OutcomeGql {
    fn of(outcome: &ItemOutcome) -> Self {
        match outcome {
            ItemOutcome::Pending => Self::Pending,
            ItemOutcome::Published => Self::Published,
            ItemOutcome::Updated => Self::Updated,
            ItemOutcome::Unchanged => Self::Unchanged,
            ItemOutcome::Excluded { .. } => Self::Excluded,
            ItemOutcome::Held { .. } => Self::Held,
            ItemOutcome::Failed { .. } => Self::Failed,
        }
    }
}

/// How many items have each outcome.
#[derive(Debug, Clone, Default, SimpleObject)]
#[graphql(name = "SyncRunCounts")]
pub struct CountsGql {
    pub total: i64,
    pub pending: i64,
    pub published: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub excluded: i64,
    pub held: i64,
    pub failed: i64,
}

/// A price explanation as the JSON `priceExplain` shows.
fn explanation_json(e: &PriceExplanation) -> serde_json::Value {
    serde_json::json!({
        "priceKopecks": e.price.get(),
        "priceBeforeDiscountKopecks": e.price_before_discount.get(),
        "discountPercent": e.discount_percent,
        "steps": e.steps.iter().map(|s| serde_json::json!({
            "step": s.step, "detail": s.detail, "amountKopecks": s.amount.get()
        })).collect::<Vec<_>>(),
    })
}

impl CountsGql {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "total": self.total, "pending": self.pending, "published": self.published,
            "updated": self.updated, "unchanged": self.unchanged, "excluded": self.excluded,
            "held": self.held, "failed": self.failed,
        })
    }

    pub fn of(state: &RunState) -> Self {
        let mut counts = Self::default();
        for item in state.items.values() {
            counts.total += 1;
            *match OutcomeGql::of(&item.outcome) {
                OutcomeGql::Pending => &mut counts.pending,
                OutcomeGql::Published => &mut counts.published,
                OutcomeGql::Updated => &mut counts.updated,
                OutcomeGql::Unchanged => &mut counts.unchanged,
                OutcomeGql::Excluded => &mut counts.excluded,
                OutcomeGql::Held => &mut counts.held,
                OutcomeGql::Failed => &mut counts.failed,
            } += 1;
        }
        counts
    }
}

/// One product of a run.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "SyncRunItem")]
pub struct RunItemGql {
    /// The product's id.
    pub product: ID,
    pub listing_id: ID,
    pub outcome: OutcomeGql,
    /// Why it was excluded, held or failed.
    pub reason: Option<String>,
    pub attempts: i32,
    /// How its price was computed, as JSON (`priceKopecks`, `priceBeforeDiscountKopecks`,
    /// `discountPercent`, `steps: [{step, detail, amountKopecks}]`); typed: `priceExplanation`.
    pub price_explain: Option<Json<serde_json::Value>>,
    /// The same, typed.
    pub price_explanation: Option<PriceExplanationGql>,
    /// How its stock was computed.
    pub stock_explain: Option<String>,
}

/// A supplier import of a run.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "SyncRunImport")]
pub struct RunImportGql {
    pub supplier_id: ID,
    pub import_id: ID,
    /// Whether it has ended.
    pub finished: bool,
    pub failure: Option<String>,
}

#[derive(Debug, Clone, Default, InputObject)]
#[graphql(name = "SyncRunItemFilter")]
pub struct ItemFilterInput {
    pub outcome: Option<OutcomeGql>,
}

/// A page of a run's items.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "SyncRunItemList")]
pub struct ItemListGql {
    pub nodes: Vec<RunItemGql>,
    pub page_info: ListPageInfo,
    pub total_count: i64,
}

/// One run of a sync policy.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "SyncRun", complex)]
pub struct SyncRunGql {
    pub id: ID,
    pub policy_id: ID,
    pub status: RunStatusGql,
    /// Why it failed, when it did.
    pub failure: Option<String>,
    /// The scheduled tick that started it (none: `triggerSync`).
    pub scheduled_for: Option<DateTime<Utc>>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Items per outcome, as JSON (`total`, `pending`, `published`, `updated`, `unchanged`,
    /// `excluded`, `held`, `failed`); typed: `outcomeCounts`.
    pub counts: Json<serde_json::Value>,
    /// The same, typed.
    pub outcome_counts: CountsGql,
    pub imports: Vec<RunImportGql>,
    #[graphql(skip)]
    pub state: RunState,
}

#[ComplexObject]
impl SyncRunGql {
    /// The run's items, by product id, optionally of one outcome.
    async fn items(
        &self,
        filter: Option<ItemFilterInput>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ItemListGql> {
        let first = page_size(first)?;
        let wanted = filter.unwrap_or_default().outcome;
        let matching: Vec<(&Uuid, &gomarket_domain::sync::run::RunItem)> = self
            .state
            .items
            .iter()
            .filter(|(_, i)| wanted.is_none_or(|w| OutcomeGql::of(&i.outcome) == w))
            .collect();
        let start = match &after {
            Some(cursor) => {
                let after = Uuid::parse_str(cursor)
                    .map_err(|_| api_error(ErrorCode::BadUserInput, "after: not a cursor", Some("after")))?;
                matching
                    .iter()
                    .position(|(id, _)| **id > after)
                    .unwrap_or(matching.len())
            }
            None => 0,
        };
        let page: Vec<RunItemGql> = matching[start..]
            .iter()
            .take(first)
            .map(|(id, item)| RunItemGql {
                product: ID(id.to_string()),
                listing_id: ID(item.listing_id.to_string()),
                outcome: OutcomeGql::of(&item.outcome),
                reason: match &item.outcome {
                    ItemOutcome::Excluded { reason }
                    | ItemOutcome::Held { reason }
                    | ItemOutcome::Failed { reason } => Some(reason.clone()),
                    _ => None,
                },
                attempts: item.attempts as i32,
                price_explain: item.price.as_ref().map(|p| Json(explanation_json(p))),
                price_explanation: item.price.as_ref().map(PriceExplanationGql::from),
                stock_explain: item.stock.as_ref().map(|s| format!("{} → {} units", s.detail, s.units)),
            })
            .collect();
        let end = start + page.len();
        Ok(ItemListGql {
            page_info: ListPageInfo {
                has_next_page: end < matching.len(),
                end_cursor: page.last().map(|i| i.product.to_string()),
            },
            total_count: matching.len() as i64,
            nodes: page,
        })
    }
}

impl SyncRunGql {
    pub fn new(id: Uuid, state: &RunState) -> Self {
        let (status, failure) = match &state.status {
            RunStatus::Importing => (RunStatusGql::Importing, None),
            RunStatus::Pushing => (RunStatusGql::Pushing, None),
            RunStatus::Completed => (RunStatusGql::Completed, None),
            RunStatus::Failed { reason } => (RunStatusGql::Failed, Some(reason.clone())),
        };
        Self {
            id: ID(id.to_string()),
            policy_id: ID(state.policy_id.to_string()),
            status,
            failure,
            scheduled_for: match state.trigger {
                RunTrigger::Schedule { tick } => Some(tick),
                RunTrigger::Manual => None,
            },
            started_at: state.started_at,
            finished_at: state.finished_at,
            counts: Json(CountsGql::of(state).to_json()),
            outcome_counts: CountsGql::of(state),
            imports: state
                .imports
                .iter()
                .map(|(supplier, import)| RunImportGql {
                    supplier_id: ID(supplier.to_string()),
                    import_id: ID(import.import_id.to_string()),
                    finished: import.failure.is_some(),
                    failure: import.failure.clone().flatten(),
                })
                .collect(),
            state: state.clone(),
        }
    }
}
