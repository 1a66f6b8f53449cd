//! Feeding a projection from Kafka: one consumer group per projection, offsets committed only
//! after the read-model transaction committed. Redelivered events are no-ops (the projection
//! skips sequences it has applied); a gap in an aggregate's sequence is healed from the store;
//! an event that keeps failing is dead-lettered and the projection carries on. Run several
//! instances with the same group to share the partitions.

use crate::rebalance_watch::RebalanceWatch;
use crate::{Bookkeeping, EventConsumer, Outcome, apply_isolated, apply_together};
use gomarket_infra::error_chain::Chain;
use gomarket_infra::event_store::{EventFeed, StoredEvent};
use gomarket_infra::kafka::{KafkaConfig, ensure_topics, from_envelope};
use gomarket_infra::shared_state::read_cache::ProgressPublisher;
use gomarket_infra::shutdown::Shutdown;
use gomarket_infra::telemetry::Metrics;
use gomarket_proto::{EventEnvelope, Message as _};
use rdkafka::Message;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use std::sync::Arc;
use std::time::Duration;

const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How often an idle projector checks that its consumer still belongs to the group.
const WATCH_INTERVAL: Duration = Duration::from_secs(5);
/// How long a consumer may wait for an assignment after a revocation before it is replaced.
const STUCK_AFTER: Duration = Duration::from_secs(20);
/// Least time between two consumer replacements for an unchanged reassignment, so a broker that
/// legitimately hands back the same partitions cannot start a rebalance storm.
const REJOIN_COOLDOWN: Duration = Duration::from_secs(15);
/// Most records applied in one read-model transaction.
const BATCH_SIZE: usize = 500;

/// How often librdkafka reports its statistics (and so the lag metric is refreshed).
const STATISTICS_INTERVAL_MS: &str = "5000";

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
    /// Told of every commit (the shared read cache's invalidation), when configured.
    progress: Option<Arc<ProgressPublisher>>,
}

impl<P> std::fmt::Debug for KafkaProjector<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KafkaProjector")
    }
}

/// A consumer of the projection's group that has not subscribed yet.
fn new_member(config: &KafkaConfig, projection: &str) -> Result<StreamConsumer<RebalanceWatch>, KafkaError> {
    let mut client = config.consumer(&consumer_group(config, projection));
    // Statistics carry the consumer lag the projector reports as a metric.
    if client.get("statistics.interval.ms").is_none() {
        client.set("statistics.interval.ms", STATISTICS_INTERVAL_MS);
    }
    client.create_with_context(RebalanceWatch::default())
}

fn subscribe(consumer: &StreamConsumer<RebalanceWatch>, topics: &[String]) -> Result<(), KafkaError> {
    let topics: Vec<&str> = topics.iter().map(String::as_str).collect();
    consumer.subscribe(&topics)
}

impl<P: EventConsumer> KafkaProjector<P> {
    /// Joins the projection's consumer group on the topics of `contexts`.
    pub fn new(
        projection: P,
        feed: EventFeed,
        config: &KafkaConfig,
        contexts: &[&str],
        metrics: Metrics,
    ) -> Result<Self, KafkaError> {
        let topics: Vec<String> = contexts.iter().map(|c| config.topic(c)).collect();
        // Subscribed in `run`, once the topics exist.
        let consumer = new_member(config, projection.name())?;
        Ok(Self {
            projection,
            feed,
            config: config.clone(),
            topics,
            consumer,
            metrics,
            progress: None,
        })
    }

    /// Publishes the projection's progress after every commit.
    pub fn with_progress(mut self, progress: Arc<ProgressPublisher>) -> Self {
        self.progress = Some(progress);
        self
    }

