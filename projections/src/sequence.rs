//! Keeping a read model's rows in their aggregates' order: an event applied twice (a
//! redelivery, a replay) is skipped, and a gap (earlier events of the aggregate that never
//! arrived) is filled from the store before the event is applied.

use crate::ProjectionError;
use gomarket_infra::event_store::{EventFeed, StoredEvent};

/// What to apply before `event`, given the version of its aggregate the read model holds
/// (`applied`): `None` when `event` is applied already; otherwise the aggregate's events
/// between the two, read from the store (none when `event` is the next one).
pub async fn missing_before(
    feed: &EventFeed,
    event: &StoredEvent,
    applied: i64,
) -> Result<Option<Vec<StoredEvent>>, ProjectionError> {
    if event.sequence <= applied {
        return Ok(None);
    }
    if event.sequence == applied + 1 {
        return Ok(Some(Vec::new()));
    }
    let missing = feed
        .aggregate_events_between(&event.aggregate_type, &event.aggregate_id, applied, event.sequence)
        .await?;
    tracing::warn!(
        aggregate_type = %event.aggregate_type,
        aggregate_id = %event.aggregate_id,
        from = applied + 1,
        to = event.sequence - 1,
        "healing a gap from the store"
    );
    Ok(Some(missing))
}
