//! The event feed under concurrent writers: 8 writers × 500 events through the real command
//! bus, with one transaction holding an early position open while the others commit. The feed
//! must yield every event exactly once and each aggregate's events in sequence order — and a
//! naive `position > last` reader must fail the same check (it skips the late committer).

use gomarket_domain::catalog::{Kopecks, Product, ProductCommand, ProductId, Sku};
use gomarket_infra::event_store::{CommandBus, EventFeed, EventMetadata, FeedPosition, StoredEvent};
use gomarket_infra::migrations::EVENT_STORE_MIGRATIONS;
use gomarket_testkit::TestDatabase;
use gomarket_testkit::fixtures::{create_product, product_bus};
use sqlx::{PgPool, Row};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use uuid::Uuid;

const WRITERS: usize = 8;
const EVENTS_PER_WRITER: usize = 500;
const AGGREGATES_PER_WRITER: usize = 5;

/// Reads a batch after a checkpoint and returns the events and the new checkpoint.
#[derive(Clone, Copy)]
enum Reader {
    CommitSafe,
    NaivePosition,
}

impl Reader {
    async fn read(self, feed: &EventFeed, after: FeedPosition) -> Vec<StoredEvent> {
        match self {
            Reader::CommitSafe => feed.read_after(after, 500).await.expect("read feed"),
            Reader::NaivePosition => {
                let rows = sqlx::query(
                    "SELECT aggregate_type, aggregate_id, sequence, position FROM events
                      WHERE position > $1 ORDER BY position LIMIT 500",
                )
                .bind(after.position)
                .fetch_all(feed.pool())
                .await
                .expect("naive read");
                rows.into_iter()
                    .map(|row| StoredEvent {
                        event_id: Uuid::nil(),
                        feed_position: FeedPosition {
                            tx_id: 0,
                            position: row.get("position"),
                        },
                        aggregate_type: row.get("aggregate_type"),
                        aggregate_id: row.get("aggregate_id"),
                        sequence: row.get("sequence"),
                        event_type: String::new(),
                        event_version: String::new(),
                        payload: serde_json::Value::Null,
                        metadata: serde_json::Value::Null,
                        recorded_at: chrono::Utc::now(),
                    })
                    .collect()
            }
        }
    }
}

async fn write_events(bus: Arc<CommandBus<Product>>, writer: usize) {
    let metadata = EventMetadata::new(Uuid::new_v4().to_string(), "system", "test");
    let ids: Vec<ProductId> = (0..AGGREGATES_PER_WRITER)
        .map(|n| ProductId::for_own_sku(&Sku::parse(&format!("W{writer}-{n}")).unwrap()))
        .collect();
    for (n, id) in ids.iter().enumerate() {
        bus.execute(&id.to_string(), create_product(&format!("W{writer}-{n}")).1, &metadata)
            .await
            .expect("create");
    }
    for i in 0..EVENTS_PER_WRITER - AGGREGATES_PER_WRITER {
        let id = ids[i % AGGREGATES_PER_WRITER];
        // Alternate prices so every command records exactly one event.
        let price = Kopecks::new(200 + (i / AGGREGATES_PER_WRITER) as i64).unwrap();
        let executed = bus
            .execute(
                &id.to_string(),
                ProductCommand::ChangePrice {
                    price,
                    expected_version: None,
                },
                &metadata,
            )
            .await
            .expect("change price");
        assert_eq!(executed.recorded, 1);
    }
}

/// Runs the scenario and returns what `reader` collected, in the order it yielded.
async fn run_scenario(pool: PgPool, reader: Reader) -> Vec<StoredEvent> {
    let feed = EventFeed::new(pool.clone());
    let bus = Arc::new(product_bus(&pool));

    // A transaction that takes an early position and commits last.
    let mut held = gomarket_infra::database::begin(&pool).await.unwrap();
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
         VALUES ('Probe', 'held-open', 1, 'Held', '1', '{}', '{}')",
    )
    .execute(&mut *held)
    .await
    .unwrap();

    let writers_done = Arc::new(AtomicBool::new(false));
    let collector = {
        let feed = feed.clone();
        let writers_done = writers_done.clone();
        tokio::spawn(async move {
            let mut collected = Vec::new();
            let mut after = FeedPosition::START;
            let mut idle_since = None::<Instant>;
            loop {
                let batch = reader.read(&feed, after).await;
                if let Some(last) = batch.last() {
                    after = last.feed_position;
                    collected.extend(batch);
                    idle_since = None;
                    continue;
                }
                if writers_done.load(Ordering::SeqCst) {
                    // The naive reader has skipped what it will skip: a quiet moment says it is
                    // done. The commit-safe one may be held back by a transaction open anywhere
                    // on the server (another test's), so it gets until it has every event, or
                    // far longer to show it never will.
                    let done = match reader {
                        Reader::NaivePosition => Duration::from_millis(1500),
                        Reader::CommitSafe if collected.len() >= TOTAL => Duration::ZERO,
                        Reader::CommitSafe => Duration::from_secs(60),
                    };
                    let since = *idle_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= done {
                        return collected;
                    }
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };

    let writers: Vec<_> = (0..WRITERS)
        .map(|w| tokio::spawn(write_events(bus.clone(), w)))
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    // Let the reader go as far as it can while the early transaction is still open (a fixed
    // wait: how far it can go depends on the reader, so there is no condition to wait for).
    tokio::time::sleep(Duration::from_millis(300)).await;
    held.commit().await.unwrap();
    writers_done.store(true, Ordering::SeqCst);
    collector.await.unwrap()
}

/// Every event exactly once, and each aggregate's events in sequence order 1, 2, 3, ...
fn check(collected: &[StoredEvent], expected_total: usize) -> Result<(), String> {
    let mut seen = HashSet::new();
    let mut next_sequence: HashMap<(String, String), i64> = HashMap::new();
    for event in collected {
        let key = (event.aggregate_type.clone(), event.aggregate_id.clone());
        if !seen.insert((key.clone(), event.sequence)) {
            return Err(format!("duplicate {key:?} #{}", event.sequence));
        }
        let expected = next_sequence.entry(key.clone()).or_insert(1);
        if event.sequence != *expected {
            return Err(format!("{key:?}: got #{} while expecting #{expected}", event.sequence));
        }
        *expected += 1;
    }
    if seen.len() != expected_total {
        return Err(format!(
            "yielded {} distinct events, expected {expected_total}",
            seen.len()
        ));
    }
    Ok(())
}

const TOTAL: usize = WRITERS * EVENTS_PER_WRITER + 1;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn commit_safe_feed_yields_every_event_once_in_aggregate_order() {
    let db = TestDatabase::new(&[EVENT_STORE_MIGRATIONS]).await;
    let collected = run_scenario(db.pool.clone(), Reader::CommitSafe).await;
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(stored as usize, TOTAL);
    check(&collected, TOTAL).unwrap();
    // The held event was written first but committed last: the feed yields it before every
    // event of a later transaction only if it waited for it, which is the point.
    assert_eq!(collected[0].aggregate_id, "held-open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn naive_position_reader_fails_the_same_check() {
    let db = TestDatabase::new(&[EVENT_STORE_MIGRATIONS]).await;
    let collected = run_scenario(db.pool.clone(), Reader::NaivePosition).await;
    let verdict = check(&collected, TOTAL);
    assert!(verdict.is_err(), "a naive reader should skip the late committer");
    assert!(
        !collected.iter().any(|e| e.aggregate_id == "held-open"),
        "the held event is skipped"
    );
}
