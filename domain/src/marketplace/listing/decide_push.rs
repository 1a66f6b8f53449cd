//! Deciding a listing's price and stock pushes, and what happens when pushes cannot reach the
//! marketplace: attempts recorded, given up, retried.

use super::state::{CardState, ListingState, PushArea, PushState};
use super::{ListingEvent, ListingRefusal, PriceOutcome, StockOutcome};
use crate::catalog::Kopecks;
use crate::marketplace::values::{DiscountPercent, ListedStock, WarehouseId, WholeRoubles};
use chrono::{DateTime, Utc};

type Decided = Result<(), ListingRefusal>;

/// A price sent for `intent` (needs the card created); the same task again records nothing.
pub(super) fn request_price(
    state: &ListingState,
    intent: u64,
    (price, discount): (Kopecks, DiscountPercent),
    task_id: u64,
    at: DateTime<Utc>,
    events: &mut Vec<ListingEvent>,
) -> Decided {
    if state.nm_id().is_none() {
        return Err(ListingRefusal::OutOfOrder("a price needs the card created first"));
    }
    let same = state
        .price
        .as_ref()
        .is_some_and(|p| p.intent == intent && p.task_id == task_id && p.sent() == price);
    if !same {
        events.push(price_requested(state, intent, price, discount, task_id, at));
    }
    Ok(())
}

/// The event of a price the marketplace took: a marketplace taking kopecks has them recorded
/// as sent; whole roubles are recorded for every one.
fn price_requested(
    state: &ListingState,
    intent: u64,
    price: Kopecks,
    discount: DiscountPercent,
    task_id: u64,
    at: DateTime<Utc>,
) -> ListingEvent {
    let value = WholeRoubles::from_kopecks_rounding_up(price);
    let exact = state.marketplace.price_step() < 100;
    ListingEvent::PriceRequested {
        intent,
        value,
        kopecks: exact.then_some(price),
        discount,
        task_id,
        at,
    }
}

/// A price task's outcome, once (a settled task records nothing more).
pub(super) fn settle_price(
    state: &ListingState,
    task_id: u64,
    outcome: PriceOutcome,
    at: DateTime<Utc>,
    events: &mut Vec<ListingEvent>,
) -> Decided {
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
    Ok(())
}

/// A stock sent for `intent` (needs the card's sizes); the same pending push again records
/// nothing.
pub(super) fn request_stock(
    state: &ListingState,
    intent: u64,
    amount: ListedStock,
    warehouse: WarehouseId,
    at: DateTime<Utc>,
    events: &mut Vec<ListingEvent>,
) -> Decided {
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
    Ok(())
}

/// A stock push's outcome, once.
pub(super) fn settle_stock(
    state: &ListingState,
    intent: u64,
    outcome: StockOutcome,
    at: DateTime<Utc>,
    events: &mut Vec<ListingEvent>,
) -> Decided {
    let Some(push) = state.stock.as_ref().filter(|s| s.intent == intent) else {
        return Err(ListingRefusal::OutOfOrder("no such stock push on this listing"));
    };
    if push.state == PushState::Pending {
        events.push(match outcome {
            StockOutcome::Applied => ListingEvent::StockApplied { intent, at },
            StockOutcome::Failed { reason } => ListingEvent::StockFailed { intent, reason, at },
        });
    }
    Ok(())
}

/// A push that could not reach the marketplace: one more failed attempt, and when to try
/// again.
pub(super) fn record_failure(
    state: &ListingState,
    area: PushArea,
    reason: String,
    retry_at: DateTime<Utc>,
    at: DateTime<Utc>,
    events: &mut Vec<ListingEvent>,
) {
    let attempts = state.retry.as_ref().map_or(0, |r| r.attempts) + 1;
    events.push(ListingEvent::PushAttemptFailed {
        area,
        reason,
        attempts,
        retry_at,
        at,
    });
}

/// The run gives up on a failing push: everything still due ends failed with the last reason
/// — a card never created, or the price and stock waiting to go (recorded as pushes that
/// failed, so they are not due again until retried).
pub(super) fn give_up(
    state: &ListingState,
    warehouse: WarehouseId,
    at: DateTime<Utc>,
    events: &mut Vec<ListingEvent>,
) -> Decided {
    let Some(retry) = &state.retry else {
        return Err(ListingRefusal::OutOfOrder("no failing push to give up"));
    };
    let reason = retry.reason.clone();
    if state.nm_id().is_none() {
        events.push(ListingEvent::CardRejected {
            reason,
            local: false,
            at,
        });
        return Ok(());
    }
    if state.price_due() {
        let price = state.target.price_as_sent(state.marketplace);
        events.push(price_requested(
            state,
            state.intent,
            price,
            state.target.discount,
            0,
            at,
        ));
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
    Ok(())
}

/// A seller retries what failed: a card the marketplace refused is published again, and
/// failed pushes are due again (a new intent).
pub(super) fn retry(state: &ListingState, at: DateTime<Utc>, events: &mut Vec<ListingEvent>) {
    let failed =
        |push: Option<&PushState>| matches!(push, Some(PushState::Failed { .. } | PushState::Quarantined { .. }));
    let card_refused = matches!(state.card, CardState::Rejected { local: false, .. });
    let push_failed = failed(state.price.as_ref().map(|p| &p.state)) || failed(state.stock.as_ref().map(|s| &s.state));
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
