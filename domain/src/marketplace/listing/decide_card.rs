//! Deciding a listing's card steps: requested, created (or found), rejected, expired.

use super::state::{CardState, ListingState};
use super::{ListingEvent, ListingRefusal};
use crate::marketplace::card::CardDraft;
use chrono::{DateTime, Utc};

type Decided = Result<(), ListingRefusal>;

/// Only a card not published yet is requested.
pub(super) fn request(
    state: &ListingState,
    draft: Box<CardDraft>,
    at: DateTime<Utc>,
    events: &mut Vec<ListingEvent>,
) -> Decided {
    match state.card {
        CardState::NotPublished => {
            events.push(ListingEvent::CardRequested { draft, at });
            Ok(())
        }
        _ => Err(ListingRefusal::OutOfOrder(
            "only a card not published yet can be requested",
        )),
    }
}

/// The marketplace took the requested card as an import task; the same task again records
/// nothing.
pub(super) fn record_task(
    state: &ListingState,
    task_id: u64,
    at: DateTime<Utc>,
    events: &mut Vec<ListingEvent>,
) -> Decided {
    match state.card {
        CardState::Requested { task: Some(known), .. } if known == task_id => Ok(()),
        CardState::Requested { .. } => {
            events.push(ListingEvent::CardTaskAssigned { task_id, at });
            Ok(())
        }
        _ => Err(ListingRefusal::OutOfOrder("only a requested card has an import task")),
    }
}

/// The card exists on the marketplace: whatever we believed, it is there (the same card
/// confirmed again records nothing).
pub(super) fn confirm(
    state: &ListingState,
    nm_id: u64,
    chrt_ids: Vec<u64>,
    at: DateTime<Utc>,
    events: &mut Vec<ListingEvent>,
) {
    match &state.card {
        CardState::Created {
            nm_id: known,
            chrt_ids: sizes,
        } if *known == nm_id && *sizes == chrt_ids => {}
        _ => events.push(ListingEvent::CardCreated { nm_id, chrt_ids, at }),
    }
}

/// A requested (or never published) card is rejected; the same rejection again records
/// nothing.
pub(super) fn reject(
    state: &ListingState,
    reason: String,
    local: bool,
    at: DateTime<Utc>,
    events: &mut Vec<ListingEvent>,
) -> Decided {
    match &state.card {
        CardState::Requested { .. } | CardState::NotPublished => {
            events.push(ListingEvent::CardRejected { reason, local, at });
            Ok(())
        }
        CardState::Rejected { reason: known, .. } if *known == reason => Ok(()),
        _ => Err(ListingRefusal::OutOfOrder("only a requested card can be rejected")),
    }
}

/// A request that never showed up on the marketplace expires (it is looked up and sent
/// again).
pub(super) fn expire_request(state: &ListingState, at: DateTime<Utc>, events: &mut Vec<ListingEvent>) -> Decided {
    match state.card {
        CardState::Requested { .. } => {
            events.push(ListingEvent::CardRequestExpired { at });
            Ok(())
        }
        _ => Err(ListingRefusal::OutOfOrder("no card request to expire")),
    }
}
