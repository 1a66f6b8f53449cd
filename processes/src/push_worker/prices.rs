//! Prices: push the due ones as price tasks (≤ 1 000 items each), then settle each task from
//! its history: applied, or failed / quarantined per item with Wildberries' own text.

use super::{PushWorker, Round};
use crate::ProcessError;
use gomarket_domain::marketplace::listing::{ListingCommand, ListingId, PriceOutcome, PushArea, PushState};
use gomarket_domain::marketplace::values::WholeRoubles;
use gomarket_infra::marketplace::wildberries::WbError;
use gomarket_infra::marketplace::wildberries::prices::{PRICE_BATCH, PriceItem, TaskState};
use gomarket_projections::marketplace::PushQueue;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Task id recorded when Wildberries refused the upload itself (no task exists).
const NO_TASK: u64 = 0;

/// One due price: the listing, the intent it serves, what goes out.
struct Due {
    id: ListingId,
    intent: u64,
    /// Failed attempts to reach Wildberries so far.
    attempts: u32,
    item: PriceItem,
    value: WholeRoubles,
    discount: gomarket_domain::marketplace::values::DiscountPercent,
}

/// A price task Wildberries took this round, to settle without waiting for the read model.
pub(super) struct SentTask {
    task_id: u64,
    listings: Vec<(ListingId, u64)>,
}

/// Pushes the due prices as tasks; returns the tasks Wildberries took.
pub(super) async fn push(worker: &PushWorker, round: &Round<'_>) -> Result<Vec<SentTask>, ProcessError> {
    let now = chrono::Utc::now();
    let due: Vec<Due> = worker
        .queued(round, PushQueue::PricesDue)
        .await?
        .into_iter()
        .filter_map(|(id, listing)| {
            let state = listing.state?;
            if !state.price_due() || state.retry_pending(now) {
                return None;
            }
            let value = state.target.price_roubles();
            Some(Due {
                id,
                intent: state.intent,
                attempts: state.retry.as_ref().map_or(0, |r| r.attempts),
                item: PriceItem {
                    nm_id: state.nm_id()?,
                    price: value.get(),
                    discount: state.target.discount.get(),
                },
                value,
                discount: state.target.discount,
            })
        })
        .collect();
    let mut sent = Vec::new();
    for chunk in due.chunks(PRICE_BATCH) {
        let items: Vec<PriceItem> = chunk.iter().map(|d| d.item).collect();
        // Recorded after Wildberries took the task: a resend after a crash is the identical
        // task, which Wildberries answers 208 with the same id.
        let (task_id, refusal) = match worker.marketplaces().client().upload_prices(&round.wb, &items).await {
            Ok(task) => (task.id, None),
            Err(WbError::Refused { message, .. }) => (NO_TASK, Some(message)),
            Err(WbError::Unavailable { reason }) => {
                let listings = chunk.iter().map(|d| (d.id, d.attempts)).collect();
                worker
                    .record_unreachable(round, PushArea::Price, &reason, listings, None)
                    .await?;
                return Ok(sent);
            }
            Err(other) => return Err(other.into()),
        };
        let steps = chunk
            .iter()
            .map(|due| {
                let mut commands = vec![ListingCommand::RequestPrice {
                    intent: due.intent,
                    value: due.value,
                    discount: due.discount,
                    task_id,
                }];
                if let Some(reason) = &refusal {
                    let outcome = PriceOutcome::Failed { reason: reason.clone() };
                    commands.push(ListingCommand::SettlePrice { task_id, outcome });
                }
                (due.id, commands)
            })
            .collect();
        worker.record_many(round, "RequestPrice", steps).await?;
        if refusal.is_none() {
            sent.push(SentTask {
                task_id,
                listings: chunk.iter().map(|d| (d.id, d.item.nm_id)).collect(),
            });
        }
    }
    Ok(sent)
}

/// Settles pending prices from their tasks' outcome: the tasks sent this round, and the
/// pending ones of earlier rounds.
pub(super) async fn settle(worker: &PushWorker, round: &Round<'_>, sent: Vec<SentTask>) -> Result<(), ProcessError> {
    let mut by_task: BTreeMap<u64, Vec<(ListingId, u64)>> = BTreeMap::new();
    let mut seen: HashSet<ListingId> = HashSet::new();
    for task in sent {
        seen.extend(task.listings.iter().map(|(id, _)| *id));
        by_task.entry(task.task_id).or_default().extend(task.listings);
    }
    for (id, listing) in worker.queued(round, PushQueue::PricesPending).await? {
        let Some(state) = listing.state else { continue };
        let (Some(push), Some(nm_id)) = (state.price.as_ref(), state.nm_id()) else {
            continue;
        };
        if push.state == PushState::Pending && !seen.contains(&id) {
            by_task.entry(push.task_id).or_default().push((id, nm_id));
        }
    }
    let client = worker.marketplaces().client();
    for (task_id, listings) in by_task {
        let errors: HashMap<u64, String> = match client.price_task_state(&round.wb, task_id).await? {
            TaskState::Processing => continue,
            TaskState::Done => HashMap::new(),
            TaskState::Cancelled => listings
                .iter()
                .map(|(_, nm)| (*nm, "the price task was cancelled".to_owned()))
                .collect(),
            TaskState::Partial | TaskState::Failed => {
                let items = client.price_task_items(&round.wb, task_id).await?;
                let mut errors: HashMap<u64, String> =
                    items.into_iter().filter_map(|i| Some((i.nm_id, i.error?))).collect();
                if errors.is_empty() {
                    errors = listings
                        .iter()
                        .map(|(_, nm)| (*nm, "the price task failed".to_owned()))
                        .collect();
                }
                errors
            }
        };
        let steps = listings
            .into_iter()
            .map(|(id, nm_id)| {
                let outcome = match errors.get(&nm_id) {
                    None => PriceOutcome::Applied,
                    Some(reason) if is_quarantine(reason) => PriceOutcome::Quarantined { reason: reason.clone() },
                    Some(reason) => PriceOutcome::Failed { reason: reason.clone() },
                };
                (id, vec![ListingCommand::SettlePrice { task_id, outcome }])
            })
            .collect();
        worker.record_many(round, "SettlePrice", steps).await?;
    }
    Ok(())
}

/// Wildberries holds a price cut of 3× or more in quarantine and says so in the item's text.
fn is_quarantine(reason: &str) -> bool {
    let lower = reason.to_lowercase();
    lower.contains("карантин") || lower.contains("quarantine")
}
