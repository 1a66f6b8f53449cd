//! Kafka: configuration, the protobuf envelope mapping, and the outbox relay.

mod config;
mod envelope;
mod relay;

pub use config::{KafkaConfig, parse_property, properties_from_env};
pub use envelope::{EnvelopeError, from_envelope, to_envelope};
pub use relay::{RELAY_CHECKPOINT, Relay, RelayError, RelayHealth, bounded_context, relay_checkpoint};
