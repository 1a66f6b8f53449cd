//! Dead letters: events a projection could not apply after repeated attempts.

use chrono::{DateTime, Utc};
use gomarket_infra::event_store::StoredEvent;
use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgConnection, PgPool, Row};
use uuid::Uuid;

/// One event set aside by a projection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectionFailure {
    pub id: i64,
    pub projection: String,
    pub event_id: Uuid,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: i64,
    pub event_type: String,
    pub error: String,
    pub attempts: i32,
    pub failed_at: DateTime<Utc>,
}

impl<'r> FromRow<'r, PgRow> for ProjectionFailure {
    fn from_row(row: &'r PgRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: row.try_get("id")?,
            projection: row.try_get("projection")?,
            event_id: row.try_get("event_id")?,
            aggregate_type: row.try_get("aggregate_type")?,
            aggregate_id: row.try_get("aggregate_id")?,
            sequence: row.try_get("sequence")?,
            event_type: row.try_get("event_type")?,
            error: row.try_get("error")?,
            attempts: row.try_get("attempts")?,
            failed_at: row.try_get("failed_at")?,
        })
    }
}

/// Records that `projection` gave up on `event` (once per event; a repeat updates the error).
pub async fn record(
    tx: &mut PgConnection,
    projection: &str,
    event: &StoredEvent,
    error: &str,
    attempts: u32,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO projection_failures (projection, event_id, aggregate_type, aggregate_id, sequence, event_type, error, attempts)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (projection, event_id) DO UPDATE SET error = $7, attempts = projection_failures.attempts + $8, failed_at = now()",
    )
    .bind(projection)
    .bind(event.event_id)
    .bind(&event.aggregate_type)
    .bind(&event.aggregate_id)
    .bind(event.sequence)
    .bind(&event.event_type)
    .bind(error)
    .bind(attempts as i32)
    .execute(tx)
    .await?;
    Ok(())
}

/// Failures, newest first, optionally of one projection; `after` is the id of the last one seen.
pub async fn list(
    pool: &PgPool,
    projection: Option<&str>,
    first: i64,
    after: Option<i64>,
) -> Result<(Vec<ProjectionFailure>, i64), sqlx::Error> {
    let failures = sqlx::query_as(
        "SELECT id, projection, event_id, aggregate_type, aggregate_id, sequence, event_type, error, attempts, failed_at
           FROM projection_failures
          WHERE ($1::text IS NULL OR projection = $1) AND ($2::bigint IS NULL OR id < $2)
          ORDER BY id DESC LIMIT $3",
    )
    .bind(projection)
    .bind(after)
    .bind(first)
    .fetch_all(pool)
    .await?;
    let total: i64 =
        sqlx::query_scalar("SELECT count(*) FROM projection_failures WHERE $1::text IS NULL OR projection = $1")
            .bind(projection)
            .fetch_one(pool)
            .await?;
    Ok((failures, total))
}
