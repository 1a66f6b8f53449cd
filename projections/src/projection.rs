//! Feeding a projection from the event feed.

use crate::{ProjectionError, checkpoint, failures};
use gomarket_infra::error_chain::Chain;
use gomarket_infra::event_store::{EventFeed, FeedBatch, FeedPosition, StoredEvent};
use gomarket_infra::shared_state::read_cache::ProgressPublisher;
use gomarket_infra::shutdown::Shutdown;
use gomarket_infra::telemetry::Metrics;
use sqlx::PgConnection;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Something fed from the event feed in order, inside the transaction that also advances its
/// checkpoint: a read model ([`Projection`]) or a process manager (the `processes` crate).
///
/// `apply` must be idempotent per aggregate (skip events at or below what it has applied) and
/// heal a gap in an aggregate's sequence by reading the missing events from the store.
pub trait EventConsumer: Send + Sync + 'static {
    /// Stable name: the checkpoint's key and the metrics label.
    fn name(&self) -> &'static str;

    /// The aggregate types whose events this consumer reads (`None`: all). The runner skips
    /// the others without fetching their payloads: after a million-product import, a listings
    /// projection must not decode a million product events to learn they are not its own.
    fn aggregate_types(&self) -> Option<&'static [&'static str]> {
        None
    }

    fn apply(
        &self,
        tx: &mut PgConnection,
        event: &StoredEvent,
        feed: &EventFeed,
    ) -> impl Future<Output = Result<(), ProjectionError>> + Send;

    /// Applies a batch of events in feed order inside `tx`. The default applies them one by
    /// one; a consumer may do better (bulk inserts) as long as the effect is the same.
    fn apply_all(
        &self,
        tx: &mut PgConnection,
        events: &[StoredEvent],
        feed: &EventFeed,
    ) -> impl Future<Output = Result<(), ProjectionError>> + Send {
        async move {
            for event in events {
                self.apply(tx, event, feed).await?;
            }
            Ok(())
        }
    }
}

/// A read model built from events: a consumer that can also be rebuilt by replaying the whole
/// feed into shadow tables.
pub trait Projection: EventConsumer {
    /// The same projection writing into its shadow tables, for a rebuild (its `name` differs,
    /// so it has its own checkpoint).
    fn shadow(&self) -> Self
    where
        Self: Sized;

    /// (Re)creates the shadow tables, empty, shaped like the live ones.
    fn create_shadow(&self, tx: &mut PgConnection) -> impl Future<Output = Result<(), sqlx::Error>> + Send;

    /// Replaces the live tables with the shadow tables, inside the caller's transaction.
    fn swap_shadow(&self, tx: &mut PgConnection) -> impl Future<Output = Result<(), sqlx::Error>> + Send;
}

/// How many events one transaction applies.
pub(crate) const BATCH_SIZE: i64 = 1_000;
/// Longest idle wait between feed reads when no notification arrives.
const IDLE_POLL: Duration = Duration::from_secs(1);
/// Wait between feed reads while recorded events are not yet readable.
const BEHIND_POLL: Duration = Duration::from_millis(10);
/// Pause after a notification when the last catch-up applied something: under a thousand
/// writes a second each catch-up then takes ten of them, not one.
const GATHER: Duration = Duration::from_millis(10);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Runs one projection: reads the feed after its checkpoint, applies a batch and the new
/// checkpoint in one transaction, repeats. A crash between batches loses nothing: the next
/// start resumes from the last committed checkpoint.
pub struct ProjectionRunner<P> {
    projection: P,
    feed: EventFeed,
    metrics: Metrics,
    /// Told of every commit (the shared read cache's invalidation), when configured.
    progress: Option<Arc<ProgressPublisher>>,
}

impl<P: EventConsumer> ProjectionRunner<P> {
    pub fn new(projection: P, feed: EventFeed, metrics: Metrics) -> Self {
        Self {
            projection,
            feed,
            metrics,
            progress: None,
        }
    }

    /// Publishes the projection's progress after every commit.
    pub fn with_progress(mut self, progress: Arc<ProgressPublisher>) -> Self {
        self.progress = Some(progress);
        self
    }

    fn committed(&self, events: usize) {
        record_commit(&self.metrics, self.progress.as_deref(), self.projection.name(), events);
    }

