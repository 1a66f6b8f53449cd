//! The feed's hot queries on a store of realistic size: each runs per batch, per catch-up or
//! per metrics scrape, so none may scan the events table or sort the backlog. A quarter of a
//! million events, written by many transactions, are enough for the planner to show it: a
//! sequential scan or a sort here costs the whole table, an index walk costs the rows asked for.

use gomarket_infra::event_store::batch::LOAD_MANY;
use gomarket_infra::event_store::{EventFeed, FeedPosition, LAG_EXACT_UP_TO, feed_queries};
use gomarket_infra::migrations::EVENT_STORE_MIGRATIONS;
use gomarket_testkit::TestDatabase;
use serde_json::Value;
use sqlx::{Executor, PgConnection, PgPool};

const EVENTS: i64 = 250_000;
const PER_TRANSACTION: i64 = 5_000;

/// Writes `EVENTS` events, one transaction per `PER_TRANSACTION`, nine in ten of them
/// products' and one in ten imports', then refreshes the planner's statistics.
async fn fill(pool: &PgPool) {
    fill_unanalyzed(pool).await;
    pool.execute("ANALYZE events").await.expect("analyze");
}

/// [`fill`] without refreshing the statistics: the store as a big import leaves it before
/// autovacuum has analyzed it.
async fn fill_unanalyzed(pool: &PgPool) {
    for first in (0..EVENTS).step_by(PER_TRANSACTION as usize) {
        sqlx::query(
            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
             SELECT CASE WHEN g % 10 = 0 THEN 'Import' ELSE 'Product' END, 'aggregate-' || g, 1,
                    'ProductImported', '1', jsonb_build_object('title', repeat('чайник ', 30), 'n', g),
                    '{\"actor\": \"test\"}'::jsonb
               FROM generate_series($1::bigint, $2::bigint) AS g",
        )
        .bind(first)
        .bind(first + PER_TRANSACTION - 1)
        .execute(pool)
        .await
        .expect("insert events");
    }
}

/// The feed position of the `n`-th event (0-based) in feed order.
async fn position_of(pool: &PgPool, n: i64) -> FeedPosition {
    let (tx_id, position): (i64, i64) = sqlx::query_as(
        "SELECT tx_id::text::bigint, position FROM events ORDER BY events.tx_id, events.position OFFSET $1 LIMIT 1",
    )
    .bind(n)
    .fetch_one(pool)
    .await
    .expect("position");
    FeedPosition { tx_id, position }
}

/// Every node of a JSON plan, depth first.
pub(crate) fn nodes(plan: &Value) -> Vec<&Value> {
    let mut out = vec![plan];
    if let Some(children) = plan["Plans"].as_array() {
        for child in children {
            out.extend(nodes(child));
        }
    }
    out
}

/// The plan of `sql` run with `params` (SQL literals), as a custom and as a generic plan
/// (a prepared statement's plan after its fifth run), and the buffers each touched.
pub(crate) async fn plans(connection: &mut PgConnection, sql: &str, params: &str) -> Vec<(String, Value, i64)> {
    let mut out = Vec::new();
    for mode in ["force_custom_plan", "force_generic_plan"] {
        connection
            .execute(format!("SET plan_cache_mode = {mode}").as_str())
            .await
            .unwrap();
        let name = format!("hot_{}", uuid::Uuid::new_v4().simple());
        connection
            .execute(format!("PREPARE {name} AS {sql}").as_str())
            .await
            .expect("prepare");
        let arguments = if params.is_empty() {
            String::new()
        } else {
            format!("({params})")
        };
        let explained: Value = sqlx::query_scalar(&format!(
            "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE {name}{arguments}"
        ))
        .fetch_one(&mut *connection)
        .await
        .expect("explain");
        let plan = explained[0]["Plan"].clone();
        let buffers =
            plan["Shared Hit Blocks"].as_i64().unwrap_or(0) + plan["Shared Read Blocks"].as_i64().unwrap_or(0);
        out.push((mode.to_owned(), plan, buffers));
    }
    out
}

/// Fails unless every plan walks the feed index and touches at most `max_buffers`.
fn assert_indexed(what: &str, plans: &[(String, Value, i64)], max_buffers: i64) {
    assert_uses(what, plans, "events_feed_idx", max_buffers);
}

/// Fails unless every plan uses `index`, without a sequential scan, a sort or a bitmap, and
/// touches at most `max_buffers`.
pub(crate) fn assert_uses(what: &str, plans: &[(String, Value, i64)], index: &str, max_buffers: i64) {
    for (mode, plan, buffers) in plans {
        for node in nodes(plan) {
            let kind = node["Node Type"].as_str().unwrap_or_default();
            assert!(
                !(kind == "Seq Scan" || kind == "Sort" || kind.starts_with("Bitmap")),
                "{what} ({mode}) has a {kind} node: {plan:#}"
            );
        }
        assert!(
            nodes(plan).iter().any(|n| n["Index Name"].as_str() == Some(index)),
            "{what} ({mode}) does not use {index}: {plan:#}"
        );
        assert!(
            *buffers <= max_buffers,
            "{what} ({mode}) touched {buffers} buffers (at most {max_buffers} expected): {plan:#}"
        );
    }
}

fn literals(position: FeedPosition) -> (String, String) {
    (position.tx_id.to_string(), position.position.to_string())
}

