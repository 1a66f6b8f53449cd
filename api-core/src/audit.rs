//! One recorded event, as the audit trail shows it (`history`, a listing's events).

use async_graphql::{ID, Json, SimpleObject};
use chrono::{DateTime, Utc};
use gomarket_infra::event_store::StoredEvent;

/// One recorded event.
#[derive(Debug, Clone, SimpleObject)]
pub struct AuditEvent {
    pub event_id: ID,
    pub aggregate_type: String,
    pub aggregate_id: String,
    /// What happened, e.g. `ProductPriceChanged`.
    #[graphql(name = "type")]
    pub event_type: String,
    /// Version of the event's payload schema.
    pub version: String,
    /// The aggregate's version after this event (1 = creation).
    pub sequence: i64,
    /// Place in the global, commit-safe order of all events.
    pub global_position: i64,
    pub recorded_at: DateTime<Utc>,
    /// Who caused it.
    pub actor: Option<String>,
    /// The request (X-Request-Id) or job that caused it.
    pub correlation_id: Option<String>,
    /// The command that recorded it.
    pub command: Option<String>,
    /// The event as stored.
    pub payload: Json<serde_json::Value>,
}

impl From<StoredEvent> for AuditEvent {
    fn from(event: StoredEvent) -> Self {
        let text = |key: &str| event.metadata_str(key).map(str::to_owned);
        Self {
            event_id: ID(event.event_id.to_string()),
            actor: text("actor"),
            correlation_id: text("correlation_id"),
            command: text("command"),
            aggregate_type: event.aggregate_type,
            aggregate_id: event.aggregate_id,
            event_type: event.event_type,
            version: event.event_version,
            sequence: event.sequence,
            global_position: event.feed_position.position,
            recorded_at: event.recorded_at,
            payload: Json(event.payload),
        }
    }
}
