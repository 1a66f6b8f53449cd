//! Feeding a projection from Kafka: one consumer group per projection, offsets committed only
//! after the read-model transaction committed. Redelivered events are no-ops (the projection
//! skips sequences it has applied); a gap in an aggregate's sequence is healed from the store;
//! an event that keeps failing is dead-lettered and the projection carries on. Run several
//! instances with the same group to share the partitions.

use crate::rebalance_watch::RebalanceWatch;
use crate::{Bookkeeping, Outcome, Projection, apply_isolated, apply_together};
use gomarket_infra::event_store::{EventFeed, StoredEvent};
use gomarket_infra::kafka::{KafkaConfig, ensure_topics, from_envelope};
use gomarket_infra::shutdown::Shutdown;
use gomarket_infra::telemetry::Metrics;
use gomarket_proto::{EventEnvelope, Message as _};
use rdkafka::Message;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::error::KafkaError;
use std::time::Duration;

const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How often an idle projector checks that its consumer still belongs to the group.
const WATCH_INTERVAL: Duration = Duration::from_secs(5);
/// How long a consumer may wait for an assignment after a revocation before it is replaced.
const STUCK_AFTER: Duration = Duration::from_secs(20);
/// Most records applied in one read-model transaction.
const BATCH_SIZE: usize = 500;

/// The consumer group of a projection.
pub fn consumer_group(config: &KafkaConfig, projection: &str) -> String {
    format!("{}.projection.{projection}", config.topic_prefix)
}

pub struct KafkaProjector<P> {
    projection: P,
    feed: EventFeed,
    config: KafkaConfig,
    topics: Vec<String>,
    consumer: StreamConsumer<RebalanceWatch>,
    metrics: Metrics,
}

impl<P> std::fmt::Debug for KafkaProjector<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KafkaProjector")
    }
}

/// A consumer in the projection's group, subscribed to `topics`.
fn join_group(
    config: &KafkaConfig,
    projection: &str,
    topics: &[String],
) -> Result<StreamConsumer<RebalanceWatch>, KafkaError> {
    let consumer: StreamConsumer<RebalanceWatch> = config
        .consumer(&consumer_group(config, projection))
        .create_with_context(RebalanceWatch::default())?;
    let topics: Vec<&str> = topics.iter().map(String::as_str).collect();
    consumer.subscribe(&topics)?;
    Ok(consumer)
}

impl<P: Projection> KafkaProjector<P> {
    /// Joins the projection's consumer group on the topics of `contexts`.
    pub fn new(
        projection: P,
        feed: EventFeed,
        config: &KafkaConfig,
        contexts: &[&str],
        metrics: Metrics,
    ) -> Result<Self, KafkaError> {
        let topics: Vec<String> = contexts.iter().map(|c| config.topic(c)).collect();
        let consumer = join_group(config, projection.name(), &topics)?;
        Ok(Self {
            projection,
            feed,
            config: config.clone(),
            topics,
            consumer,
            metrics,
        })
    }

    /// Consumes until shutdown.
    pub async fn run(mut self, mut shutdown: Shutdown) {
        let name = self.projection.name();
        // Subscribe only once the topics exist (the relay may not have created them yet).
        let mut backoff = Duration::from_millis(200);
        while let Err(error) = ensure_topics(&self.config).await {
            tracing::warn!(projection = name, %error, retry_in = ?backoff, "cannot ensure Kafka topics; retrying");
            tokio::select! { _ = tokio::time::sleep(backoff) => {}, _ = shutdown.triggered() => return }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
        match join_group(&self.config, name, &self.topics) {
            Ok(consumer) => self.consumer = consumer,
            Err(error) => tracing::warn!(projection = name, %error, "cannot rejoin the consumer group"),
        }
        tracing::info!(projection = name, "projection consuming from Kafka");
        let mut backoff = Duration::from_millis(200);
        while !shutdown.is_triggered() {
            let message = tokio::select! {
                message = tokio::time::timeout(WATCH_INTERVAL, self.consumer.recv()) => message,
                _ = shutdown.triggered() => break,
            };
            let Ok(message) = message else {
                // Idle: make sure the consumer is not stuck outside the group.
                if self.consumer.context().stuck_for(STUCK_AFTER) {
                    tracing::warn!(
                        projection = name,
                        "consumer has had no assignment since a revocation; rejoining as a new member"
                    );
                    match join_group(&self.config, name, &self.topics) {
                        Ok(consumer) => self.consumer = consumer,
                        Err(error) => tracing::warn!(projection = name, %error, "cannot rejoin the consumer group"),
                    }
                }
                continue;
            };
            let outcome = match message {
                Ok(first) => {
                    // Take whatever else is already fetched, up to a batch, without waiting.
                    let mut batch = vec![first];
                    while batch.len() < BATCH_SIZE {
                        match tokio::time::timeout(Duration::ZERO, self.consumer.recv()).await {
                            Ok(Ok(message)) => batch.push(message),
                            _ => break,
                        }
                    }
                    let payloads: Vec<&[u8]> = batch.iter().map(|m| m.payload().unwrap_or_default()).collect();
                    if !self.handle(&payloads, &mut shutdown).await {
                        break; // shutdown while the database was unreachable: not committed
                    }
                    batch
                        .iter()
                        .try_for_each(|m| self.consumer.store_offset_from_message(m))
                        .and_then(|()| self.consumer.commit_consumer_state(CommitMode::Async))
                }
                Err(error) => Err(error),
            };
            match outcome {
                Ok(()) => backoff = Duration::from_millis(200),
                Err(error) => {
                    tracing::warn!(projection = name, %error, retry_in = ?backoff, "cannot consume; retrying");
                    tokio::select! { _ = tokio::time::sleep(backoff) => {}, _ = shutdown.triggered() => {} }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
        tracing::info!(projection = name, "projection stopped consuming");
    }

    /// Applies the records' events; `false` if shutdown came first. A batch goes in one
    /// transaction; if that fails, event by event (retried, then dead-lettered). A record that
    /// is not an envelope cannot be retried into shape: it is logged and skipped.
    async fn handle(&self, payloads: &[&[u8]], shutdown: &mut Shutdown) -> bool {
        let name = self.projection.name();
        let events: Vec<StoredEvent> = payloads
            .iter()
            .filter_map(|payload| {
                match EventEnvelope::decode(*payload)
                    .map_err(Into::into)
                    .and_then(from_envelope)
                {
                    Ok(event) => Some(event),
                    Err(error) => {
                        tracing::error!(projection = name, %error, "skipping a record that is not an event envelope");
                        None
                    }
                }
            })
            .collect();
        if apply_together(&self.projection, &self.feed, &events).await.is_ok() {
            self.metrics.record_applied(name, events.len() as u64);
            return true;
        }
        for event in &events {
            loop {
                match apply_isolated(&self.projection, &self.feed, event, Bookkeeping::AppliedSequence).await {
                    Ok(Outcome::Applied | Outcome::DeadLettered | Outcome::Superseded) => break,
                    // The database is unreachable: hold on to these records until it is back.
                    Err(error) => {
                        tracing::warn!(projection = name, %error, "cannot apply; retrying");
                        tokio::select! {
                            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                            _ = shutdown.triggered() => return false,
                        }
                    }
                }
            }
        }
        self.metrics.record_applied(name, events.len() as u64);
        true
    }
}
