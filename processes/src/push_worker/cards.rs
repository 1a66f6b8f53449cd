//! Cards: upload what is waiting, then match uploads to the cards Wildberries created (by
//! vendor code) or to the drafts it failed (`cards/error/list`).

use super::{PushWorker, Round};
use crate::ProcessError;
use gomarket_domain::catalog::ProductId;
use gomarket_domain::marketplace::card::{CardDraft, build_card};
use gomarket_domain::marketplace::listing::{CardState, Listing, ListingCommand, ListingId, PushArea};
use gomarket_infra::marketplace::wildberries::content::{ListedCard, upload_batches};
use gomarket_infra::marketplace::wildberries::{LimitGroup, WbError};
use gomarket_projections::marketplace::PushQueue;
use std::collections::{HashMap, HashSet};

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
                .is_some_and(|s| s.card == CardState::NotPublished && !s.retry_pending(now))
        })
        .collect();
    let attempts: HashMap<ListingId, u32> = waiting
        .iter()
        .filter_map(|(id, l)| Some((*id, l.state.as_ref()?.retry.as_ref()?.attempts)))
        .collect();
    if waiting.is_empty() {
        return Ok(());
    }
    // Listings uploaded before (then expired): their card may exist after all. Look them up
    // by vendor code first; creation is idempotent by it.
    let sent_before: HashSet<String> = waiting
        .iter()
        .filter_map(|(_, l)| l.state.as_ref().filter(|s| s.draft.is_some()))
        .map(|s| s.vendor_code.as_str().to_owned())
        .collect();
    let known = if sent_before.is_empty() {
        HashMap::new()
    } else {
        cards_by_vendor_code(worker, round, sent_before).await?
    };
    let product_ids: Vec<ProductId> = waiting
        .iter()
        .filter_map(|(_, l)| Some(l.state.as_ref()?.product_id))
        .collect();
    let products = worker.marketplaces().load_products(&product_ids).await?;
    let marketplace = round.account.settings.marketplace;
    let mut mappings = HashMap::new();
    let mut drafts: Vec<(ListingId, CardDraft)> = Vec::new();
    for (id, listing) in &waiting {
        let state = listing.state.as_ref().expect("filtered above");
        if let Some(card) = known.get(state.vendor_code.as_str()) {
            let command = ListingCommand::ConfirmCard {
                nm_id: card.nm_id,
                chrt_ids: card.chrt_ids.clone(),
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
            Ok(draft) => drafts.push((*id, draft)),
            Err(refusal) => {
                let reason = format!("{}: {refusal}", refusal.code());
                worker
                    .record(round, *id, ListingCommand::RejectCard { reason, local: true })
                    .await?;
            }
        }
    }
    let cards: Vec<CardDraft> = drafts.iter().map(|(_, d)| d.clone()).collect();
    let mut listings = drafts.iter();
    let client = worker.marketplaces().client();
    for batch in upload_batches(&cards) {
        // Uploads are 10 a minute: once the burst is spent, the rest waits for a later round
        // rather than holding up this round's discovery, prices and stocks.
        if !client.ready(&round.wb, LimitGroup::CardsWrite) {
            break;
        }
        let taken: Vec<&(ListingId, CardDraft)> = listings.by_ref().take(batch.len()).collect();
        // Marked requested just before its upload: a crash after this never uploads the card
        // twice (it is found by vendor code, or expires and is looked up before a new upload).
        let requests = taken
            .iter()
            .map(|(id, draft)| (*id, vec![ListingCommand::RequestCard(Box::new(draft.clone()))]))
            .collect();
        worker.record_many(round, "RequestCard", requests).await?;
        let ids: Vec<ListingId> = taken.iter().map(|(id, _)| *id).collect();
        let every = |command: ListingCommand| ids.iter().map(|id| (*id, vec![command.clone()])).collect();
        match client.upload_cards(&round.wb, &batch).await {
            Ok(()) => tracing::info!(account = %round.account_id, cards = ids.len(), "cards uploaded"),
            Err(WbError::Refused { message, .. }) => {
                let reject = ListingCommand::RejectCard {
                    reason: message,
                    local: false,
                };
                worker.record_many(round, "RejectCard", every(reject)).await?;
            }
            Err(error @ (WbError::Unavailable { .. } | WbError::BadResponse { .. })) => {
                // Not taken: back to the queue, after a wait that grows with each attempt.
                let listings = taken
                    .iter()
                    .map(|(id, _)| (*id, attempts.get(id).copied().unwrap_or(0)))
                    .collect();
                let reason = error.to_string();
                let expire = Some(ListingCommand::ExpireCardRequest);
                worker
                    .record_unreachable(round, PushArea::Card, &reason, listings, expire)
                    .await?;
            }
            Err(unauthorized) => {
                // Refused before anything was uploaded: back to the queue, for when the account
                // has a token Wildberries accepts (replaceMarketplaceToken).
                let expire = every(ListingCommand::ExpireCardRequest);
                worker.record_many(round, "ExpireCardRequest", expire).await?;
                return Err(unauthorized.into());
            }
        }
    }
    Ok(())
}

/// Matches requested cards to created cards and failed drafts; expires the ones never seen.
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
    let codes = requested
        .iter()
        .filter_map(|(_, l)| l.state.as_ref())
        .map(|s| s.vendor_code.as_str().to_owned())
        .collect();
    let created = cards_by_vendor_code(worker, round, codes).await?;
    let missing = requested
        .iter()
        .filter(|(_, l)| {
            l.state
                .as_ref()
                .is_some_and(|s| !created.contains_key(s.vendor_code.as_str()))
        })
        .count();
    // Failed drafts are read at 10 a minute: when that group must wait, a later round does it.
    let client = worker.marketplaces().client();
    let failed = if missing > 0 && client.ready(&round.wb, LimitGroup::CardErrors) {
        client.card_errors(&round.wb).await?
    } else {
        Default::default()
    };
    let now = chrono::Utc::now();
    let timeout = chrono::Duration::from_std(worker.settings().card_timeout).unwrap_or(chrono::Duration::hours(1));
    let mut outcomes = Vec::new();
    for (id, listing) in requested {
        let state = listing.state.as_ref().expect("filtered above");
        let code = state.vendor_code.as_str();
        if let Some(card) = created.get(code) {
            let command = ListingCommand::ConfirmCard {
                nm_id: card.nm_id,
                chrt_ids: card.chrt_ids.clone(),
            };
            outcomes.push((id, vec![command]));
        } else if let Some(reasons) = failed.get(code) {
            let reason = if reasons.is_empty() {
                "Wildberries did not create the card".to_owned()
            } else {
                reasons.join("; ")
            };
            outcomes.push((id, vec![ListingCommand::RejectCard { reason, local: false }]));
        } else if let CardState::Requested { at } = state.card
            && now - at > timeout
        {
            outcomes.push((id, vec![ListingCommand::ExpireCardRequest]));
        }
    }
    worker.record_many(round, "DiscoverCards", outcomes).await
}

/// The cards that exist for these vendor codes.
async fn cards_by_vendor_code(
    worker: &PushWorker,
    round: &Round<'_>,
    vendor_codes: HashSet<String>,
) -> Result<HashMap<String, ListedCard>, ProcessError> {
    let cards = worker
        .marketplaces()
        .client()
        .find_cards(&round.wb, &vendor_codes)
        .await?;
    Ok(cards
        .into_iter()
        .filter(|c| !c.chrt_ids.is_empty())
        .map(|c| (c.vendor_code.clone(), c))
        .collect())
}
