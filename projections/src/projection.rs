//! Feeding a projection from the event feed.

use crate::{ProjectionError, checkpoint};
use gomarket_infra::event_store::{EventFeed, FeedPosition, StoredEvent};
use gomarket_infra::shutdown::Shutdown;
use gomarket_infra::telemetry::Metrics;
use sqlx::PgConnection;
use std::future::Future;
use std::time::Duration;

/// A read model built from events.
///
/// `apply` runs inside the transaction that also advances the projection's checkpoint. It must
/// be idempotent per aggregate (skip events at or below the row's applied sequence) and heal a
/// gap in an aggregate's sequence by reading the missing events from the store.
pub trait Projection: Send + Sync + 'static {
    /// Stable name: the checkpoint's key and the metrics label.
    fn name(&self) -> &'static str;

    fn apply(
        &self,
        tx: &mut PgConnection,
        event: &StoredEvent,
        feed: &EventFeed,
    ) -> impl Future<Output = Result<(), ProjectionError>> + Send;
}

/// How many events one transaction applies.
const BATCH_SIZE: i64 = 500;
/// Longest idle wait between feed reads when no notification arrives.
const IDLE_POLL: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Runs one projection: reads the feed after its checkpoint, applies a batch and the new
/// checkpoint in one transaction, repeats. A crash between batches loses nothing: the next
/// start resumes from the last committed checkpoint.
pub struct ProjectionRunner<P> {
    projection: P,
    feed: EventFeed,
    metrics: Metrics,
}

impl<P: Projection> ProjectionRunner<P> {
    pub fn new(projection: P, feed: EventFeed, metrics: Metrics) -> Self {
        Self {
            projection,
            feed,
            metrics,
        }
    }

    /// Applies one batch after the stored checkpoint. Returns how many events it applied.
    pub async fn step(&self) -> Result<usize, ProjectionError> {
        let name = self.projection.name();
        let pool = self.feed.pool();
        let after = checkpoint::load(pool, name).await?;
        let batch = self.feed.read_after(after, BATCH_SIZE).await?;
        let Some(last) = batch.last().map(|e| e.feed_position) else {
            return Ok(0);
        };
        let mut tx = pool.begin().await?;
        // Guard against a second runner of the same projection: the row lock serializes them,
        // and the re-read checkpoint tells the loser its batch is stale.
        let current = lock_checkpoint(&mut tx, name).await?;
        if current != after {
            return Ok(0);
        }
        for event in &batch {
            self.projection.apply(&mut tx, event, &self.feed).await?;
        }
        checkpoint::store(&mut tx, name, last).await?;
        tx.commit().await?;
        self.metrics.record_applied(name, batch.len() as u64);
        Ok(batch.len())
    }

    /// Applies batches until the feed has nothing more to give.
    pub async fn catch_up(&self) -> Result<usize, ProjectionError> {
        let mut total = 0;
        loop {
            match self.step().await? {
                0 => return Ok(total),
                applied => total += applied,
            }
        }
    }

    /// Runs until `shutdown`, waking on new events, retrying failures with bounded backoff.
    pub async fn run(self, mut shutdown: Shutdown) {
        let name = self.projection.name();
        tracing::info!(projection = name, "projection started");
        let mut backoff = Duration::from_millis(100);
        let mut listener = None;
        while !shutdown.is_triggered() {
            if listener.is_none() {
                listener = self
                    .feed
                    .listen()
                    .await
                    .map_err(|e| tracing::warn!(projection = name, error = %e, "cannot listen for events; polling"))
                    .ok();
            }
            match self.catch_up().await {
                Ok(_) => {
                    backoff = Duration::from_millis(100);
                    self.update_lag().await;
                    let wait = async {
                        match listener.as_mut() {
                            Some(l) => {
                                if l.wait(IDLE_POLL).await.is_err() {
                                    listener = None;
                                }
                            }
                            None => tokio::time::sleep(IDLE_POLL).await,
                        }
                    };
                    tokio::select! {
                        _ = wait => {}
                        _ = shutdown.triggered() => {}
                    }
                }
                Err(error) => {
                    tracing::error!(projection = name, %error, retry_in = ?backoff, "projection failed; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = shutdown.triggered() => {}
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
        tracing::info!(projection = name, "projection stopped");
    }

    async fn update_lag(&self) {
        let name = self.projection.name();
        match measure_lag(&self.feed, name).await {
            Ok(lag) => self.metrics.set_projection_lag(name, lag.events, lag.seconds),
            Err(error) => tracing::warn!(projection = name, %error, "cannot measure projection lag"),
        }
    }
}

/// How far a projection is behind the event store.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProjectionLag {
    /// Events recorded but not yet applied.
    pub events: i64,
    /// Age of the oldest of them, in seconds (0 when caught up).
    pub seconds: f64,
}

pub async fn measure_lag(feed: &EventFeed, projection: &str) -> Result<ProjectionLag, ProjectionError> {
    let checkpoint = checkpoint::load(feed.pool(), projection).await?;
    let (events, oldest) = feed.lag_after(checkpoint).await?;
    let seconds = oldest.map_or(0.0, |at| (chrono::Utc::now() - at).as_seconds_f64().max(0.0));
    Ok(ProjectionLag { events, seconds })
}

/// Locks the projection's checkpoint row for this transaction and returns its position.
async fn lock_checkpoint(tx: &mut PgConnection, name: &str) -> Result<FeedPosition, sqlx::Error> {
    sqlx::query(
        "INSERT INTO projection_checkpoints (name, tx_id, position) VALUES ($1, 0, 0) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .execute(&mut *tx)
    .await?;
    let (tx_id, position): (i64, i64) =
        sqlx::query_as("SELECT tx_id, position FROM projection_checkpoints WHERE name = $1 FOR UPDATE")
            .bind(name)
            .fetch_one(&mut *tx)
            .await?;
    Ok(FeedPosition { tx_id, position })
}
