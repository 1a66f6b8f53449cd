//! Prices: push the due ones in the marketplace's batches, then settle each: at once when the
//! marketplace answers item by item, or later from its task (applied, or failed / quarantined
//! per item in the marketplace's own words). A marketplace that caps price changes per
//! product and hour is held to its cap: a price over it stays due, and whatever the target is
//! when the cap frees is what goes (the latest target wins; nothing is lost).

use super::{PushWorker, Round};
use crate::ProcessError;
use gomarket_domain::catalog::Kopecks;
use gomarket_domain::marketplace::listing::{ListingCommand, ListingId, PriceOutcome, PushArea, PushState};
use gomarket_domain::marketplace::values::{DiscountPercent, VendorCode};
use gomarket_infra::marketplace::port::{MarketplaceError, PriceChange, PriceTaskState, PricesTaken};
use gomarket_projections::marketplace::PushQueue;
use std::collections::{BTreeMap, HashSet};

/// Task id recorded when the marketplace answered at once, or refused the request itself (no
/// task exists).
const NO_TASK: u64 = 0;

/// One due price: the listing, the intent it serves, what goes out.
struct Due {
    id: ListingId,
    intent: u64,
    /// Failed attempts to reach the marketplace so far.
    attempts: u32,
    card_id: u64,
    vendor_code: VendorCode,
    price: Kopecks,
    discount: DiscountPercent,
}

/// A price task the marketplace took this round, to settle without waiting for the read model.
pub(super) struct SentTask {
    task_id: u64,
    listings: Vec<(ListingId, u64)>,
}

/// Pushes the due prices; returns the tasks the marketplace took.
pub(super) async fn push(worker: &PushWorker, round: &Round<'_>) -> Result<Vec<SentTask>, ProcessError> {
    let now = chrono::Utc::now();
    let limits = round.api.limits();
    let capped_at = worker.marketplaces().now();
    let window = chrono::Duration::from_std(limits.price_window).unwrap_or(chrono::Duration::hours(1));
    let due: Vec<Due> = worker
        .queued(round, PushQueue::PricesDue)
        .await?
        .into_iter()
        .filter_map(|(id, listing)| {
            let state = listing.state?;
            if !state.price_due() || state.waits(PushArea::Price, now) {
                return None;
            }
            if let Some(cap) = limits.price_changes_per_hour
                && state.price_cap_frees_at(cap, window, capped_at).is_some()
            {
                return None;
            }
            Some(Due {
                id,
                intent: state.intent,
                attempts: state.retry.as_ref().map_or(0, |r| r.attempts),
                card_id: state.nm_id()?,
                price: state.target.price_as_sent(state.marketplace),
                discount: state.target.discount,
                vendor_code: state.vendor_code,
            })
        })
        .collect();
    let mut sent = Vec::new();
    for chunk in due.chunks(limits.price_batch.max(1)) {
        let changes: Vec<PriceChange<'_>> = chunk
            .iter()
            .map(|d| PriceChange {
                card_id: d.card_id,
                vendor_code: d.vendor_code.as_str(),
                price: d.price,
                discount: d.discount,
            })
            .collect();
        // Recorded after the marketplace took the prices: a resend after a crash is the same
        // prices (Wildberries answers the identical task 208 with the same id).
        let (task_id, outcomes): (u64, Vec<Option<PriceOutcome>>) =
            match round.api.push_prices(&round.credentials, &changes).await {
                Ok(PricesTaken::Task(task_id)) => (task_id, vec![None; chunk.len()]),
                Ok(PricesTaken::Settled(outcomes)) => (NO_TASK, outcomes.into_iter().map(Some).collect()),
                Err(MarketplaceError::Refused { message, .. }) => {
                    let failed = PriceOutcome::Failed { reason: message };
                    (NO_TASK, vec![Some(failed); chunk.len()])
                }
                Err(MarketplaceError::Unavailable { reason }) => {
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
            .zip(&outcomes)
            .map(|(due, outcome)| {
                let mut commands = vec![ListingCommand::RequestPrice {
                    intent: due.intent,
                    price: due.price,
                    discount: due.discount,
                    task_id,
                }];
                if let Some(outcome) = outcome {
                    commands.push(ListingCommand::SettlePrice {
                        task_id,
                        outcome: outcome.clone(),
                    });
                }
                (due.id, commands)
            })
            .collect();
        worker.record_many(round, "RequestPrice", steps).await?;
        if outcomes.iter().all(Option::is_none) {
            sent.push(SentTask {
                task_id,
                listings: chunk.iter().map(|d| (d.id, d.card_id)).collect(),
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
        let (Some(push), Some(card_id)) = (state.price.as_ref(), state.nm_id()) else {
            continue;
        };
        if push.state == PushState::Pending && !seen.contains(&id) {
            by_task.entry(push.task_id).or_default().push((id, card_id));
        }
    }
    for (task_id, listings) in by_task {
        let state = round.api.price_task(&round.credentials, task_id).await?;
        let outcome_of = |card_id: u64| match &state {
            PriceTaskState::Processing => None,
            PriceTaskState::Done(outcomes) => Some(outcomes.get(&card_id).cloned().unwrap_or(PriceOutcome::Applied)),
            PriceTaskState::Failed { reason } => Some(PriceOutcome::Failed { reason: reason.clone() }),
        };
        let steps = listings
            .into_iter()
            .filter_map(|(id, card_id)| {
                let outcome = outcome_of(card_id)?;
                Some((id, vec![ListingCommand::SettlePrice { task_id, outcome }]))
            })
            .collect();
        worker.record_many(round, "SettlePrice", steps).await?;
    }
    Ok(())
}
