//! Deciding listing commands: pure, each step allowed only from the state it follows.

use super::state::{CardState, Listing, PushState};
use super::{ListingCommand, ListingEvent, ListingRefusal, PriceOutcome, StockOutcome};
use chrono::{DateTime, Utc};

/// Decides a listing command. Repeated confirmations (a worker retrying after a crash) record
/// nothing; steps that do not follow from the state are refused as out of order.
pub fn decide(
    listing: &Listing,
    command: ListingCommand,
    now: DateTime<Utc>,
) -> Result<Vec<ListingEvent>, ListingRefusal> {
    let at = now;
    let Some(state) = &listing.state else {
        return match command {
            ListingCommand::Publish {
                account_id,
                product_id,
                vendor_code,
                target,
                refusal,
            } => {
                let mut events = vec![ListingEvent::ListingPublished {
                    account_id,
                    product_id,
                    vendor_code,
                    target,
                    at,
                }];
                if let Some(reason) = refusal {
                    events.push(ListingEvent::CardRejected {
                        reason,
                        local: true,
                        at,
                    });
                }
                Ok(events)
            }
            _ => Err(ListingRefusal::NotFound),
        };
    };
    let mut events = Vec::new();
    match command {
        ListingCommand::Publish {
            account_id,
            product_id,
            target,
            refusal,
            ..
        } => {
            if account_id != state.account_id || product_id != state.product_id {
                return Err(ListingRefusal::Mismatch);
            }
            if target != state.target {
                events.push(ListingEvent::ListingTargetSet {
                    target,
                    intent: state.intent + 1,
                    at,
                });
            }
            match (&state.card, refusal) {
                (CardState::Rejected { .. }, Some(reason)) => {
                    events.push(ListingEvent::ListingRepublished { at });
                    events.push(ListingEvent::CardRejected {
                        reason,
                        local: true,
                        at,
                    });
                }
                (CardState::Rejected { .. }, None) => events.push(ListingEvent::ListingRepublished { at }),
                (CardState::NotPublished, Some(reason)) => {
                    events.push(ListingEvent::CardRejected {
                        reason,
                        local: true,
                        at,
                    });
                }
                _ => {}
            }
        }
        ListingCommand::SetTarget(target) => {
            if target != state.target {
                events.push(ListingEvent::ListingTargetSet {
                    target,
                    intent: state.intent + 1,
                    at,
                });
            }
        }
        ListingCommand::RequestCard(draft) => match state.card {
            CardState::NotPublished => events.push(ListingEvent::CardRequested { draft, at }),
            _ => {
                return Err(ListingRefusal::OutOfOrder(
                    "only a card not published yet can be requested",
                ));
            }
        },
        ListingCommand::ConfirmCard { nm_id, chrt_ids } => match &state.card {
            CardState::Created {
                nm_id: known,
                chrt_ids: sizes,
            } if *known == nm_id && *sizes == chrt_ids => {}
            // Found on the marketplace: whatever we believed, the card is there.
            _ => events.push(ListingEvent::CardCreated { nm_id, chrt_ids, at }),
        },
        ListingCommand::RejectCard { reason, local } => match &state.card {
            CardState::Requested { .. } | CardState::NotPublished => {
                events.push(ListingEvent::CardRejected { reason, local, at });
            }
            CardState::Rejected { reason: known, .. } if *known == reason => {}
            _ => return Err(ListingRefusal::OutOfOrder("only a requested card can be rejected")),
        },
        ListingCommand::ExpireCardRequest => match state.card {
            CardState::Requested { .. } => events.push(ListingEvent::CardRequestExpired { at }),
            _ => return Err(ListingRefusal::OutOfOrder("no card request to expire")),
        },
        ListingCommand::RequestPrice {
            intent,
            value,
            discount,
            task_id,
        } => {
            if state.nm_id().is_none() {
                return Err(ListingRefusal::OutOfOrder("a price needs the card created first"));
            }
            let same = state
                .price
                .as_ref()
                .is_some_and(|p| p.intent == intent && p.task_id == task_id);
            if !same {
                events.push(ListingEvent::PriceRequested {
                    intent,
                    value,
                    discount,
                    task_id,
                    at,
                });
            }
        }
        ListingCommand::SettlePrice { task_id, outcome } => {
            let Some(push) = state.price.as_ref().filter(|p| p.task_id == task_id) else {
                return Err(ListingRefusal::OutOfOrder("no such price task on this listing"));
            };
            if push.state == PushState::Pending {
                events.push(match outcome {
                    PriceOutcome::Applied => ListingEvent::PriceApplied { task_id, at },
                    PriceOutcome::Failed { reason } => ListingEvent::PriceFailed { task_id, reason, at },
                    PriceOutcome::Quarantined { reason } => ListingEvent::PriceQuarantined { task_id, reason, at },
                });
            }
        }
        ListingCommand::RequestStock {
            intent,
            amount,
            warehouse,
        } => {
            if state.chrt_ids().is_empty() {
                return Err(ListingRefusal::OutOfOrder("a stock needs the card's sizes first"));
            }
            let same = state
                .stock
                .as_ref()
                .is_some_and(|s| s.intent == intent && s.state == PushState::Pending);
            if !same {
                events.push(ListingEvent::StockRequested {
                    intent,
                    amount,
                    warehouse,
                    at,
                });
            }
        }
        ListingCommand::SettleStock { intent, outcome } => {
            let Some(push) = state.stock.as_ref().filter(|s| s.intent == intent) else {
                return Err(ListingRefusal::OutOfOrder("no such stock push on this listing"));
            };
            if push.state == PushState::Pending {
                events.push(match outcome {
                    StockOutcome::Applied => ListingEvent::StockApplied { intent, at },
                    StockOutcome::Failed { reason } => ListingEvent::StockFailed { intent, reason, at },
                });
            }
        }
        ListingCommand::RecordPushFailure { area, reason, retry_at } => {
            let attempts = state.retry.as_ref().map_or(0, |r| r.attempts) + 1;
            events.push(ListingEvent::PushAttemptFailed {
                area,
                reason,
                attempts,
                retry_at,
                at,
            });
        }
        ListingCommand::GiveUpPush { warehouse } => {
            let Some(retry) = &state.retry else {
                return Err(ListingRefusal::OutOfOrder("no failing push to give up"));
            };
            let reason = retry.reason.clone();
            // Everything still due ends failed with the last reason: a card never created, or
            // the price and stock waiting to go (recorded as pushes that failed, so they are
            // not due again until retried).
            if state.nm_id().is_none() {
                events.push(ListingEvent::CardRejected {
                    reason,
                    local: false,
                    at,
                });
                return Ok(events);
            }
            if state.price_due() {
                events.push(ListingEvent::PriceRequested {
                    intent: state.intent,
                    value: state.target.price_roubles(),
                    discount: state.target.discount,
                    task_id: 0,
                    at,
                });
                events.push(ListingEvent::PriceFailed {
                    task_id: 0,
                    reason: reason.clone(),
                    at,
                });
            }
            if state.stock_due() {
                events.push(ListingEvent::StockRequested {
                    intent: state.intent,
                    amount: state.target.stock,
                    warehouse,
                    at,
                });
                events.push(ListingEvent::StockFailed {
                    intent: state.intent,
                    reason,
                    at,
                });
            }
        }
        ListingCommand::RetryPush => {
            let failed = |push: Option<&PushState>| {
                matches!(push, Some(PushState::Failed { .. } | PushState::Quarantined { .. }))
            };
            let card_refused = matches!(state.card, CardState::Rejected { local: false, .. });
            let push_failed =
                failed(state.price.as_ref().map(|p| &p.state)) || failed(state.stock.as_ref().map(|s| &s.state));
            if card_refused {
                events.push(ListingEvent::ListingRepublished { at });
            }
            if card_refused || push_failed || state.retry.is_some() {
                events.push(ListingEvent::PushRetried {
                    intent: state.intent + 1,
                    at,
                });
            }
        }
    }
    Ok(events)
}
