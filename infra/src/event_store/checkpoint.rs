//! Feed checkpoints: how far a reader of the feed (a projection, the Kafka relay) has got.
//! Stored in `projection_checkpoints`, keyed by the reader's name.

use super::FeedPosition;
use sqlx::{PgConnection, PgExecutor};

/// The checkpoint of reader `projection`, or the feed's start if it never ran.
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

/// Stores the checkpoint; a projection calls it inside the transaction that applied the events.
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

/// Moves the reader's checkpoint from `from` to `to` in one statement, if it is still at
/// `from`; `false` when another runner moved it (or it was never stored). For a batch that
/// held nothing of the reader's: no transaction, no lock, one round trip.
pub async fn advance<'e>(
    executor: impl PgExecutor<'e>,
    name: &str,
    from: FeedPosition,
    to: FeedPosition,
) -> Result<bool, sqlx::Error> {
    let moved = sqlx::query(
        "UPDATE projection_checkpoints SET tx_id = $4, position = $5, updated_at = now()
          WHERE name = $1 AND tx_id = $2 AND position = $3",
    )
    .bind(name)
    .bind(from.tx_id)
    .bind(from.position)
    .bind(to.tx_id)
    .bind(to.position)
    .execute(executor)
    .await?;
    Ok(moved.rows_affected() == 1)
}

/// Locks the reader's checkpoint row for this transaction (creating it at the start if
/// missing) and returns its position. Serializes competing writers of one checkpoint.
pub async fn lock(tx: &mut PgConnection, name: &str) -> Result<FeedPosition, sqlx::Error> {
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

/// Forgets a reader's checkpoint.
pub async fn delete(tx: &mut PgConnection, name: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM projection_checkpoints WHERE name = $1")
        .bind(name)
        .execute(tx)
        .await?;
    Ok(())
}