    /// Applies one batch after the stored checkpoint. Returns how many events of the feed it
    /// consumed (applied, or skipped as not the projection's own).
    ///
    /// The batch is applied in one transaction; if that fails, its events are applied one by
    /// one, so a poisonous event is retried and then set aside (dead-lettered) while the
    /// others go through.
    pub async fn step(&self) -> Result<usize, ProjectionError> {
        let after = checkpoint::load(self.feed.pool(), self.projection.name()).await?;
        let batch = self.read(after).await?;
        Ok(if self.apply(&batch, after).await? {
            batch.read
        } else {
            0
        })
    }

    async fn read(&self, after: FeedPosition) -> Result<FeedBatch, ProjectionError> {
        Ok(self
            .feed
            .read_batch(after, BATCH_SIZE, self.projection.aggregate_types())
            .await?)
    }

    /// Applies a batch read after `after`; `false` when there was nothing to apply or another
    /// runner had already moved the checkpoint.
    async fn apply(&self, batch: &FeedBatch, after: FeedPosition) -> Result<bool, ProjectionError> {
        let Some(end) = batch.end else {
            return Ok(false);
        };
        let name = self.projection.name();
        if batch.events.is_empty() && after != FeedPosition::START {
            return Ok(checkpoint::advance(self.feed.pool(), name, after, end).await?);
        }
        match self.apply_batch(&batch.events, after, end).await {
            Ok(applied) => Ok(applied),
            Err(error) => {
                tracing::warn!(projection = name, error = %Chain(&error), "batch failed; applying its events one by one");
                let mut expected = after;
                for event in &batch.events {
                    let bookkeeping = Bookkeeping::Checkpoint { expected };
                    match apply_isolated(&self.projection, &self.feed, event, bookkeeping).await? {
                        Outcome::Superseded => return Ok(false),
                        Outcome::Applied | Outcome::DeadLettered => expected = event.feed_position,
                    }
                }
                if expected != end && !self.apply_batch(&[], expected, end).await? {
                    return Ok(false);
                }
                self.committed(batch.events.len());
                Ok(true)
            }
        }
    }

    /// Applies `batch` and moves the checkpoint from `after` to `end` in one transaction;
    /// `false` when another runner had already moved it.
    async fn apply_batch(
        &self,
        batch: &[StoredEvent],
        after: FeedPosition,
        end: FeedPosition,
    ) -> Result<bool, ProjectionError> {
        let name = self.projection.name();
        let mut tx = gomarket_infra::database::begin(self.feed.pool()).await?;
        // Guard against a second runner of the same projection: the row lock serializes them,
        // and the re-read checkpoint tells the loser its batch is stale.
        let current = checkpoint::lock(&mut tx, name).await?;
        if current != after {
            return Ok(false);
        }
        self.projection.apply_all(&mut tx, batch, &self.feed).await?;
        checkpoint::store(&mut tx, name, end).await?;
        tx.commit().await?;
        self.committed(batch.len());
        Ok(true)
    }

    /// Applies batches until the feed has nothing more to give.
    pub async fn catch_up(&self) -> Result<usize, ProjectionError> {
        self.catch_up_while(|| true, |_| {}).await
    }

    /// Applies batches until the feed has nothing more to give or `keep_going` says no (a
    /// projector far behind stops between two batches on shutdown, its checkpoint committed).
    ///
    /// The next batch is read while the current one is applied: reading and decoding events
    /// and writing the read model overlap, on the database's cores and on ours. (The read may
    /// return fewer events than it could, while the applying transaction holds the feed's
    /// horizon back; it never skips one.)
    /// `on_batch` hears how many events each batch consumed.
    pub async fn catch_up_while(
        &self,
        keep_going: impl Fn() -> bool,
        on_batch: impl FnMut(usize),
    ) -> Result<usize, ProjectionError> {
        let start = checkpoint::load(self.feed.pool(), self.projection.name()).await?;
        Ok(self.catch_up_from(start, keep_going, on_batch).await?.0)
    }

    /// [`Self::catch_up_while`] from a checkpoint the caller knows; returns the events
    /// consumed and the checkpoint reached.
    async fn catch_up_from(
        &self,
        start: FeedPosition,
        keep_going: impl Fn() -> bool,
        mut on_batch: impl FnMut(usize),
    ) -> Result<(usize, FeedPosition), ProjectionError> {
        let mut total = 0;
        let mut after = start;
        let mut batch = self.read(after).await?;
        while keep_going() {
            let Some(end) = batch.end else {
                break;
            };
            let (applied, next) = tokio::join!(self.apply(&batch, after), self.read(end));
            if applied? {
                total += batch.read;
                on_batch(batch.read);
                after = end;
                batch = next?;
            } else {
                // Another runner moved the checkpoint: continue from where it is.
                after = checkpoint::load(self.feed.pool(), self.projection.name()).await?;
                batch = self.read(after).await?;
            }
        }
        Ok((total, after))
    }

