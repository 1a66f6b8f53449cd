//! Commands on many aggregates in one transaction, for bulk work (supplier imports): load the
//! states of a batch in one query, decide in memory, append all their events in one statement.
//!
//! Optimistic concurrency holds as for single commands: events are appended at the sequences
//! that follow what was loaded, and the events table's key (aggregate type, id, sequence)
//! turns a concurrent writer into [`BatchError::Conflict`]; the whole batch then rolls back and
//! is retried on fresh state. Payloads and metadata are stored exactly as postgres-es stores
//! them, so `CommandBus` and the feed read these events like any other.

use super::{EventMetadata, FeedPosition};
use cqrs_es::{Aggregate, DomainEvent};
use serde_json::Value;
use sqlx::PgConnection;
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// `CONFLICT`: another writer appended to one of the aggregates first. Retry the batch.
    #[error("an aggregate of the batch was changed concurrently")]
    Conflict,
    /// A stored payload does not decode as the aggregate's event.
    #[error("stored event of {aggregate_id} #{sequence} does not decode: {reason}")]
    Corrupt {
        aggregate_id: String,
        sequence: i64,
        reason: String,
    },
    #[error("event store failure: {0}")]
    Store(#[from] sqlx::Error),
}

/// An aggregate as loaded for a batch: its state and version (sequence of its last event).
#[derive(Debug, Clone, Default)]
pub struct Loaded<A> {
    pub aggregate: A,
    pub version: i64,
}

/// The events of the aggregates `$2` (ids) of type `$1`, each in sequence order. Public so a
/// test can check its plan on a store of realistic size (infra/tests/it/feed_plans.rs).
///
/// One probe of the key per id, whatever the statistics say. Asked as `aggregate_id =
/// ANY($2)`, a store whose statistics are missing or stale (a big import writes faster than
/// autovacuum analyzes) was read by `aggregate_type` alone and filtered: every batch of a cold
/// import read every product event stored before it (13 s a batch at 400 000 events). A
/// lateral subquery that is not flattened (`OFFSET 0`) can only be a lookup per id.
pub const LOAD_MANY: &str = "SELECT e.aggregate_id, e.sequence, e.payload
       FROM unnest($2::text[]) AS wanted(id)
       CROSS JOIN LATERAL (
             SELECT aggregate_id, sequence, payload FROM events
              WHERE aggregate_type = $1 AND aggregate_id = wanted.id
             OFFSET 0) AS e
      ORDER BY e.aggregate_id, e.sequence";

/// The current state of each of `ids` (default state and version 0 for unknown ones).
pub async fn load_many<A: Aggregate + Default>(
    conn: &mut PgConnection,
    ids: &[String],
) -> Result<HashMap<String, Loaded<A>>, BatchError> {
    let rows: Vec<(String, i64, Value)> = sqlx::query_as(LOAD_MANY)
        .bind(A::TYPE)
        .bind(ids)
        .fetch_all(&mut *conn)
        .await?;
    let mut loaded: HashMap<String, Loaded<A>> = ids.iter().map(|id| (id.clone(), Loaded::default())).collect();
    for (aggregate_id, sequence, payload) in rows {
        let event: A::Event = serde_json::from_value(payload).map_err(|e| BatchError::Corrupt {
            aggregate_id: aggregate_id.clone(),
            sequence,
            reason: e.to_string(),
        })?;
        let entry = loaded.entry(aggregate_id).or_default();
        entry.aggregate.apply(event);
        entry.version = sequence;
    }
    Ok(loaded)
}

/// The aggregates `ids`, in that order, loaded in one query (for listings).
pub async fn load_in_order<A: Aggregate + Default>(
    pool: &sqlx::PgPool,
    ids: Vec<String>,
) -> Result<Vec<(String, A)>, BatchError> {
    let mut conn = pool.acquire().await?;
    let mut loaded = load_many::<A>(&mut conn, &ids).await?;
    Ok(ids
        .into_iter()
        .filter_map(|id| loaded.remove(&id).map(|l| (id, l.aggregate)))
        .collect())
}

