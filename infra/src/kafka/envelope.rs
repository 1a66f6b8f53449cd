//! Stored events to protobuf envelopes and back.

use crate::event_store::{FeedPosition, StoredEvent};
use chrono::{DateTime, Utc};
use gomarket_proto::EventEnvelope;
use thiserror::Error;
use uuid::Uuid;

#[derive(Debug, Error)]
pub enum EnvelopeError {
    #[error("not a protobuf event envelope: {0}")]
    Decode(#[from] prost::DecodeError),
    #[error("envelope field {field} is invalid: {reason}")]
    Field { field: &'static str, reason: String },
}

pub fn to_envelope(event: &StoredEvent) -> EventEnvelope {
    let text = |key: &str| event.metadata_str(key).unwrap_or_default().to_owned();
    EventEnvelope {
        event_id: event.event_id.to_string(),
        aggregate_type: event.aggregate_type.clone(),
        aggregate_id: event.aggregate_id.clone(),
        sequence: event.sequence,
        global_position: event.feed_position.position,
        transaction_id: event.feed_position.tx_id,
        event_type: event.event_type.clone(),
        event_version: event.event_version.clone(),
        recorded_at_unix_micros: event.recorded_at.timestamp_micros(),
        correlation_id: text("correlation_id"),
        causation_id: text("causation_id"),
        actor: text("actor"),
        command: text("command"),
        payload_json: event.payload.to_string(),
    }
}

pub fn from_envelope(envelope: EventEnvelope) -> Result<StoredEvent, EnvelopeError> {
    let field = |field: &'static str, reason: String| EnvelopeError::Field { field, reason };
    let mut metadata = serde_json::Map::new();
    for (key, value) in [
        ("correlation_id", &envelope.correlation_id),
        ("causation_id", &envelope.causation_id),
        ("actor", &envelope.actor),
        ("command", &envelope.command),
    ] {
        if !value.is_empty() {
            metadata.insert(key.to_owned(), serde_json::Value::String(value.clone()));
        }
    }
    Ok(StoredEvent {
        event_id: Uuid::parse_str(&envelope.event_id).map_err(|e| field("event_id", e.to_string()))?,
        feed_position: FeedPosition {
            tx_id: envelope.transaction_id,
            position: envelope.global_position,
        },
        recorded_at: DateTime::<Utc>::from_timestamp_micros(envelope.recorded_at_unix_micros)
            .ok_or_else(|| field("recorded_at_unix_micros", "out of range".to_owned()))?,
        payload: serde_json::from_str(&envelope.payload_json).map_err(|e| field("payload_json", e.to_string()))?,
        metadata: serde_json::Value::Object(metadata),
        aggregate_type: envelope.aggregate_type,
        aggregate_id: envelope.aggregate_id,
        sequence: envelope.sequence,
        event_type: envelope.event_type,
        event_version: envelope.event_version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[test]
    fn stored_event_survives_the_envelope() {
        let event = StoredEvent {
            event_id: Uuid::now_v7(),
            feed_position: FeedPosition {
                tx_id: 900,
                position: 12,
            },
            aggregate_type: "Product".into(),
            aggregate_id: Uuid::nil().to_string(),
            sequence: 2,
            event_type: "ProductPriceChanged".into(),
            event_version: "1".into(),
            payload: serde_json::json!({ "ProductPriceChanged": { "price_kopecks": 100 } }),
            metadata: serde_json::json!({ "actor": "anonymous", "command": "ChangeProductPrice", "correlation_id": "r-1" }),
            recorded_at: DateTime::<Utc>::from_timestamp_micros(1_763_900_000_123_456).unwrap(),
        };
        let bytes = to_envelope(&event).encode_to_vec();
        let decoded = from_envelope(EventEnvelope::decode(bytes.as_slice()).unwrap()).unwrap();
        assert_eq!(decoded, event);
    }
}
