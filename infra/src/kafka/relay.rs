//! The outbox relay: publishes the event store to Kafka in commit-safe order.
//!
//! One relay is active at a time: it holds a PostgreSQL advisory lock on a dedicated
//! connection; standbys poll for the lock and take over when the holder's session ends. The
//! relay reads a batch after its checkpoint, enqueues every record in order on an idempotent
//! producer, waits until the broker acknowledged all of them, and only then stores the
//! checkpoint. A crash between the acknowledgement and the checkpoint republishes the batch:
//! duplicates, never loss; consumers absorb them by (aggregate, sequence).

use super::KafkaConfig;
use super::envelope::to_envelope;
use crate::database::{LockKey, LockSession};
use crate::event_store::{EventFeed, FeedPosition, StoredEvent, checkpoint};
use crate::shutdown::Shutdown;
use crate::telemetry::Metrics;
use prost::Message as _;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use thiserror::Error;

/// Checkpoint name of the relay in `projection_checkpoints`.
pub const RELAY_CHECKPOINT: &str = "kafka-relay";
/// Advisory lock held by the active relay ("gomarket relay"; a one-key lock, as ever, so a
/// relay of an earlier release and this one never both lead).
const RELAY_LOCK: LockKey = LockKey::Single(0x676d_5f72_656c_6179);
const BATCH_SIZE: i64 = 1_000;
const IDLE_POLL: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Every bounded context's topic suffix; each context has its own topic. `other` is no
/// context: releases before the supplier topic published supplier events there, and it is
/// still created and read so that what they left in it is consumed (docs/operations.md,
/// "Upgrading: the supplier topic").
pub const CONTEXTS: &[&str] = &[
    "catalog",
    "identity",
    "marketplace",
    "sync",
    "supplier",
    "sales",
    LEGACY_CONTEXT,
];

/// Where aggregate types no context claims go (none today), and where supplier events went
/// before they had their topic.
pub const LEGACY_CONTEXT: &str = "other";

/// The topics a consumer of supplier events reads: the context's own and the legacy one.
pub const SUPPLIER_CONTEXTS: &[&str] = &["supplier", LEGACY_CONTEXT];

/// The bounded context of an aggregate type.
pub fn bounded_context(aggregate_type: &str) -> &'static str {
    match aggregate_type {
        "Product" => "catalog",
        "User" | "ApiKey" => "identity",
        "MarketplaceAccount" | "CategoryMapping" | "Listing" => "marketplace",
        "SyncPolicy" | "SyncRun" => "sync",
        "Supplier" | "Import" => "supplier",
        "MarketplaceOrder" | "MarketplaceStock" | "SubjectCommission" | "Alert" | "AlertRules" => "sales",
        _ => LEGACY_CONTEXT,
    }
}

/// Creates the topic of every bounded context (partitions and replication from `config`);
/// topics that exist are left as they are. Both the relay and the projectors call it, so a
/// consumer never subscribes to a topic that does not exist yet (librdkafka would only notice
/// it at its next metadata refresh).
pub async fn ensure_topics(config: &KafkaConfig) -> Result<(), RelayError> {
    let admin: AdminClient<DefaultClientContext> = config.admin().create()?;
    let names: Vec<String> = CONTEXTS.iter().map(|c| config.topic(c)).collect();
    let topics: Vec<NewTopic<'_>> = names
        .iter()
        .map(|name| {
            NewTopic::new(
                name,
                config.partitions,
                TopicReplication::Fixed(config.replication_factor),
            )
        })
        .collect();
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
    for result in admin.create_topics(&topics, &options).await? {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((topic, code)) => return Err(RelayError::Topic { topic, code }),
        }
    }
    Ok(())
}

