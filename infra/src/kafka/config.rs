//! Kafka settings: brokers, topic naming, and librdkafka properties.
//!
//! Production defaults live in code; every librdkafka property can be overridden from
//! configuration (`GOMARKET_KAFKA_PROPERTY_<NAME>` with dots as underscores, or
//! `--kafka-property name=value`), because brokers differ in what they support.

use rdkafka::ClientConfig;

/// Which broker implementation the cluster runs, for what it needs beyond the Kafka protocol.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BrokerProfile {
    /// Apache Kafka and brokers that behave like it (Redpanda, managed Kafka): the defaults.
    #[default]
    Kafka,
    /// The tansu 0.6 broker the tests run against. It returns nothing to a consumer that
    /// resumes inside a multi-record batch and misreports the high watermark of batches, so
    /// the producer sends one record per batch (`batch.num.messages=1`) — slower, and needed
    /// only there.
    Tansu,
}

/// A Kafka setting given on the command line or in the environment that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KafkaSettingError {
    #[error("unknown broker profile {0:?}; known: kafka, tansu")]
    UnknownBrokerProfile(String),
    #[error("expected name=value, got {0:?}")]
    NotAProperty(String),
}

impl BrokerProfile {
    pub fn parse(raw: &str) -> Result<Self, KafkaSettingError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "kafka" => Ok(Self::Kafka),
            "tansu" => Ok(Self::Tansu),
            _ => Err(KafkaSettingError::UnknownBrokerProfile(raw.to_owned())),
        }
    }

    fn producer_properties(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Kafka => &[],
            Self::Tansu => &[("batch.num.messages", "1")],
        }
    }
}

/// Where and how to talk to Kafka.
#[derive(Clone, PartialEq, Eq)]
pub struct KafkaConfig {
    /// `host:port[,host:port...]`.
    pub brokers: String,
    /// Topics are `<prefix>.<context>.events`.
    pub topic_prefix: String,
    /// Partitions of each topic the relay creates.
    pub partitions: i32,
    /// Replication factor of each topic the relay creates.
    pub replication_factor: i32,
    /// What the broker implementation needs (applied over the defaults, under `properties`).
    pub broker_profile: BrokerProfile,
    /// librdkafka properties applied after the defaults, to every client.
    pub properties: Vec<(String, String)>,
}

/// Whether a librdkafka property holds a secret (`sasl.password`, `ssl.key.password`,
/// `ssl.key.pem`, `sasl.oauthbearer.client.secret`, ...), whose value is never shown.
fn is_secret_property(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "password",
        "secret",
        "ssl.key.pem",
        "ssl_key",
        "sasl.oauthbearer.config",
        "sasl.jaas",
    ]
    .iter()
    .any(|part| name.contains(part))
}

impl std::fmt::Debug for KafkaConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let properties: Vec<(&str, &str)> = self
            .properties
            .iter()
            .map(|(name, value)| {
                let shown = if is_secret_property(name) {
                    "***"
                } else {
                    value.as_str()
                };
                (name.as_str(), shown)
            })
            .collect();
        f.debug_struct("KafkaConfig")
            .field("brokers", &self.brokers)
            .field("topic_prefix", &self.topic_prefix)
            .field("partitions", &self.partitions)
            .field("replication_factor", &self.replication_factor)
            .field("broker_profile", &self.broker_profile)
            .field("properties", &properties)
            .finish()
    }
}

impl KafkaConfig {
    pub fn new(brokers: impl Into<String>) -> Self {
        Self {
            brokers: brokers.into(),
            topic_prefix: "gomarket".to_owned(),
            partitions: 6,
            replication_factor: 1,
            broker_profile: BrokerProfile::Kafka,
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
        for (name, value) in self.broker_profile.producer_properties() {
            config.set(*name, *value);
        }
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
pub fn parse_property(raw: &str) -> Result<(String, String), KafkaSettingError> {
    match raw.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => Ok((name.trim().to_owned(), value.trim().to_owned())),
        _ => Err(KafkaSettingError::NotAProperty(raw.to_owned())),
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
    fn secret_properties_are_never_shown() {
        let mut config = KafkaConfig::new("b:9093");
        config.properties = vec![
            ("security.protocol".into(), "SASL_SSL".into()),
            ("sasl.password".into(), "hunter2-kafka".into()),
            ("ssl.key.password".into(), "key-pass-42".into()),
        ];
        let shown = format!("{config:?}");
        assert!(shown.contains("SASL_SSL"), "{shown}");
        assert!(
            !shown.contains("hunter2-kafka") && !shown.contains("key-pass-42"),
            "{shown}"
        );
    }

    /// Managed Kafka speaks TLS and SASL: librdkafka must be built with them (it refuses
    /// these properties otherwise), and with the codecs of compressed topics.
    #[test]
    fn clients_with_tls_sasl_and_compression_can_be_created() {
        use rdkafka::consumer::BaseConsumer;
        use rdkafka::producer::BaseProducer;
        let mut config = KafkaConfig::new("127.0.0.1:1");
        config.properties = [
            ("security.protocol", "SASL_SSL"),
            ("sasl.mechanism", "SCRAM-SHA-512"),
            ("sasl.username", "gomarket"),
            ("sasl.password", "secret"),
            ("compression.type", "zstd"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let producer: Result<BaseProducer, _> = config.producer().create();
        assert!(producer.is_ok(), "{:?}", producer.err());
        let consumer: Result<BaseConsumer, _> = config.consumer("g").create();
        assert!(consumer.is_ok(), "{:?}", consumer.err());
        config.properties[4].1 = "gzip".into();
        let gzip: Result<BaseProducer, _> = config.producer().create();
        assert!(gzip.is_ok(), "{:?}", gzip.err());
    }

    #[test]
    fn the_tansu_profile_sends_one_record_per_batch_and_kafka_batches() {
        let mut config = KafkaConfig::new("127.0.0.1:9092");
        assert_eq!(config.producer().get("batch.num.messages"), None);
        config.broker_profile = BrokerProfile::parse(" Tansu ").unwrap();
        assert_eq!(config.producer().get("batch.num.messages"), Some("1"));
        assert_eq!(config.consumer("g").get("batch.num.messages"), None);
        assert!(BrokerProfile::parse("redis").is_err());
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
