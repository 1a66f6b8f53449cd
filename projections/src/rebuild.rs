//! Rebuilding a projection from the event store with zero downtime: replay every event into
//! shadow tables while the live tables keep serving (and the live projector keeps applying),
//! then, in one transaction that pauses the live projector, apply the last few events to the
//! shadow tables and swap them in.

use crate::projection::BATCH_SIZE;
use crate::{Projection, ProjectionError, ProjectionRunner, checkpoint};
use gomarket_infra::event_store::{EventFeed, FeedPosition};
use gomarket_infra::telemetry::Metrics;

/// Progress of a rebuild, reported after every batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildProgress {
    /// Events replayed into the shadow tables so far.
    pub applied: u64,
    /// Events in the store when the rebuild started (more may arrive meanwhile).
    pub total_at_start: u64,
}

/// What a finished rebuild did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildReport {
    /// Events replayed, including those that arrived during the rebuild.
    pub applied: u64,
    /// Where the new live tables stand in the feed.
    pub checkpoint: FeedPosition,
}

/// Rebuilds `live` from the start of the feed and swaps the result in.
pub async fn rebuild<P: Projection + Clone>(
    live: &P,
    feed: &EventFeed,
    metrics: &Metrics,
    mut on_progress: impl FnMut(RebuildProgress),
) -> Result<RebuildReport, ProjectionError> {
    let shadow = live.shadow();
    let pool = feed.pool();
    let mut tx = gomarket_infra::database::begin(pool).await?;
    shadow.create_shadow(&mut tx).await?;
    checkpoint::store(&mut tx, shadow.name(), FeedPosition::START).await?;
    tx.commit().await?;

    let total_at_start = feed.lag_after(FeedPosition::START).await?.events as u64;
    let runner = ProjectionRunner::new(shadow.clone(), feed.clone(), metrics.clone());
    let mut applied = 0u64;
    runner
        .catch_up_while(
            || true,
            |n| {
                applied += n as u64;
                on_progress(RebuildProgress {
                    applied,
                    total_at_start,
                });
            },
        )
        .await?;

    // The swap: holding the live checkpoint's row lock pauses the live projector; what arrived
    // since the catch-up is applied to the shadow tables inside the same transaction.
    let mut tx = gomarket_infra::database::begin(pool).await?;
    checkpoint::lock(&mut tx, live.name()).await?;
    let mut position = checkpoint::lock(&mut tx, shadow.name()).await?;
    loop {
        let batch = feed.read_batch(position, BATCH_SIZE, shadow.aggregate_types()).await?;
        let Some(end) = batch.end else {
            break;
        };
        for event in &batch.events {
            shadow.apply(&mut tx, event, feed).await?;
        }
        applied += batch.read as u64;
        position = end;
    }
    live.swap_shadow(&mut tx).await?;
    checkpoint::store(&mut tx, live.name(), position).await?;
    checkpoint::delete(&mut tx, shadow.name()).await?;
    tx.commit().await?;
    on_progress(RebuildProgress {
        applied,
        total_at_start,
    });
    Ok(RebuildReport {
        applied,
        checkpoint: position,
    })
}

/// Drops and recreates `shadow` empty, shaped like `live` (columns, indexes, defaults); for
/// [`Projection::create_shadow`].
pub(crate) async fn create_table_like(
    tx: &mut sqlx::PgConnection,
    live: &str,
    shadow: &str,
) -> Result<(), sqlx::Error> {
    for statement in [
        format!("DROP TABLE IF EXISTS {shadow}"),
        format!("CREATE TABLE {shadow} (LIKE {live} INCLUDING ALL)"),
    ] {
        sqlx::query(&statement).execute(&mut *tx).await?;
    }
    Ok(())
}

/// Puts `shadow` in the place of `live` and drops the old table; for
/// [`Projection::swap_shadow`].
pub(crate) async fn swap_tables(tx: &mut sqlx::PgConnection, live: &str, shadow: &str) -> Result<(), sqlx::Error> {
    for statement in [
        // A table built in one go has no planner statistics until autovacuum gets to it (or
        // never, where it is off); without them a search over it is planned blind.
        format!("ANALYZE {shadow}"),
        format!("ALTER TABLE {live} RENAME TO {live}_replaced"),
        format!("ALTER TABLE {shadow} RENAME TO {live}"),
        format!("DROP TABLE {live}_replaced"),
    ] {
        sqlx::query(&statement).execute(&mut *tx).await?;
    }
    Ok(())
}
