//! A projector far behind the store stops on shutdown between two batches, its checkpoint
//! committed, instead of catching up first (after a million-event import that would be the
//! whole drain time and more).

use gomarket_infra::event_store::{EventFeed, FeedPosition, StoredEvent};
use gomarket_infra::migrations::EVENT_STORE_MIGRATIONS;
use gomarket_infra::shutdown;
use gomarket_infra::telemetry::Metrics;
use gomarket_projections::{EventConsumer, ProjectionError, ProjectionRunner, checkpoint};
use gomarket_testkit::{TestDatabase, until};
use sqlx::PgConnection;
use std::time::{Duration, Instant};

/// A projection whose batches take a while: 10 ms each, so a backlog of 100 000 events
/// (200 batches) takes at least 2 s to drain.
#[derive(Clone)]
struct SlowProjection;

impl EventConsumer for SlowProjection {
    fn name(&self) -> &'static str {
        "slow"
    }

    async fn apply(
        &self,
        _tx: &mut PgConnection,
        _event: &StoredEvent,
        _feed: &EventFeed,
    ) -> Result<(), ProjectionError> {
        Ok(())
    }

    async fn apply_all(
        &self,
        _tx: &mut PgConnection,
        _events: &[StoredEvent],
        _feed: &EventFeed,
    ) -> Result<(), ProjectionError> {
        tokio::time::sleep(Duration::from_millis(10)).await;
        Ok(())
    }
}

#[tokio::test]
async fn a_catching_up_projector_stops_at_once_on_shutdown() {
    let db = TestDatabase::new(&[EVENT_STORE_MIGRATIONS]).await;
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
         SELECT 'Product', 'p-' || g, 1, 'ProductCreated', '1', '{}', '{}' FROM generate_series(1, 100000) AS g",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let feed = EventFeed::new(db.pool.clone());
    let (trigger, stop) = shutdown::channel();
    let runner = tokio::spawn(ProjectionRunner::new(SlowProjection, feed, Metrics::new()).run(stop));

    // Wait until it is under way, then stop it.
    until(Duration::from_secs(30), "the projector never started", || async {
        checkpoint::load(&db.pool, "slow").await.unwrap() != FeedPosition::START
    })
    .await;
    let stopped_at = Instant::now();
    trigger.trigger();
    tokio::time::timeout(Duration::from_secs(1), runner)
        .await
        .expect("the projector stops within a second, not after the backlog")
        .unwrap();
    let held = stopped_at.elapsed();

    let applied: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE (events.tx_id, events.position)
                                         <= ((SELECT tx_id FROM projection_checkpoints WHERE name = 'slow')::text::xid8,
                                             (SELECT position FROM projection_checkpoints WHERE name = 'slow'))",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(
        applied > 0 && applied < 100_000 && applied % 500 == 0,
        "the checkpoint is where a whole batch ended ({applied} events), short of the backlog"
    );
    assert!(held < Duration::from_secs(1), "stopped in {held:?}");
}
