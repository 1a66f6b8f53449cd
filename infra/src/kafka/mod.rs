//! Kafka: configuration, the protobuf envelope mapping, and the outbox relay.

mod config;
mod envelope;
mod relay;

pub use config::{BrokerProfile, KafkaConfig, KafkaSettingError, parse_property, properties_from_env};
pub use envelope::{EnvelopeError, from_envelope, to_envelope};
pub use relay::{
    CONTEXTS, LEGACY_CONTEXT, RELAY_CHECKPOINT, Relay, RelayError, RelayHealth, SUPPLIER_CONTEXTS, bounded_context,
    ensure_topics, relay_checkpoint,
};
