//! Process managers: they follow domain events and answer with commands. Unlike a read model
//! (`gomarket_projections::Projection`) a process manager is never rebuilt — replaying its
//! events would issue its commands again — so it has its own trait, over typed events.

use crate::ProcessError;
use gomarket_infra::event_store::{EventFeed, StoredEvent};
use gomarket_projections::{EventConsumer, ProjectionError};
use sqlx::PgConnection;
use std::future::Future;

/// The events a process follows, decoded from the store into the domain's own types.
pub trait FollowedEvents: Sized + Send + 'static {
    /// The aggregate types they come from; the runner skips others without reading them.
    const AGGREGATE_TYPES: &'static [&'static str];

    /// The event recorded on an aggregate of `aggregate_type`; `None` for a type not followed.
    fn decode(aggregate_type: &str, payload: &serde_json::Value) -> Result<Option<Self>, serde_json::Error>;
}

/// A followed event with what the store knows about it.
#[derive(Debug, Clone)]
pub struct Envelope<E> {
    pub aggregate_id: String,
    pub sequence: i64,
    /// The correlation id of the command that recorded it, when it had one.
    pub correlation_id: Option<String>,
    pub event: E,
}

impl<E> Envelope<E> {
    /// The aggregate's id as a UUID (every followed aggregate is named by one).
    pub fn aggregate_uuid(&self) -> Result<uuid::Uuid, ProcessError> {
        uuid::Uuid::parse_str(&self.aggregate_id).map_err(|cause| ProcessError::BadAggregateId {
            id: self.aggregate_id.clone(),
            cause,
        })
    }
}

/// A process manager. Its deliveries are at least once (a crash before the checkpoint
/// replays a batch), so each step must be idempotent; `tx` is the transaction that advances
/// its checkpoint, for its own bookkeeping tables.
pub trait ProcessManager: Send + Sync + 'static {
    type Events: FollowedEvents;

    /// Stable name: the checkpoint's key and the metrics label.
    const NAME: &'static str;

    /// Handles a batch of events in feed order.
    fn handle(
        &self,
        tx: &mut PgConnection,
        events: Vec<Envelope<Self::Events>>,
    ) -> impl Future<Output = Result<(), ProcessError>> + Send;
}

/// Runs a process manager as an event consumer: fed from the store or from Kafka like the
/// projectors, its events decoded first, its failures retried and dead-lettered like theirs.
#[derive(Debug, Clone)]
pub struct Process<M>(pub M);

fn decode<E: FollowedEvents>(stored: &StoredEvent) -> Result<Option<Envelope<E>>, ProjectionError> {
    let Some(event) =
        E::decode(&stored.aggregate_type, &stored.payload).map_err(|e| ProjectionError::bad_payload(stored, e))?
    else {
        return Ok(None);
    };
    Ok(Some(Envelope {
        aggregate_id: stored.aggregate_id.clone(),
        sequence: stored.sequence,
        correlation_id: stored.metadata_str("correlation_id").map(str::to_owned),
        event,
    }))
}

impl<M: ProcessManager> EventConsumer for Process<M> {
    fn name(&self) -> &'static str {
        M::NAME
    }

    fn aggregate_types(&self) -> Option<&'static [&'static str]> {
        Some(M::Events::AGGREGATE_TYPES)
    }

    async fn apply(&self, tx: &mut PgConnection, event: &StoredEvent, feed: &EventFeed) -> Result<(), ProjectionError> {
        self.apply_all(tx, std::slice::from_ref(event), feed).await
    }

    async fn apply_all(
        &self,
        tx: &mut PgConnection,
        events: &[StoredEvent],
        _feed: &EventFeed,
    ) -> Result<(), ProjectionError> {
        let mut followed = Vec::with_capacity(events.len());
        for stored in events {
            followed.extend(decode(stored)?);
        }
        self.0
            .handle(tx, followed)
            .await
            .map_err(|e| ProjectionError::Process(Box::new(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync_run::RunFollows;
    use gomarket_domain::marketplace::listing::ListingEvent;
    use gomarket_infra::event_store::FeedPosition;
    use serde_json::json;

    fn stored(aggregate_type: &str, payload: serde_json::Value) -> StoredEvent {
        StoredEvent {
            event_id: uuid::Uuid::now_v7(),
            feed_position: FeedPosition::START,
            aggregate_type: aggregate_type.to_owned(),
            aggregate_id: uuid::Uuid::now_v7().to_string(),
            sequence: 3,
            event_type: "PushAttemptFailed".to_owned(),
            event_version: "1".to_owned(),
            payload,
            metadata: json!({ "correlation_id": "run-1" }),
            recorded_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn followed_events_arrive_typed_with_their_envelope() {
        let event = stored(
            "Listing",
            json!({ "PushAttemptFailed": {
                "area": "Price", "reason": "503", "attempts": 2,
                "retry_at": "2026-12-04T00:00:00Z", "at": "2026-12-04T00:00:00Z" } }),
        );
        let envelope = decode::<RunFollows>(&event).unwrap().unwrap();
        assert_eq!(envelope.sequence, 3);
        assert_eq!(envelope.correlation_id.as_deref(), Some("run-1"));
        assert!(matches!(
            envelope.event,
            RunFollows::Listing(ListingEvent::PushAttemptFailed { attempts: 2, .. })
        ));
        assert_eq!(envelope.aggregate_uuid().unwrap().to_string(), event.aggregate_id);
    }

    #[test]
    fn other_aggregates_are_skipped_and_unreadable_payloads_refused() {
        assert!(decode::<RunFollows>(&stored("Product", json!({}))).unwrap().is_none());
        let unreadable = decode::<RunFollows>(&stored("Listing", json!({ "NoSuchEvent": {} })));
        assert!(matches!(unreadable, Err(ProjectionError::BadPayload { .. })));
    }
}
