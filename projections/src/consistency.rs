//! Read-your-writes: a query that carries a mutation's consistency token waits until the
//! projection it reads has applied that write.

use crate::checkpoint;
use gomarket_infra::event_store::FeedPosition;
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

/// Waits until `projection` has applied everything up to `token`, for at most `timeout`.
pub async fn wait_for(
    pool: &PgPool,
    projection: &str,
    token: FeedPosition,
    timeout: Duration,
) -> Result<(), ConsistencyError> {
    let deadline = Instant::now() + timeout;
    loop {
        if checkpoint::load(pool, projection).await? >= token {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(ConsistencyError::Timeout(timeout));
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}
