//! A page of facts read straight from the store: how a subscriber catches up from its cursor.

use super::AnalyticsError;
use super::fact::{AnalyticsFact, FactCursor};
use super::lookups::Lookups;
use super::translate::facts_of;
use gomarket_infra::event_store::{EventFeed, FeedPosition};

/// What one read returned.
#[derive(Debug, Default)]
pub struct FactPage {
    /// The facts after the cursor read from, in feed order.
    pub facts: Vec<AnalyticsFact>,
    /// The place of the last event read (fact or not); `None` when nothing was readable.
    pub end: Option<FeedPosition>,
}

/// The facts after `after` from the next `limit` events (of `only` aggregate types, when
/// given). A cursor in the middle of an event's facts re-reads that event and keeps the facts
/// after it.
pub async fn read_facts(
    feed: &EventFeed,
    after: FactCursor,
    limit: i64,
    only: Option<&[&str]>,
) -> Result<FactPage, AnalyticsError> {
    let from = if after.index == u32::MAX || after.position == FeedPosition::START {
        after.position
    } else {
        // Positions are unique, so nothing lies between (tx, p - 1) and (tx, p).
        FeedPosition {
            tx_id: after.position.tx_id,
            position: after.position.position - 1,
        }
    };
    let batch = feed.read_batch(from, limit, only).await?;
    let lookups = Lookups::gather(feed.pool(), &batch.events)
        .await
        .map_err(AnalyticsError::Lookup)?;
    let facts = batch
        .events
        .iter()
        .flat_map(|event| facts_of(event, &lookups))
        .filter(|fact| fact.cursor.is_after(&after))
        .collect();
    Ok(FactPage { facts, end: batch.end })
}
