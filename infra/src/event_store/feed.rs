use super::FeedPosition;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::postgres::PgRow;
use sqlx::postgres::{PgListener, PgPoolOptions};
use sqlx::{FromRow, PgPool, Row};
use std::time::Duration;
use thiserror::Error;
use uuid::Uuid;

/// The channel the events table notifies on each committed insert.
const NOTIFY_CHANNEL: &str = "gomarket_events";

/// One event as stored, with its place in the global feed.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub event_id: Uuid,
    pub feed_position: FeedPosition,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: i64,
    pub event_type: String,
    pub event_version: String,
    pub payload: Value,
    pub metadata: Value,
    pub recorded_at: DateTime<Utc>,
}

impl StoredEvent {
    /// A metadata entry (`correlation_id`, `actor`, `command`), if recorded.
    pub fn metadata_str(&self, key: &str) -> Option<&str> {
        self.metadata.get(key).and_then(Value::as_str)
    }
}

impl<'r> FromRow<'r, PgRow> for StoredEvent {
    fn from_row(row: &'r PgRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            event_id: row.try_get("event_id")?,
            feed_position: FeedPosition {
                tx_id: row.try_get("tx_id")?,
                position: row.try_get("position")?,
            },
            aggregate_type: row.try_get("aggregate_type")?,
            aggregate_id: row.try_get("aggregate_id")?,
            sequence: row.try_get("sequence")?,
            event_type: row.try_get("event_type")?,
            event_version: row.try_get("event_version")?,
            payload: row.try_get("payload")?,
            metadata: row.try_get("metadata")?,
            recorded_at: row.try_get("recorded_at")?,
        })
    }
}

/// The feed's hot statements, public so a test can check their plans on a store of
/// realistic size (infra/tests/it/feed_plans.rs): each runs per batch, catch-up or scrape, so
/// none may read more than the rows it returns.
pub mod queries {
    /// `$1, $2`: the position to read after; `$3`: how many events; `$4`: the aggregate
    /// types whose payloads are wanted (`NULL`: all).
    ///
    /// `ORDER BY events.tx_id`, not `tx_id`: the bare name would sort by the output column
    /// (the cast to bigint), which the index cannot supply, and every read would sort the
    /// whole backlog.
    pub const READ_BATCH: &str =
        "SELECT event_id, tx_id::text::bigint AS tx_id, position, aggregate_type, aggregate_id,
               sequence, event_type, event_version,
               CASE WHEN $4::text[] IS NULL OR aggregate_type = ANY($4) THEN payload ELSE 'null' END AS payload,
               CASE WHEN $4::text[] IS NULL OR aggregate_type = ANY($4) THEN metadata ELSE 'null' END AS metadata,
               recorded_at
          FROM events
         WHERE (events.tx_id, events.position) > ($1::bigint::text::xid8, $2)
           AND events.tx_id < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY events.tx_id, events.position
         LIMIT $3";

    /// `$1, $2`: a checkpoint; `$3`: how many events to count at most.
    pub const LAG_COUNT: &str = "SELECT count(*), min(recorded_at) FROM (
             SELECT recorded_at FROM events
              WHERE (events.tx_id, events.position) > ($1::bigint::text::xid8, $2)
              ORDER BY events.tx_id, events.position
              LIMIT $3) AS behind";

    pub const NEWEST_POSITION: &str = "SELECT max(position) FROM events";
}

/// Up to this many events behind, [`EventFeed::lag_after`] counts them; beyond, it estimates.
pub const LAG_EXACT_UP_TO: i64 = 10_000;

/// What one read of the feed returned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeedBatch {
    /// The events asked for, in feed order.
    pub events: Vec<StoredEvent>,
    /// The place of the last event read, asked for or not: the checkpoint to store once
    /// `events` are applied. `None` when nothing was readable after the start.
    pub end: Option<FeedPosition>,
    /// How many events were read, including those not asked for.
    pub read: usize,
}

/// How far a feed reader is behind the store.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeedLag {
    /// Events recorded after the reader's checkpoint.
    pub events: i64,
    /// Whether `events` was counted (up to [`LAG_EXACT_UP_TO`]) rather than estimated.
    pub exact: bool,
    /// When the oldest of them was recorded.
    pub oldest: Option<DateTime<Utc>>,
}

