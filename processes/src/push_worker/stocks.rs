//! Stocks: push the due ones to the account's first warehouse by `chrtId` (≤ 1 000 items a
//! request), recorded once Wildberries set them (setting a stock again is harmless).

use super::{PushWorker, Round};
use crate::ProcessError;
use gomarket_domain::marketplace::listing::{ListingCommand, ListingId, PushArea, StockOutcome};
use gomarket_domain::marketplace::values::ListedStock;
use gomarket_infra::marketplace::wildberries::WbError;
use gomarket_infra::marketplace::wildberries::stocks::{STOCK_BATCH, StockItem};
use gomarket_projections::marketplace::PushQueue;

struct Due {
    id: ListingId,
    intent: u64,
    /// Failed attempts to reach Wildberries so far.
    attempts: u32,
    amount: ListedStock,
    chrt_ids: Vec<u64>,
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
            (state.stock_due() && !state.retry_pending(now)).then(|| Due {
                id,
                intent: state.intent,
                attempts: state.retry.as_ref().map_or(0, |r| r.attempts),
                amount: state.target.stock,
                chrt_ids: state.chrt_ids().to_vec(),
            })
        })
        .collect();
    // Chunks of whole listings, at most STOCK_BATCH items each.
    let mut start = 0;
    while start < due.len() {
        let mut end = start;
        let mut items = Vec::new();
        while end < due.len() && items.len() + due[end].chrt_ids.len() <= STOCK_BATCH {
            items.extend(due[end].chrt_ids.iter().map(|&chrt_id| StockItem {
                chrt_id,
                amount: due[end].amount.get(),
            }));
            end += 1;
        }
        let end = end.max(start + 1);
        let chunk = &due[start..end];
        let outcome = match worker
            .marketplaces()
            .client()
            .put_stocks(&round.wb, warehouse.get(), &items)
            .await
        {
            Ok(()) => StockOutcome::Applied,
            Err(WbError::Refused { message, .. }) => StockOutcome::Failed { reason: message },
            Err(WbError::Unavailable { reason }) => {
                let listings = chunk.iter().map(|d| (d.id, d.attempts)).collect();
                return worker
                    .record_unreachable(round, PushArea::Stock, &reason, listings, None)
                    .await;
            }
            Err(other) => return Err(other.into()),
        };
        let steps = chunk
            .iter()
            .map(|due| {
                let request = ListingCommand::RequestStock {
                    intent: due.intent,
                    amount: due.amount,
                    warehouse,
                };
                let settle = ListingCommand::SettleStock {
                    intent: due.intent,
                    outcome: outcome.clone(),
                };
                (due.id, vec![request, settle])
            })
            .collect();
        worker.record_many(round, "PushStock", steps).await?;
        start = end;
    }
    Ok(())
}
