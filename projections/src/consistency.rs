//! Read-your-writes: a query that carries a mutation's consistency token waits until the
//! projection it reads has applied that write.

use gomarket_infra::event_store::ConsistencyToken;
use sqlx::PgPool;
use std::time::{Duration, Instant};
use thiserror::Error;

/// How often the checkpoint is re-read while waiting. The checkpoint lives in the database so
/// the wait works whichever process runs the projector.
const POLL_INTERVAL: Duration = Duration::from_millis(15);

#[derive(Debug, Error)]
pub enum ConsistencyError {
    /// The projection did not reach the token in time (it is lagging or stopped).
    #[error("the read model has not caught up with this write within {0:?}; retry shortly")]
    Timeout(Duration),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Whether `projection` has applied the write behind `token`: its feed checkpoint is past the
/// token's position (fed in-process), or it applied the token's aggregate up to its sequence
/// (fed from Kafka).
pub async fn has_applied(pool: &PgPool, projection: &str, token: &ConsistencyToken) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM projection_checkpoints
                         WHERE name = $1 AND (tx_id, position) >= ($2, $3))
             OR EXISTS (SELECT 1 FROM projection_applied
                         WHERE projection = $1 AND aggregate_type = $4 AND aggregate_id = $5 AND sequence >= $6)",
    )
    .bind(projection)
    .bind(token.position.tx_id)
    .bind(token.position.position)
    .bind(&token.aggregate_type)
    .bind(&token.aggregate_id)
    .bind(token.sequence)
    .fetch_one(pool)
    .await
}

/// Waits until `projection` has applied the write behind `token`, for at most `timeout`.
pub async fn wait_for(
    pool: &PgPool,
    projection: &str,
    token: &ConsistencyToken,
    timeout: Duration,
) -> Result<(), ConsistencyError> {
    let deadline = Instant::now() + timeout;
    loop {
        if has_applied(pool, projection, token).await? {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(ConsistencyError::Timeout(timeout));
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}