    /// Runs until `shutdown`, waking on new events, retrying failures with bounded backoff.
    pub async fn run(self, mut shutdown: Shutdown) {
        let name = self.projection.name();
        tracing::info!(projection = name, "projection started");
        let mut backoff = Duration::from_millis(100);
        let mut listener = None;
        // Where this runner has got, between wakes (read from the database after a failure).
        let mut position = None;
        while !shutdown.is_triggered() {
            if listener.is_none() {
                listener = self
                    .feed
                    .listen()
                    .await
                    .map_err(|e| tracing::warn!(projection = name, error = %e, "cannot listen for events; polling"))
                    .ok();
            }
            let caught_up = async {
                let start = match position {
                    Some(known) => known,
                    None => checkpoint::load(self.feed.pool(), name).await?,
                };
                self.catch_up_from(start, || !shutdown.is_triggered(), |_| {}).await
            };
            match caught_up.await {
                Ok((applied, reached)) => {
                    position = Some(reached);
                    backoff = Duration::from_millis(100);
                    // Events recorded but not yet readable (an older transaction is still
                    // open) send no further notification when they become readable: look
                    // again soon rather than at the next idle poll.
                    let behind = self.update_lag(reached).await > 0;
                    let wait_at_most = if behind { BEHIND_POLL } else { IDLE_POLL };
                    let wait = async {
                        match listener.as_mut() {
                            Some(l) => {
                                if l.wait(wait_at_most).await.is_err() {
                                    listener = None;
                                }
                            }
                            None => tokio::time::sleep(wait_at_most).await,
                        }
                    };
                    tokio::select! {
                        _ = wait => {}
                        _ = shutdown.triggered() => {}
                    }
                    if applied > 0 {
                        // Busy: let a few more commits arrive, so a thousand writes a second
                        // are not a thousand catch-ups a second.
                        tokio::time::sleep(GATHER).await;
                    }
                }
                Err(error) => {
                    position = None;
                    tracing::error!(projection = name, error = %Chain(&error), retry_in = ?backoff, "projection failed; retrying");
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

    /// Measures and exports the lag behind `position`; returns the events behind (0 when it
    /// cannot tell).
    async fn update_lag(&self, position: FeedPosition) -> i64 {
        let name = self.projection.name();
        match self.feed.lag_after(position).await {
            Ok(lag) => {
                let seconds = lag
                    .oldest
                    .map_or(0.0, |at| (chrono::Utc::now() - at).as_seconds_f64().max(0.0));
                self.metrics.set_projection_lag(name, lag.events, seconds);
                lag.events
            }
            Err(error) => {
                tracing::warn!(projection = name, %error, "cannot measure projection lag");
                0
            }
        }
    }
}

/// Attempts to apply one event before it is dead-lettered.
pub const MAX_ATTEMPTS: u32 = 3;

/// What commits together with one event's application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bookkeeping {
    /// The projection's feed checkpoint moves to the event; it must still be at `expected`
    /// (otherwise another runner got there first).
    Checkpoint { expected: FeedPosition },
    /// The aggregate's applied sequence is recorded (for consumers of partitioned feeds).
    AppliedSequence,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    /// Failed `MAX_ATTEMPTS` times; recorded in `projection_failures` and skipped.
    DeadLettered,
    /// Another runner already moved the checkpoint past `expected`; nothing done.
    Superseded,
}

/// Applies one event in its own transaction with its bookkeeping, retrying; after
/// [`MAX_ATTEMPTS`] failures it records a dead letter (with the same bookkeeping, so the
/// projection moves on). An error means not even that was possible (the database is down):
/// the caller backs off and tries again later.
pub async fn apply_isolated<P: EventConsumer>(
    projection: &P,
    feed: &EventFeed,
    event: &StoredEvent,
    bookkeeping: Bookkeeping,
) -> Result<Outcome, ProjectionError> {
    let name = projection.name();
    let mut last_error = None;
    for attempt in 1..=MAX_ATTEMPTS {
        let mut tx = gomarket_infra::database::begin(feed.pool()).await?;
        if !keep_books(&mut tx, name, event, bookkeeping).await? {
            return Ok(Outcome::Superseded);
        }
        match projection.apply(&mut tx, event, feed).await {
            Ok(()) => {
                tx.commit().await?;
                return Ok(Outcome::Applied);
            }
            Err(error) => {
                tracing::warn!(projection = name, aggregate_id = %event.aggregate_id, sequence = event.sequence, attempt, error = %Chain(&error), "cannot apply event");
                last_error = Some(error);
                drop(tx);
                if attempt < MAX_ATTEMPTS {
                    tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt))).await;
                }
            }
        }
    }
    // The whole chain: a process manager's error says what failed only in its causes.
    let error = last_error.map(|e| Chain(&e).to_string()).unwrap_or_default();
    let mut tx = gomarket_infra::database::begin(feed.pool()).await?;
    if !keep_books(&mut tx, name, event, bookkeeping).await? {
        return Ok(Outcome::Superseded);
    }
    failures::record(&mut tx, name, event, &error, MAX_ATTEMPTS).await?;
    tx.commit().await?;
    tracing::error!(projection = name, aggregate_id = %event.aggregate_id, sequence = event.sequence, %error, "event dead-lettered");
    Ok(Outcome::DeadLettered)
}

