//! Projection checkpoints: the feed position up to which a projection has applied events.

use gomarket_infra::event_store::FeedPosition;
use sqlx::{PgConnection, PgExecutor};

/// The checkpoint of `projection`, or the feed's start if it never ran.
pub async fn load<'e>(executor: impl PgExecutor<'e>, projection: &str) -> Result<FeedPosition, sqlx::Error> {
    let row: Option<(i64, i64)> = sqlx::query_as("SELECT tx_id, position FROM projection_checkpoints WHERE name = $1")
        .bind(projection)
        .fetch_optional(executor)
        .await?;
    Ok(row.map_or(FeedPosition::START, |(tx_id, position)| FeedPosition {
        tx_id,
        position,
    }))
}

/// Stores the checkpoint; call it inside the transaction that applied the events up to it.
pub async fn store(tx: &mut PgConnection, projection: &str, position: FeedPosition) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO projection_checkpoints (name, tx_id, position, updated_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (name) DO UPDATE SET tx_id = $2, position = $3, updated_at = now()",
    )
    .bind(projection)
    .bind(position.tx_id)
    .bind(position.position)
    .execute(tx)
    .await?;
    Ok(())
}