/// Every aggregate of type `A`, in the order they were created (for short lists: accounts,
/// suppliers, policies).
pub async fn load_all_in_creation_order<A: Aggregate + Default>(
    pool: &sqlx::PgPool,
) -> Result<Vec<(String, A)>, BatchError> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT aggregate_id FROM events WHERE aggregate_type = $1 AND sequence = 1 ORDER BY position",
    )
    .bind(A::TYPE)
    .fetch_all(pool)
    .await?;
    load_in_order(pool, ids).await
}

/// The aggregates `ids` (uuids), in that order; unknown ones are left out.
pub async fn load_in_order_by_uuid<A: Aggregate + Default>(
    pool: &sqlx::PgPool,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, A)>, BatchError> {
    let loaded = load_in_order::<A>(pool, ids.iter().map(Uuid::to_string).collect()).await?;
    Ok(loaded
        .into_iter()
        .filter_map(|(id, aggregate)| Some((Uuid::parse_str(&id).ok()?, aggregate)))
        .collect())
}

/// New events of one aggregate, to follow `after_version`.
#[derive(Debug)]
pub struct AggregateWrite<E> {
    pub aggregate_id: String,
    pub after_version: i64,
    pub events: Vec<E>,
}

/// From this many events on, a batch is appended with `COPY` (one more round trip than a
/// prepared `INSERT`, repaid many times over by a large batch).
const COPY_FROM: usize = 64;

/// Appends every write's events in one statement; returns how many events were stored.
pub async fn append_many<A: Aggregate>(
    tx: &mut PgConnection,
    writes: &[AggregateWrite<A::Event>],
    metadata: &EventMetadata,
) -> Result<usize, BatchError> {
    let events: usize = writes.iter().map(|w| w.events.len()).sum();
    if events >= COPY_FROM {
        return super::copy_append::append_by_copy::<A>(tx, writes, metadata).await;
    }
    Ok(append_returning::<A>(&mut *tx, writes, metadata).await?.len())
}

/// Appends every write's events in one statement (atomic on its own, or part of the
/// executor's transaction) and returns each stored event's place in the feed, in order.
pub async fn append_returning<'e, A: Aggregate>(
    executor: impl sqlx::PgExecutor<'e>,
    writes: &[AggregateWrite<A::Event>],
    metadata: &EventMetadata,
) -> Result<Vec<FeedPosition>, BatchError> {
    let metadata = serde_json::to_value(metadata.to_map()).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let (mut ids, mut sequences, mut types, mut versions, mut payloads) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for write in writes {
        for (offset, event) in write.events.iter().enumerate() {
            ids.push(write.aggregate_id.clone());
            sequences.push(write.after_version + 1 + offset as i64);
            types.push(event.event_type());
            versions.push(event.event_version());
            payloads.push(serde_json::to_value(event).map_err(|e| sqlx::Error::Encode(Box::new(e)))?);
        }
    }
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let stored: Result<Vec<(i64, i64)>, sqlx::Error> = sqlx::query_as(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
         SELECT $1, id, sequence, event_type, event_version, payload, $7
           FROM UNNEST($2::text[], $3::bigint[], $4::text[], $5::text[], $6::jsonb[])
                AS batch(id, sequence, event_type, event_version, payload)
         RETURNING tx_id::text::bigint, position",
    )
    .bind(A::TYPE)
    .bind(&ids)
    .bind(&sequences)
    .bind(&types)
    .bind(&versions)
    .bind(&payloads)
    .bind(&metadata)
    .fetch_all(executor)
    .await;
    match stored {
        Ok(rows) => Ok(rows
            .into_iter()
            .map(|(tx_id, position)| FeedPosition { tx_id, position })
            .collect()),
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("23505") => Err(BatchError::Conflict),
        Err(e) => Err(e.into()),
    }
}