/// What every runner does after a commit: counts the events and, when the shared read cache
/// follows this process's projections, publishes the projection's progress.
pub(crate) fn record_commit(metrics: &Metrics, progress: Option<&ProgressPublisher>, projection: &str, events: usize) {
    metrics.record_applied(projection, events as u64);
    if let Some(progress) = progress {
        progress.advanced(projection);
    }
}

/// Applies `events` and records their applied sequences in one transaction (the fast path of
/// consumers of partitioned feeds). On error nothing is applied; callers then go event by
/// event with [`apply_isolated`].
pub async fn apply_together<P: EventConsumer>(
    projection: &P,
    feed: &EventFeed,
    events: &[StoredEvent],
) -> Result<(), ProjectionError> {
    let mut tx = gomarket_infra::database::begin(feed.pool()).await?;
    for event in events {
        keep_books(&mut tx, projection.name(), event, Bookkeeping::AppliedSequence).await?;
    }
    projection.apply_all(&mut tx, events, feed).await?;
    tx.commit().await?;
    Ok(())
}

/// Writes the bookkeeping of `event` in `tx`; `false` when the checkpoint moved elsewhere.
async fn keep_books(
    tx: &mut PgConnection,
    name: &str,
    event: &StoredEvent,
    bookkeeping: Bookkeeping,
) -> Result<bool, ProjectionError> {
    match bookkeeping {
        Bookkeeping::Checkpoint { expected } => {
            if checkpoint::lock(tx, name).await? != expected {
                return Ok(false);
            }
            checkpoint::store(tx, name, event.feed_position).await?;
        }
        Bookkeeping::AppliedSequence => {
            sqlx::query(
                "INSERT INTO projection_applied (projection, aggregate_type, aggregate_id, sequence) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (projection, aggregate_type, aggregate_id)
                 DO UPDATE SET sequence = GREATEST(projection_applied.sequence, EXCLUDED.sequence), applied_at = clock_timestamp()",
            )
            .bind(name)
            .bind(&event.aggregate_type)
            .bind(&event.aggregate_id)
            .bind(event.sequence)
            .execute(&mut *tx)
            .await?;
        }
    }
    Ok(true)
}

/// How far a projection is behind the event store.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProjectionLag {
    /// Events recorded but not yet applied (counted up to
    /// [`gomarket_infra::event_store::LAG_EXACT_UP_TO`], estimated beyond).
    pub events: i64,
    /// Age of the oldest of them, in seconds (0 when caught up).
    pub seconds: f64,
}

pub async fn measure_lag(feed: &EventFeed, projection: &str) -> Result<ProjectionLag, ProjectionError> {
    let checkpoint = checkpoint::load(feed.pool(), projection).await?;
    let lag = feed.lag_after(checkpoint).await?;
    let seconds = lag
        .oldest
        .map_or(0.0, |at| (chrono::Utc::now() - at).as_seconds_f64().max(0.0));
    Ok(ProjectionLag {
        events: lag.events,
        seconds,
    })
}