#[derive(Debug, Error)]
pub enum RelayError {
    #[error("kafka: {0}")]
    Kafka(#[from] KafkaError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Feed(#[from] crate::event_store::FeedError),
    #[error("creating topic {topic}: {code}")]
    Topic { topic: String, code: RDKafkaErrorCode },
}

/// Whether the relay is publishing normally; `/readyz` reports it.
#[derive(Debug, Clone, Default)]
pub struct RelayHealth(Arc<AtomicBool>);

impl RelayHealth {
    pub fn is_degraded(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    fn set_degraded(&self, degraded: bool) {
        self.0.store(degraded, Ordering::Relaxed);
    }
}

pub struct Relay {
    feed: EventFeed,
    config: KafkaConfig,
    producer: FutureProducer,
    metrics: Metrics,
    health: RelayHealth,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay").field("brokers", &self.config.brokers).finish()
    }
}

impl Relay {
    pub fn new(feed: EventFeed, config: KafkaConfig, metrics: Metrics) -> Result<Self, RelayError> {
        let producer = config.producer().create()?;
        Ok(Self {
            feed,
            config,
            producer,
            metrics,
            health: RelayHealth::default(),
        })
    }

    /// Reports health through `health` (e.g. a handle the HTTP edge already holds).
    pub fn with_health(mut self, health: RelayHealth) -> Self {
        self.health = health;
        self
    }

    /// Creates the topics the relay publishes to (see [`ensure_topics`]).
    pub async fn ensure_topics(&self) -> Result<(), RelayError> {
        ensure_topics(&self.config).await
    }

