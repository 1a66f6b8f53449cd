//! Deciding listing commands: pure, each step allowed only from the state it follows. This
//! file dispatches and decides publishing and targets; [`super::decide_card`] the card's
//! steps, [`super::decide_push`] the price and stock pushes and their failures.

use super::decide_card as card;
use super::decide_push as push;
use super::state::{CardState, Listing, ListingState};
use super::{ListingCommand, ListingEvent, ListingRefusal, ListingTarget};
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
        return first_publish(command, at);
    };
    let mut events = Vec::new();
    match command {
        ListingCommand::Publish {
            account_id,
            marketplace,
            product_id,
            target,
            refusal,
            ..
        } => {
            if account_id != state.account_id || product_id != state.product_id || marketplace != state.marketplace {
                return Err(ListingRefusal::Mismatch);
            }
            set_target(state, target, at, &mut events);
            republish(state, refusal, at, &mut events);
        }
        ListingCommand::SetTarget(target) => set_target(state, target, at, &mut events),
        ListingCommand::RequestCard(draft) => card::request(state, draft, at, &mut events)?,
        ListingCommand::RecordCardTask { task_id } => card::record_task(state, task_id, at, &mut events)?,
        ListingCommand::ConfirmCard { nm_id, chrt_ids } => card::confirm(state, nm_id, chrt_ids, at, &mut events),
        ListingCommand::RejectCard { reason, local } => card::reject(state, reason, local, at, &mut events)?,
        ListingCommand::ExpireCardRequest => card::expire_request(state, at, &mut events)?,
        ListingCommand::RequestPrice {
            intent,
            price,
            discount,
            task_id,
        } => push::request_price(state, intent, (price, discount), task_id, at, &mut events)?,
        ListingCommand::SettlePrice { task_id, outcome } => {
            push::settle_price(state, task_id, outcome, at, &mut events)?
        }
        ListingCommand::RequestStock {
            intent,
            amount,
            warehouse,
        } => push::request_stock(state, intent, amount, warehouse, at, &mut events)?,
        ListingCommand::SettleStock { intent, outcome } => push::settle_stock(state, intent, outcome, at, &mut events)?,
        ListingCommand::RecordPushFailure { area, reason, retry_at } => {
            push::record_failure(state, area, reason, retry_at, at, &mut events);
        }
        ListingCommand::GiveUpPush { warehouse } => push::give_up(state, warehouse, at, &mut events)?,
        ListingCommand::RetryPush => push::retry(state, at, &mut events),
    }
    Ok(events)
}

/// Before the listing exists only `Publish` applies: it creates the listing, its card
/// rejected at once when local validation refused it.
fn first_publish(command: ListingCommand, at: DateTime<Utc>) -> Result<Vec<ListingEvent>, ListingRefusal> {
    let ListingCommand::Publish {
        account_id,
        marketplace,
        product_id,
        vendor_code,
        target,
        refusal,
    } = command
    else {
        return Err(ListingRefusal::NotFound);
    };
    let mut events = vec![ListingEvent::ListingPublished {
        account_id,
        marketplace,
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

/// A new target bumps the intent; the same target records nothing.
fn set_target(state: &ListingState, target: ListingTarget, at: DateTime<Utc>, events: &mut Vec<ListingEvent>) {
    if target != state.target {
        events.push(ListingEvent::ListingTargetSet {
            target,
            intent: state.intent + 1,
            at,
        });
    }
}

/// Publishing again: a rejected card goes back to be requested (or is rejected again at once
/// by local validation); a card never published may be rejected locally.
fn republish(state: &ListingState, refusal: Option<String>, at: DateTime<Utc>, events: &mut Vec<ListingEvent>) {
    let rejected_locally = |reason| ListingEvent::CardRejected {
        reason,
        local: true,
        at,
    };
    match (&state.card, refusal) {
        (CardState::Rejected { .. }, Some(reason)) => {
            events.push(ListingEvent::ListingRepublished { at });
            events.push(rejected_locally(reason));
        }
        (CardState::Rejected { .. }, None) => events.push(ListingEvent::ListingRepublished { at }),
        (CardState::NotPublished, Some(reason)) => events.push(rejected_locally(reason)),
        _ => {}
    }
}
