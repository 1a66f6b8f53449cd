//! Stocks: push the due ones to the account's first warehouse in the marketplace's batches,
//! recorded once the marketplace set them (setting a stock again is harmless). A stock the
//! marketplace will take later (a product still in moderation, a pair set too recently)
//! waits, visibly, and is tried again.

use super::{PushWorker, Round};
use crate::ProcessError;
use gomarket_domain::marketplace::listing::{ListingCommand, ListingId, PushArea, StockOutcome};
use gomarket_domain::marketplace::values::{ListedStock, VendorCode};
use gomarket_infra::marketplace::port::{MarketplaceError, StockChange, StockPushed};
use gomarket_projections::marketplace::PushQueue;

struct Due {
    id: ListingId,
    intent: u64,
    /// Failed attempts to reach the marketplace so far.
    attempts: u32,
    amount: ListedStock,
    card_id: u64,
    unit_ids: Vec<u64>,
    vendor_code: VendorCode,
}

pub(super) async fn push(worker: &PushWorker, round: &Round<'_>) -> Result<(), ProcessError> {
    let Some(&warehouse) = round.account.settings.warehouse_ids.first() else {
        return Ok(());
    };
    let now = chrono::Utc::now();
    let due: Vec<Due> = worker
        .queued(round, PushQueue::StocksDue)
        .await?
        .into_iter()
        .filter_map(|(id, listing)| {
            let state = listing.state?;
            if !state.stock_due() || state.waits(PushArea::Stock, now) {
                return None;
            }
            Some(Due {
                id,
                intent: state.intent,
                attempts: state.retry.as_ref().map_or(0, |r| r.attempts),
                amount: state.target.stock,
                card_id: state.nm_id()?,
                unit_ids: state.chrt_ids().to_vec(),
                vendor_code: state.vendor_code,
            })
        })
        .collect();
    let changes: Vec<StockChange<'_>> = due
        .iter()
        .map(|d| StockChange {
            card_id: d.card_id,
            unit_ids: &d.unit_ids,
            vendor_code: d.vendor_code.as_str(),
            warehouse,
            amount: d.amount,
        })
        .collect();
    let mut start = 0;
    for size in round.api.stock_batches(&changes) {
        let (chunk, batch) = (&due[start..start + size], &changes[start..start + size]);
        start += size;
        let outcomes = match round.api.push_stocks(&round.credentials, batch).await {
            Ok(outcomes) => outcomes,
            Err(MarketplaceError::Unavailable { reason }) => {
                let listings = chunk.iter().map(|d| (d.id, d.attempts)).collect();
                return worker
                    .record_unreachable(round, PushArea::Stock, &reason, listings, None)
                    .await;
            }
            Err(other) => return Err(other.into()),
        };
        let mut steps = Vec::new();
        // Stocks put off together go together: they all wait for the latest of their times.
        let mut later: Vec<ListingId> = Vec::new();
        let mut later_reason = String::new();
        let mut later_at = chrono::Utc::now();
        for (due, outcome) in chunk.iter().zip(outcomes) {
            let outcome = match outcome {
                StockPushed::Applied => StockOutcome::Applied,
                StockPushed::Failed { reason } => StockOutcome::Failed { reason },
                StockPushed::Later { reason, after } => {
                    let at = chrono::Utc::now() + chrono::Duration::from_std(after).unwrap_or_default();
                    later_at = later_at.max(at);
                    later_reason = reason;
                    later.push(due.id);
                    continue;
                }
            };
            let request = ListingCommand::RequestStock {
                intent: due.intent,
                amount: due.amount,
                warehouse,
            };
            let settle = ListingCommand::SettleStock {
                intent: due.intent,
                outcome,
            };
            steps.push((due.id, vec![request, settle]));
        }
        worker.record_many(round, "PushStock", steps).await?;
        let waits = later.into_iter().map(|id| (id, later_at)).collect();
        worker
            .record_waiting(round, PushArea::Stock, &later_reason, waits)
            .await?;
    }
    Ok(())
}