#[derive(Debug, Error)]
#[error("event feed: {0}")]
pub struct FeedError(#[from] pub sqlx::Error);

const COLUMNS: &str = "event_id, tx_id::text::bigint AS tx_id, position, aggregate_type, aggregate_id, \
                       sequence, event_type, event_version, payload, metadata, recorded_at";

/// Every event of every aggregate, in commit-safe global order.
///
/// Reading `WHERE position > last` is wrong: positions are taken at insert, so a transaction
/// holding position 10 can commit after one holding 11 has been read, and a reader past 11
/// never sees 10. Instead the feed orders by (writing transaction id, position) and only reads
/// rows of transactions older than the oldest transaction still running
/// (`pg_snapshot_xmin(pg_current_snapshot())`): those are all finished, and every transaction
/// that can still write has a larger id, so nothing can appear behind a checkpoint.
/// Per aggregate this is also sequence order: a command loads the aggregate before its
/// transaction writes (and so takes its id), so it takes a larger id than the one it read.
#[derive(Debug, Clone)]
pub struct EventFeed {
    pool: PgPool,
}

impl EventFeed {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Up to `limit` events after `after`, oldest first.
    pub async fn read_after(&self, after: FeedPosition, limit: i64) -> Result<Vec<StoredEvent>, FeedError> {
        Ok(self.read_batch(after, limit, None).await?.events)
    }

    /// The next `limit` events after `after`. With `only`, just the events of those aggregate
    /// types are returned: a consumer interested in a few types moves its checkpoint past the
    /// others (to [`FeedBatch::end`]) without fetching or decoding their payloads.
    pub async fn read_batch(
        &self,
        after: FeedPosition,
        limit: i64,
        only: Option<&[&str]>,
    ) -> Result<FeedBatch, FeedError> {
        let mut events: Vec<StoredEvent> = sqlx::query_as(queries::READ_BATCH)
            .bind(after.tx_id)
            .bind(after.position)
            .bind(limit)
            .bind(only)
            .fetch_all(&self.pool)
            .await?;
        let (read, end) = (events.len(), events.last().map(|e| e.feed_position));
        if let Some(wanted) = only {
            events.retain(|e| wanted.contains(&e.aggregate_type.as_str()));
        }
        Ok(FeedBatch { events, end, read })
    }

    /// One aggregate's events with `after < sequence < before`, in sequence order: used to heal
    /// a gap when a projection receives an aggregate's events out of order.
    pub async fn aggregate_events_between(
        &self,
        aggregate_type: &str,
        aggregate_id: &str,
        after: i64,
        before: i64,
    ) -> Result<Vec<StoredEvent>, FeedError> {
        self.aggregate_range(aggregate_type, aggregate_id, after, before, i64::MAX)
            .await
    }

    /// Up to `limit` events of one aggregate after sequence `after`, in sequence order: a page
    /// of its history.
    pub async fn aggregate_page(
        &self,
        aggregate_type: &str,
        aggregate_id: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, FeedError> {
        self.aggregate_range(aggregate_type, aggregate_id, after, i64::MAX, limit)
            .await
    }

    async fn aggregate_range(
        &self,
        aggregate_type: &str,
        aggregate_id: &str,
        after: i64,
        before: i64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, FeedError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM events
              WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence > $3 AND sequence < $4
              ORDER BY sequence LIMIT $5"
        );
        Ok(sqlx::query_as(&sql)
            .bind(aggregate_type)
            .bind(aggregate_id)
            .bind(after)
            .bind(before)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Number of events of one aggregate (its version).
    pub async fn aggregate_version(&self, aggregate_type: &str, aggregate_id: &str) -> Result<i64, FeedError> {
        Ok(sqlx::query_scalar(
            "SELECT coalesce(max(sequence), 0) FROM events WHERE aggregate_type = $1 AND aggregate_id = $2",
        )
        .bind(aggregate_type)
        .bind(aggregate_id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// All events of one aggregate, in sequence order.
    pub async fn aggregate_events(
        &self,
        aggregate_type: &str,
        aggregate_id: &str,
    ) -> Result<Vec<StoredEvent>, FeedError> {
        self.aggregate_events_between(aggregate_type, aggregate_id, 0, i64::MAX)
            .await
    }

    /// How far behind the store whoever holds `checkpoint` is: the events after it (readable
    /// or not yet) and when the oldest of them was recorded.
    ///
    /// Runs on every catch-up and metrics scrape, so its cost must not grow with the store or
    /// the backlog: it walks the feed index from the checkpoint for at most
    /// [`LAG_EXACT_UP_TO`] events (nothing at all when caught up), and past that estimates the
    /// count from insert positions (exact but for rolled-back inserts, whose positions are
    /// never used).
    pub async fn lag_after(&self, checkpoint: FeedPosition) -> Result<FeedLag, FeedError> {
        let (counted, oldest): (i64, Option<DateTime<Utc>>) = sqlx::query_as(queries::LAG_COUNT)
            .bind(checkpoint.tx_id)
            .bind(checkpoint.position)
            .bind(LAG_EXACT_UP_TO)
            .fetch_one(&self.pool)
            .await?;
        if counted < LAG_EXACT_UP_TO {
            return Ok(FeedLag {
                events: counted,
                exact: true,
                oldest,
            });
        }
        let newest: Option<i64> = sqlx::query_scalar(queries::NEWEST_POSITION)
            .fetch_one(&self.pool)
            .await?;
        Ok(FeedLag {
            events: newest.map_or(counted, |newest| (newest - checkpoint.position).max(counted)),
            exact: false,
            oldest,
        })
    }

    /// A listener woken whenever a transaction that wrote events commits.
    ///
    /// It listens on a connection of its own, outside the feed's pool: a listener holds its
    /// connection for good, and with one per consumer (projections, process managers, the
    /// analytics tail) they would take the pool's connections from queries and writes.
    pub async fn listen(&self) -> Result<FeedListener, FeedError> {
        let own = PgPoolOptions::new()
            .max_connections(1)
            .max_lifetime(None)
            .idle_timeout(None)
            .connect_with((*self.pool.connect_options()).clone())
            .await?;
        let mut listener = PgListener::connect_with(&own).await?;
        listener.listen(NOTIFY_CHANNEL).await?;
        Ok(FeedListener { listener })
    }
}

/// Wakes a feed reader when new events may be readable.
pub struct FeedListener {
    listener: PgListener,
}

impl std::fmt::Debug for FeedListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FeedListener")
    }
}

impl FeedListener {
    /// Returns after a notification or after `at_most`, whichever comes first. The timeout
    /// matters: rows become readable also when an unrelated older transaction ends, which
    /// sends no notification.
    pub async fn wait(&mut self, at_most: Duration) -> Result<(), FeedError> {
        match tokio::time::timeout(at_most, self.listener.try_recv()).await {
            Ok(Ok(_)) | Err(_) => Ok(()),
            Ok(Err(error)) => Err(error.into()),
        }
    }
}
