//! Kafka settings: brokers, topic naming, and librdkafka properties.
//!
//! Production defaults live in code; every librdkafka property can be overridden from
//! configuration (`GOMARKET_KAFKA_PROPERTY_<NAME>` with dots as underscores, or
//! `--kafka-property name=value`), because brokers differ in what they support.

use rdkafka::ClientConfig;

/// Where and how to talk to Kafka.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaConfig {
    /// `host:port[,host:port...]`.
    pub brokers: String,
    /// Topics are `<prefix>.<context>.events`.
    pub topic_prefix: String,
    /// Partitions of each topic the relay creates.
    pub partitions: i32,
    /// Replication factor of each topic the relay creates.
    pub replication_factor: i32,
    /// librdkafka properties applied after the defaults, to every client.
    pub properties: Vec<(String, String)>,
}

impl KafkaConfig {
    pub fn new(brokers: impl Into<String>) -> Self {
        Self {
            brokers: brokers.into(),
            topic_prefix: "gomarket".to_owned(),
            partitions: 6,
            replication_factor: 1,
            properties: Vec::new(),
        }
    }

    /// The topic of a bounded context's events.
    pub fn topic(&self, context: &str) -> String {
        format!("{}.{context}.events", self.topic_prefix)
    }

    fn base(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", &self.brokers);
        config
    }

    fn with_overrides(&self, mut config: ClientConfig) -> ClientConfig {
        for (name, value) in &self.properties {
            config.set(name, value);
        }
        config
    }

    /// An idempotent producer: every record acknowledged by all in-sync replicas, no
    /// duplicates from internal retries, per-partition order kept.
    pub fn producer(&self) -> ClientConfig {
        let mut config = self.base();
        config
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("message.timeout.ms", "30000")
            .set("linger.ms", "5");
        self.with_overrides(config)
    }

    /// A consumer in `group` that never commits on its own (offsets are committed after the
    /// read-model transaction) and starts from the beginning when the group is new.
    pub fn consumer(&self, group: &str) -> ClientConfig {
        let mut config = self.base();
        config
            .set("group.id", group)
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            .set("enable.partition.eof", "false")
            // Notice new topics and partitions within seconds, not librdkafka's 5 minutes.
            .set("topic.metadata.refresh.interval.ms", "10000");
        self.with_overrides(config)
    }

    pub fn admin(&self) -> ClientConfig {
        self.with_overrides(self.base())
    }
}

/// Reads `GOMARKET_KAFKA_PROPERTY_<NAME>=value` pairs: `<NAME>` lower-cased with `_` → `.`
/// (`GOMARKET_KAFKA_PROPERTY_SESSION_TIMEOUT_MS` sets `session.timeout.ms`).
pub fn properties_from_env(vars: impl IntoIterator<Item = (String, String)>) -> Vec<(String, String)> {
    const PREFIX: &str = "GOMARKET_KAFKA_PROPERTY_";
    let mut properties: Vec<(String, String)> = vars
        .into_iter()
        .filter_map(|(key, value)| {
            let name = key.strip_prefix(PREFIX)?;
            (!name.is_empty()).then(|| (name.to_lowercase().replace('_', "."), value))
        })
        .collect();
    properties.sort();
    properties
}

/// Parses `name=value`.
pub fn parse_property(raw: &str) -> Result<(String, String), String> {
    match raw.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => Ok((name.trim().to_owned(), value.trim().to_owned())),
        _ => Err(format!("expected name=value, got {raw:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_properties_become_librdkafka_names() {
        let vars = [
            ("GOMARKET_KAFKA_PROPERTY_BATCH_NUM_MESSAGES".to_owned(), "1".to_owned()),
            ("GOMARKET_KAFKA_BROKERS".to_owned(), "x".to_owned()),
            (
                "GOMARKET_KAFKA_PROPERTY_SESSION_TIMEOUT_MS".to_owned(),
                "6000".to_owned(),
            ),
        ];
        assert_eq!(
            properties_from_env(vars),
            [
                ("batch.num.messages".to_owned(), "1".to_owned()),
                ("session.timeout.ms".to_owned(), "6000".to_owned())
            ]
        );
    }

    #[test]
    fn overrides_win_over_defaults() {
        let mut config = KafkaConfig::new("127.0.0.1:9092");
        config.properties.push(("linger.ms".into(), "0".into()));
        assert_eq!(config.producer().get("linger.ms"), Some("0"));
        assert_eq!(config.producer().get("enable.idempotence"), Some("true"));
        assert_eq!(config.topic("catalog"), "gomarket.catalog.events");
        assert_eq!(parse_property("a.b = 1"), Ok(("a.b".into(), "1".into())));
        assert!(parse_property("nope").is_err());
    }
}
