//! Cards: upload what is waiting (after the marketplace's own category rules and its daily
//! quota), then match uploads to the cards the marketplace created or refused (by vendor code,
//! or by import task where it gives one).

use super::{PushWorker, Round};
use crate::ProcessError;
use gomarket_domain::catalog::ProductId;
use gomarket_domain::marketplace::card::{CardDraft, build_card};
use gomarket_domain::marketplace::listing::{CardState, Listing, ListingCommand, ListingId, ListingTarget, PushArea};
use gomarket_infra::marketplace::port::{CardFound, CardUpload, CardWanted, MarketplaceError};
use gomarket_projections::marketplace::PushQueue;
use std::collections::HashMap;

/// A card ready to go: its listing, the draft, the listing's target.
type Ready = (ListingId, CardDraft, ListingTarget);

/// Builds and uploads the cards waiting in `NotPublished`.
pub(super) async fn upload(worker: &PushWorker, round: &Round<'_>) -> Result<(), ProcessError> {
    let now = chrono::Utc::now();
    let waiting: Vec<(ListingId, Listing)> = worker
        .queued(round, PushQueue::CardsToUpload)
        .await?
        .into_iter()
        .filter(|(_, l)| {
            l.state
                .as_ref()
                .is_some_and(|s| s.card == CardState::NotPublished && !s.waits(PushArea::Card, now))
        })
        .collect();
    if waiting.is_empty() {
        return Ok(());
    }
    let attempts: HashMap<ListingId, u32> = waiting
        .iter()
        .filter_map(|(id, l)| Some((*id, l.state.as_ref()?.retry.as_ref()?.attempts)))
        .collect();
    // Listings uploaded before (then expired): their card may exist after all. Look them up
    // by vendor code first; creation is idempotent by it.
    let sent_before: Vec<CardWanted> = waiting
        .iter()
        .filter_map(|(_, l)| l.state.as_ref().filter(|s| s.draft.is_some()))
        .map(|s| CardWanted {
            vendor_code: s.vendor_code.as_str().to_owned(),
            task: None,
        })
        .collect();
    let known = if sent_before.is_empty() {
        HashMap::new()
    } else {
        round.api.find_cards(&round.credentials, &sent_before, false).await?
    };
    let ready = build(worker, round, &waiting, &known).await?;
    let ready = checked(worker, round, ready).await?;
    let ready = within_quota(worker, round, ready).await?;
    let drafts: Vec<CardDraft> = ready.iter().map(|(_, d, _)| d.clone()).collect();
    let mut listings = ready.iter();
    for size in round.api.card_batches(&drafts) {
        // Uploads may be slow (Wildberries: 10 a minute): once the burst is spent, the rest
        // waits for a later round rather than holding up discovery, prices and stocks.
        if !round.api.may_upload_cards(&round.credentials) {
            break;
        }
        let taken: Vec<&Ready> = listings.by_ref().take(size).collect();
        send(worker, round, &taken, &attempts).await?;
    }
    Ok(())
}

/// Confirms the listings whose card exists already, rejects those whose product cannot make
/// a card, and returns the drafts of the rest.
async fn build(
    worker: &PushWorker,
    round: &Round<'_>,
    waiting: &[(ListingId, Listing)],
    known: &HashMap<String, CardFound>,
) -> Result<Vec<Ready>, ProcessError> {
    let product_ids: Vec<ProductId> = waiting
        .iter()
        .filter_map(|(_, l)| Some(l.state.as_ref()?.product_id))
        .collect();
    let products = worker.marketplaces().load_products(&product_ids).await?;
    let marketplace = round.account.settings.marketplace;
    let mut mappings = HashMap::new();
    let mut ready = Vec::new();
    for (id, listing) in waiting {
        let state = listing.state.as_ref().expect("filtered above");
        if let Some(CardFound::Created { card_id, unit_ids }) = known.get(state.vendor_code.as_str()) {
            let command = ListingCommand::ConfirmCard {
                nm_id: *card_id,
                chrt_ids: unit_ids.clone(),
            };
            worker.record(round, *id, command).await?;
            continue;
        }
        let Some(product) = products.get(&state.product_id) else {
            let reason = "NOT_FOUND: the product no longer exists".to_owned();
            worker
                .record(round, *id, ListingCommand::RejectCard { reason, local: true })
                .await?;
            continue;
        };
        let category = product.category.as_ref().map(|c| c.as_str().to_owned());
        let mapping = match &category {
            Some(category) => {
                if !mappings.contains_key(category) {
                    let found = worker.marketplaces().mapping_for(marketplace, category).await?;
                    mappings.insert(category.clone(), found);
                }
                mappings[category].as_ref()
            }
            None => None,
        };
        match build_card(product, mapping, &round.account.settings.card_rules) {
            Ok(draft) => ready.push((*id, draft, state.target)),
            Err(refusal) => {
                let reason = format!("{}: {refusal}", refusal.code());
                worker
                    .record(round, *id, ListingCommand::RejectCard { reason, local: true })
                    .await?;
            }
        }
    }
    Ok(ready)
}

/// The cards the marketplace's own category rules accept; the others are rejected with the
/// reason, never sent.
async fn checked(worker: &PushWorker, round: &Round<'_>, ready: Vec<Ready>) -> Result<Vec<Ready>, ProcessError> {
    let drafts: Vec<CardDraft> = ready.iter().map(|(_, d, _)| d.clone()).collect();
    let refusals = round.api.check_cards(&round.credentials, &drafts).await?;
    let mut accepted = Vec::with_capacity(ready.len());
    let mut rejected = Vec::new();
    for (card, refusal) in ready.into_iter().zip(refusals) {
        match refusal {
            None => accepted.push(card),
            Some(reason) => rejected.push((card.0, vec![ListingCommand::RejectCard { reason, local: true }])),
        }
    }
    worker.record_many(round, "RejectCard", rejected).await?;
    Ok(accepted)
}