    fn committed(&self, events: usize) {
        crate::projection::record_commit(&self.metrics, self.progress.as_deref(), self.projection.name(), events);
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
        if let Err(error) = subscribe(&self.consumer, &self.topics) {
            tracing::warn!(projection = name, %error, "cannot subscribe; rejoining as a new member");
            self.rejoin();
        }
        tracing::info!(projection = name, "projection consuming from Kafka");
        let mut backoff = Duration::from_millis(200);
        let mut last_rejoin: Option<std::time::Instant> = None;
        while !shutdown.is_triggered() {
            if let Some(lag) = self.consumer.context().lag() {
                self.metrics.set_projection_lag_events(name, lag);
            }
            if self.orphaned_partitions_suspected(&mut last_rejoin) {
                tracing::warn!(
                    projection = name,
                    "a rebalance handed back the same partitions while some have no consumer; rejoining as a new member"
                );
                self.rejoin();
            }
            let message = tokio::select! {
                message = tokio::time::timeout(WATCH_INTERVAL, self.consumer.recv()) => message,
                _ = shutdown.triggered() => break,
            };
            let Ok(message) = message else {
                // Idle: make sure the consumer is not stuck outside the group.
                if self.consumer.context().stuck_for(STUCK_AFTER) {
                    tracing::warn!(
                        projection = name,
                        "consumer has had no assignment for 20 s (since joining or a revocation); rejoining as a new member"
                    );
                    self.rejoin();
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
        // The last batch's commit went out asynchronously: make it durable before the member
        // leaves, so a restart (or the member taking over) resumes exactly after it.
        match self.consumer.commit_consumer_state(CommitMode::Sync) {
            Ok(()) => tracing::info!(projection = name, "offsets committed; projection stopped consuming"),
            Err(KafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset)) => {
                tracing::info!(
                    projection = name,
                    "nothing left to commit; projection stopped consuming"
                )
            }
            Err(error) => {
                tracing::warn!(projection = name, %error, "final offset commit failed; the uncommitted events will be redelivered (applying them again is a no-op)")
            }
        }
    }

    /// Replaces the consumer with a new group member; dropping the old one commits and leaves
    /// the group, which makes the broker compute a fresh assignment.
    fn rejoin(&mut self) {
        let name = self.projection.name();
        // The new member joins first and the old one leaves (on drop) after: with tansu this
        // order recovers a group that a broker outage left half-formed.
        let fresh = new_member(&self.config, name).and_then(|fresh| subscribe(&fresh, &self.topics).map(|()| fresh));
        match fresh {
            Ok(fresh) => drop(std::mem::replace(&mut self.consumer, fresh)),
            Err(error) => tracing::warn!(projection = name, %error, "cannot rejoin the consumer group"),
        }
    }

    /// After a rebalance that handed back exactly the old partitions: whether some partitions
    /// of our topics are now assigned to nobody we know of (the consumer holds fewer than all,
    /// yet the broker did not move any). Rate-limited by [`REJOIN_COOLDOWN`].
    fn orphaned_partitions_suspected(&self, last_rejoin: &mut Option<std::time::Instant>) -> bool {
        // During the cooldown the signal stays pending, to be acted on once it has passed.
        if last_rejoin.is_some_and(|at| at.elapsed() < REJOIN_COOLDOWN) {
            return false;
        }
        let Some(held) = self.consumer.context().take_unchanged_reassignment() else {
            return false;
        };
        let total: usize = self
            .topics
            .iter()
            .filter_map(|topic| {
                self.consumer
                    .fetch_metadata(Some(topic), Duration::from_secs(5))
                    .ok()
                    .map(|m| m.topics().iter().map(|t| t.partitions().len()).sum::<usize>())
            })
            .sum();
        let suspected = held < total;
        if suspected {
            *last_rejoin = Some(std::time::Instant::now());
        }
        suspected
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
            self.committed(events.len());
            return true;
        }
        for event in &events {
            loop {
                match apply_isolated(&self.projection, &self.feed, event, Bookkeeping::AppliedSequence).await {
                    Ok(Outcome::Applied | Outcome::DeadLettered | Outcome::Superseded) => break,
                    // The database is unreachable: hold on to these records until it is back.
                    Err(error) => {
                        tracing::warn!(projection = name, error = %Chain(&error), "cannot apply; retrying");
                        tokio::select! {
                            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                            _ = shutdown.triggered() => return false,
                        }
                    }
                }
            }
        }
        self.committed(events.len());
        true
    }
}