    /// Publishes `events` in order and returns once the broker acknowledged every one.
    pub async fn publish(&self, events: &[StoredEvent]) -> Result<(), RelayError> {
        let mut deliveries = Vec::with_capacity(events.len());
        for event in events {
            let topic = self.config.topic(bounded_context(&event.aggregate_type));
            let payload = to_envelope(event).encode_to_vec();
            let correlation_id = event.metadata_str("correlation_id").unwrap_or_default();
            let headers = OwnedHeaders::new()
                .insert(Header {
                    key: "event_type",
                    value: Some(event.event_type.as_str()),
                })
                .insert(Header {
                    key: "correlation_id",
                    value: Some(correlation_id),
                });
            let mut record = FutureRecord::to(&topic)
                .key(&event.aggregate_id)
                .payload(&payload)
                .headers(headers);
            // Enqueue in order; when the local queue is full, wait for earlier deliveries.
            loop {
                match self.producer.send_result(record) {
                    Ok(delivery) => {
                        deliveries.push(delivery);
                        break;
                    }
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), returned)) => {
                        record = returned;
                        self.producer.poll(Duration::from_millis(50));
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                    Err((error, _)) => return Err(error.into()),
                }
            }
        }
        for delivery in deliveries {
            match delivery.await {
                Ok(Ok(_)) => {}
                Ok(Err((error, _))) => return Err(error.into()),
                Err(_) => return Err(KafkaError::Canceled.into()),
            }
        }
        Ok(())
    }

    /// Publishes the next batch after the checkpoint, then stores the checkpoint. Returns how
    /// many events it published.
    pub async fn step(&self) -> Result<usize, RelayError> {
        let pool = self.feed.pool();
        let after = checkpoint::load(pool, RELAY_CHECKPOINT).await?;
        let batch = self.feed.read_after(after, BATCH_SIZE).await?;
        let Some(last) = batch.last().map(|e| e.feed_position) else {
            return Ok(0);
        };
        self.publish(&batch).await?;
        let mut tx = crate::database::begin(pool).await?;
        checkpoint::store(&mut tx, RELAY_CHECKPOINT, last).await?;
        tx.commit().await?;
        self.metrics.record_relayed(batch.len() as u64);
        Ok(batch.len())
    }

    /// Runs until shutdown: waits to become the active relay, then publishes continuously,
    /// backing off (bounded, exponential) while the broker is unreachable.
    pub async fn run(mut self, mut shutdown: Shutdown) {
        while !shutdown.is_triggered() {
            let Some(mut leadership) = self.acquire_leadership(&mut shutdown).await else {
                break;
            };
            tracing::info!(brokers = %self.config.brokers, "relay is active");
            let mut backoff = Duration::from_millis(200);
            let mut topics_ready = false;
            let mut listener = self.feed.listen().await.ok();
            while !shutdown.is_triggered() {
                if !leadership.is_alive().await {
                    tracing::warn!("relay lost its database session (and the lock); standing by");
                    break;
                }
                let outcome = if topics_ready {
                    self.step().await
                } else {
                    self.ensure_topics().await.map(|()| 0)
                };
                match outcome {
                    Ok(published) => {
                        topics_ready = true;
                        self.health.set_degraded(false);
                        backoff = Duration::from_millis(200);
                        // Only once caught up: while a backlog drains, the lag is
                        // plainly "behind", and measuring it would cost a query per batch.
                        if published < BATCH_SIZE as usize {
                            self.update_lag().await;
                        }
                        if published == 0 {
                            let wait = async {
                                match listener.as_mut() {
                                    Some(l) => {
                                        let _ = l.wait(IDLE_POLL).await;
                                    }
                                    None => tokio::time::sleep(IDLE_POLL).await,
                                }
                            };
                            tokio::select! { _ = wait => {}, _ = shutdown.triggered() => {} }
                        }
                    }
                    Err(error) => {
                        self.health.set_degraded(true);
                        tracing::warn!(%error, retry_in = ?backoff, "relay cannot publish; retrying");
                        self.renew_producer();
                        tokio::select! { _ = tokio::time::sleep(backoff) => {}, _ = shutdown.triggered() => {} }
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                    }
                }
            }
        }
        let _ = self.producer.flush(Duration::from_secs(5));
        tracing::info!("relay stopped");
    }

    /// Replaces the producer after a failed batch. An idempotent producer whose messages timed
    /// out must bump its epoch, which some brokers answer by fencing it for good; a new
    /// producer (new producer id) avoids that. The batch is republished from the checkpoint
    /// anyway, so whatever the old producer still held is only a duplicate.
    fn renew_producer(&mut self) {
        match self.config.producer().create::<FutureProducer>() {
            Ok(fresh) => {
                let old = std::mem::replace(&mut self.producer, fresh);
                // Dropping purges and flushes for up to 500 ms: keep that off the runtime.
                tokio::task::spawn_blocking(move || drop(old));
            }
            Err(error) => tracing::warn!(%error, "cannot create a new Kafka producer; keeping the old one"),
        }
    }

    /// Waits until this process holds the relay lock (or shutdown). The lock belongs to the
    /// returned connection's session: dropping it (or a crash) hands over to a standby.
    async fn acquire_leadership(&self, shutdown: &mut Shutdown) -> Option<LockSession> {
        let mut announced = false;
        loop {
            if shutdown.is_triggered() {
                return None;
            }
            if let Some(session) = LockSession::try_hold(self.feed.pool(), RELAY_LOCK).await {
                return Some(session);
            }
            if !announced {
                tracing::info!("another relay is active; standing by");
                announced = true;
            }
            tokio::select! { _ = tokio::time::sleep(Duration::from_secs(1)) => {}, _ = shutdown.triggered() => {} }
        }
    }

    async fn update_lag(&self) {
        let lag = async {
            let checkpoint = checkpoint::load(self.feed.pool(), RELAY_CHECKPOINT).await?;
            Ok::<_, RelayError>(self.feed.lag_after(checkpoint).await?)
        };
        if let Ok(lag) = lag.await {
            let seconds = lag
                .oldest
                .map_or(0.0, |at| (chrono::Utc::now() - at).as_seconds_f64().max(0.0));
            self.metrics.set_relay_lag(lag.events, seconds);
        }
    }
}

/// Where the relay stands: its checkpoint.
pub async fn relay_checkpoint(feed: &EventFeed) -> Result<FeedPosition, sqlx::Error> {
    checkpoint::load(feed.pool(), RELAY_CHECKPOINT).await
}
