use super::FeedPosition;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::postgres::PgListener;
use sqlx::postgres::PgRow;
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
        let sql = format!(
            "SELECT {COLUMNS} FROM events
              WHERE (tx_id, position) > ($1::bigint::text::xid8, $2)
                AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
              ORDER BY tx_id, position
              LIMIT $3"
        );
        Ok(sqlx::query_as(&sql)
            .bind(after.tx_id)
            .bind(after.position)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
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

    /// How many events lie after `checkpoint` (readable or not yet), and when the oldest of
    /// them was recorded: the lag of whoever holds that checkpoint.
    pub async fn lag_after(&self, checkpoint: FeedPosition) -> Result<(i64, Option<DateTime<Utc>>), FeedError> {
        Ok(sqlx::query_as(
            "SELECT count(*), min(recorded_at) FROM events
              WHERE (tx_id, position) > ($1::bigint::text::xid8, $2)",
        )
        .bind(checkpoint.tx_id)
        .bind(checkpoint.position)
        .fetch_one(&self.pool)
        .await?)
    }

    /// A listener woken whenever a transaction that wrote events commits.
    pub async fn listen(&self) -> Result<FeedListener, FeedError> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
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
