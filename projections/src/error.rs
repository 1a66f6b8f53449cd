use gomarket_infra::event_store::{FeedError, StoredEvent};
use thiserror::Error;

/// Why a projection could not apply an event. The runner logs it and retries with backoff;
/// nothing is half-applied because the whole batch and its checkpoint share one transaction.
#[derive(Debug, Error)]
pub enum ProjectionError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Feed(#[from] FeedError),
    #[error("kafka: {0}")]
    Kafka(#[from] rdkafka::error::KafkaError),
    /// A process manager's step failed (a command it issued, its bookkeeping); retried like
    /// any failure.
    #[error("the process manager's step failed")]
    Process(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    #[error("event {event_type} #{sequence} of {aggregate_id} has an unreadable payload: {reason}")]
    BadPayload {
        aggregate_id: String,
        event_type: String,
        sequence: i64,
        reason: String,
    },
}

/// The stored event's payload read as `E`, straight from the stored JSON value (no copy of
/// it is made: at a million events a copy per event was a tenth of a projector's own CPU).
pub(crate) fn decode_payload<E: serde::de::DeserializeOwned>(stored: &StoredEvent) -> Result<E, ProjectionError> {
    E::deserialize(&stored.payload).map_err(|e| ProjectionError::bad_payload(stored, e))
}

impl ProjectionError {
    /// The stored event cannot be read as what its type says it is.
    pub fn bad_payload(event: &StoredEvent, reason: impl ToString) -> Self {
        Self::BadPayload {
            aggregate_id: event.aggregate_id.clone(),
            event_type: event.event_type.clone(),
            sequence: event.sequence,
            reason: reason.to_string(),
        }
    }
}