#[tokio::test]
async fn feed_and_lag_queries_walk_the_index_whatever_the_backlog() {
    let db = TestDatabase::new(&[EVENT_STORE_MIGRATIONS]).await;
    fill(&db.pool).await;
    let middle = position_of(&db.pool, EVENTS / 2).await;
    let last = position_of(&db.pool, EVENTS - 1).await;
    let mut connection = db.pool.acquire().await.unwrap().detach();

    for (label, at) in [("from the start", FeedPosition::START), ("from the middle", middle)] {
        let (tx, position) = literals(at);
        let read = plans(
            &mut connection,
            feed_queries::READ_BATCH,
            &format!("{tx}, {position}, 500, NULL"),
        )
        .await;
        assert_indexed(&format!("a batch of 500 {label}"), &read, 200);
        let filtered = plans(
            &mut connection,
            feed_queries::READ_BATCH,
            &format!("{tx}, {position}, 500, ARRAY['Import']"),
        )
        .await;
        assert_indexed(&format!("a filtered batch of 500 {label}"), &filtered, 200);
        let lag = plans(
            &mut connection,
            feed_queries::LAG_COUNT,
            &format!("{tx}, {position}, {LAG_EXACT_UP_TO}"),
        )
        .await;
        assert_indexed(&format!("the lag {label}"), &lag, 2_000);
    }
    let (tx, position) = literals(last);
    let idle = plans(
        &mut connection,
        feed_queries::LAG_COUNT,
        &format!("{tx}, {position}, {LAG_EXACT_UP_TO}"),
    )
    .await;
    assert_indexed("the lag of a reader caught up", &idle, 10);
    let newest = plans(&mut connection, feed_queries::NEWEST_POSITION, "").await;
    for (mode, plan, buffers) in &newest {
        assert!(
            nodes(plan).iter().all(|n| n["Node Type"] != "Seq Scan") && *buffers <= 10,
            "the newest position ({mode}) is not an index probe: {plan:#}"
        );
    }
}

#[tokio::test]
async fn lag_is_exact_when_small_and_estimated_when_large() {
    let db = TestDatabase::new(&[EVENT_STORE_MIGRATIONS]).await;
    fill(&db.pool).await;
    let feed = EventFeed::new(db.pool.clone());

    let caught_up = feed.lag_after(position_of(&db.pool, EVENTS - 1).await).await.unwrap();
    assert_eq!((caught_up.events, caught_up.exact, caught_up.oldest), (0, true, None));

    let near = feed
        .lag_after(position_of(&db.pool, EVENTS - 1_235).await)
        .await
        .unwrap();
    assert_eq!((near.events, near.exact), (1_234, true));
    assert!(near.oldest.is_some());

    let far = feed.lag_after(FeedPosition::START).await.unwrap();
    assert!(!far.exact);
    assert_eq!(
        far.events, EVENTS,
        "no insert was rolled back, so positions count exactly"
    );
}

#[tokio::test]
async fn a_filtered_batch_skips_other_aggregates_but_moves_past_them() {
    let db = TestDatabase::new(&[EVENT_STORE_MIGRATIONS]).await;
    fill(&db.pool).await;
    let feed = EventFeed::new(db.pool.clone());

    let batch = feed
        .read_batch(FeedPosition::START, 100, Some(&["Import"]))
        .await
        .unwrap();
    assert_eq!(batch.read, 100);
    assert_eq!(batch.events.len(), 10, "one event in ten is an import's");
    assert!(
        batch
            .events
            .iter()
            .all(|e| e.aggregate_type == "Import" && e.payload["n"].is_number())
    );
    assert_eq!(batch.end, Some(position_of(&db.pool, 99).await));

    let whole = feed.read_batch(FeedPosition::START, 100, None).await.unwrap();
    assert_eq!(whole.events.len(), 100);
    assert!(whole.events.iter().all(|e| e.payload["title"].is_string()));
}

#[tokio::test]
async fn loading_a_batch_of_aggregates_probes_the_key_per_id_with_or_without_statistics() {
    let db = TestDatabase::new(&[EVENT_STORE_MIGRATIONS]).await;
    fill_unanalyzed(&db.pool).await;
    let mut connection = db.pool.acquire().await.unwrap().detach();
    // A batch of an import: 500 products stored, 500 new ones.
    let ids: Vec<String> = (0..1_000)
        .map(|n| {
            if n % 2 == 0 {
                format!("aggregate-{}", n * 97 + 1)
            } else {
                format!("new-{n}")
            }
        })
        .collect();
    let params = format!("'Product', ARRAY['{}']", ids.join("','"));
    for statistics in ["without statistics", "analyzed"] {
        if statistics == "analyzed" {
            connection.execute("ANALYZE events").await.unwrap();
        }
        for (mode, plan, buffers) in plans(&mut connection, LOAD_MANY, &params).await {
            let probes = nodes(&plan)
                .iter()
                .filter(|n| {
                    n["Index Name"].as_str() == Some("events_pkey")
                        && n["Index Cond"].as_str().is_some_and(|c| c.contains("aggregate_id"))
                })
                .count();
            assert!(
                probes > 0 && nodes(&plan).iter().all(|n| n["Node Type"] != "Seq Scan"),
                "{statistics} ({mode}): not a key probe per id: {plan:#}"
            );
            // About four pages a probe; the whole table is ~15 000.
            assert!(
                buffers <= 6_000,
                "{statistics} ({mode}): touched {buffers} buffers: {plan:#}"
            );
            assert_eq!(plan["Actual Rows"], 500, "{statistics} ({mode}): the stored half");
        }
    }
}
