//! The protobuf envelope of published events (`gomarket/events/v1/envelope.proto`), compiled
//! at build time with protox + prost. Other languages decode our topics with only that file.
#![forbid(unsafe_code)]

/// `gomarket.events.v1`: the event envelope.
pub mod events {
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/gomarket.events.v1.rs"));
    }
}

pub use events::v1::EventEnvelope;
pub use prost::Message;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_round_trips_through_bytes() {
        let envelope = EventEnvelope {
            event_id: "0193a4c2-0000-7000-8000-000000000001".into(),
            aggregate_type: "Product".into(),
            aggregate_id: "6f1c1d50-0000-4000-8000-000000000000".into(),
            sequence: 3,
            global_position: 42,
            transaction_id: 1001,
            event_type: "ProductPriceChanged".into(),
            event_version: "1".into(),
            recorded_at_unix_micros: 1_763_900_000_000_000,
            correlation_id: "req-1".into(),
            causation_id: String::new(),
            actor: "anonymous".into(),
            command: "ChangeProductPrice".into(),
            payload_json: r#"{"ProductPriceChanged":{"price_kopecks":100}}"#.into(),
        };
        let bytes = envelope.encode_to_vec();
        assert_eq!(EventEnvelope::decode(bytes.as_slice()).unwrap(), envelope);
    }
}