/// The cards the marketplace's daily quota still takes; the rest wait for its reset.
async fn within_quota(
    worker: &PushWorker,
    round: &Round<'_>,
    mut ready: Vec<Ready>,
) -> Result<Vec<Ready>, ProcessError> {
    if ready.is_empty() {
        return Ok(ready);
    }
    let Some(quota) = round.api.card_quota(&round.credentials).await? else {
        return Ok(ready);
    };
    let left = usize::try_from(quota.create_left).unwrap_or(usize::MAX);
    if ready.len() <= left {
        return Ok(ready);
    }
    let over = ready.split_off(left);
    let reason = format!(
        "the marketplace's daily quota of new cards is spent; waits until {}",
        quota.resets_at.to_rfc3339()
    );
    let waits = over.iter().map(|(id, _, _)| (*id, quota.resets_at)).collect();
    worker.record_waiting(round, PushArea::Card, &reason, waits).await?;
    Ok(ready)
}

/// Uploads one batch: marked requested first, then sent; the marketplace's answer recorded.
async fn send(
    worker: &PushWorker,
    round: &Round<'_>,
    taken: &[&Ready],
    attempts: &HashMap<ListingId, u32>,
) -> Result<(), ProcessError> {
    // Marked requested just before its upload: a crash after this never uploads the card
    // twice (it is found by vendor code, or expires and is looked up before a new upload).
    let requests = taken
        .iter()
        .map(|(id, draft, _)| (*id, vec![ListingCommand::RequestCard(Box::new(draft.clone()))]))
        .collect();
    worker.record_many(round, "RequestCard", requests).await?;
    let ids: Vec<ListingId> = taken.iter().map(|(id, _, _)| *id).collect();
    let every = |command: ListingCommand| ids.iter().map(|id| (*id, vec![command.clone()])).collect();
    let uploads: Vec<CardUpload<'_>> = taken
        .iter()
        .map(|(_, draft, target)| CardUpload { draft, target })
        .collect();
    match round.api.upload_cards(&round.credentials, &uploads).await {
        Ok(taken) => {
            tracing::info!(account = %round.account_id, cards = ids.len(), task = ?taken.task, "cards uploaded");
            if let Some(task_id) = taken.task {
                let task = every(ListingCommand::RecordCardTask { task_id });
                worker.record_many(round, "RecordCardTask", task).await?;
            }
        }
        Err(MarketplaceError::Refused { message, .. }) => {
            let reject = ListingCommand::RejectCard {
                reason: message,
                local: false,
            };
            worker.record_many(round, "RejectCard", every(reject)).await?;
        }
        Err(error @ (MarketplaceError::Unavailable { .. } | MarketplaceError::BadResponse { .. })) => {
            // Not taken: back to the queue, after a wait that grows with each attempt.
            let listings = ids
                .iter()
                .map(|id| (*id, attempts.get(id).copied().unwrap_or(0)))
                .collect();
            let reason = error.to_string();
            let expire = Some(ListingCommand::ExpireCardRequest);
            worker
                .record_unreachable(round, PushArea::Card, &reason, listings, expire)
                .await?;
        }
        Err(unauthorized @ MarketplaceError::Unauthorized { .. }) => {
            // Refused before anything was uploaded: back to the queue, for when the account
            // has credentials the marketplace accepts (replaceMarketplaceToken).
            let expire = every(ListingCommand::ExpireCardRequest);
            worker.record_many(round, "ExpireCardRequest", expire).await?;
            return Err(unauthorized.into());
        }
    }
    Ok(())
}

/// Matches requested cards to created cards and refusals; expires the ones never seen.
pub(super) async fn discover(worker: &PushWorker, round: &Round<'_>) -> Result<(), ProcessError> {
    let requested: Vec<(ListingId, Listing)> = worker
        .queued(round, PushQueue::CardsRequested)
        .await?
        .into_iter()
        .filter(|(_, l)| {
            l.state
                .as_ref()
                .is_some_and(|s| matches!(s.card, CardState::Requested { .. }))
        })
        .collect();
    if requested.is_empty() {
        return Ok(());
    }
    let wanted: Vec<CardWanted> = requested
        .iter()
        .filter_map(|(_, l)| l.state.as_ref())
        .map(|s| CardWanted {
            vendor_code: s.vendor_code.as_str().to_owned(),
            task: match s.card {
                CardState::Requested { task, .. } => task,
                _ => None,
            },
        })
        .collect();
    let found = round.api.find_cards(&round.credentials, &wanted, true).await?;
    let now = chrono::Utc::now();
    let timeout = chrono::Duration::from_std(worker.settings().card_timeout).unwrap_or(chrono::Duration::hours(1));
    let mut outcomes = Vec::new();
    for (id, listing) in requested {
        let state = listing.state.as_ref().expect("filtered above");
        match found.get(state.vendor_code.as_str()) {
            Some(CardFound::Created { card_id, unit_ids }) => {
                let command = ListingCommand::ConfirmCard {
                    nm_id: *card_id,
                    chrt_ids: unit_ids.clone(),
                };
                outcomes.push((id, vec![command]));
            }
            Some(CardFound::Refused { reason }) => {
                let reject = ListingCommand::RejectCard {
                    reason: reason.clone(),
                    local: false,
                };
                outcomes.push((id, vec![reject]));
            }
            Some(CardFound::Pending) | None => {
                if let CardState::Requested { at, .. } = state.card
                    && now - at > timeout
                {
                    outcomes.push((id, vec![ListingCommand::ExpireCardRequest]));
                }
            }
        }
    }
    worker.record_many(round, "DiscoverCards", outcomes).await
}
