//! Rebuild: the replayed read model equals the live one row for row, queries keep working
//! during the rebuild, and writes made meanwhile are not lost.

use gomarket_domain::catalog::{Product, ProductId};
use gomarket_infra::event_store::{CommandBus, EventFeed};
use gomarket_infra::migrations::EVENT_STORE_MIGRATIONS;
use gomarket_infra::shutdown;
use gomarket_infra::telemetry::Metrics;
use gomarket_projections::catalog::{ProductFilter, ProductRecord, ProductSort, ProductsProjection, search_products};
use gomarket_projections::rebuild::rebuild;
use gomarket_projections::{ProjectionRunner, READ_MODEL_MIGRATIONS};
use gomarket_testkit::fixtures::{self, create_product, product_bus, test_metadata};
use gomarket_testkit::{TestDatabase, eventually};
use sqlx::PgPool;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

fn bus(pool: &PgPool) -> Arc<CommandBus<Product>> {
    Arc::new(product_bus(pool))
}

async fn create(bus: &CommandBus<Product>, sku: &str) -> ProductId {
    let (id, command) = create_product(sku);
    bus.execute(&id.to_string(), command, &test_metadata()).await.unwrap();
    id
}

async fn change_price(bus: &CommandBus<Product>, id: ProductId, kopecks: i64) {
    bus.execute(&id.to_string(), fixtures::change_price(kopecks), &test_metadata())
        .await
        .unwrap();
}

async fn rows(pool: &PgPool) -> Vec<ProductRecord> {
    let filter = ProductFilter {
        include_archived: true,
        ..Default::default()
    };
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = search_products(pool, &filter, ProductSort::SkuAsc, 100, after.as_deref())
            .await
            .unwrap();
        after = page.edges.last().map(|(cursor, _)| cursor.clone());
        all.extend(page.edges.into_iter().map(|(_, record)| record));
        if !page.has_next_page {
            return all;
        }
    }
}

/// Catches the live projection up until every product's row is at its aggregate's last event.
/// A catch-up stops at the feed's horizon, the oldest transaction still open on the server —
/// in any database, so another test's long transaction can hold one short; hence the wait.
async fn caught_up(pool: &PgPool) -> Vec<ProductRecord> {
    eventually(
        Duration::from_secs(30),
        "the live projection reaches every product's last event",
        || async {
            live_runner(pool).catch_up().await.unwrap();
            let rows = rows(pool).await;
            let versions: Vec<(String, i64)> = sqlx::query_as(
                "SELECT aggregate_id, max(sequence) FROM events WHERE aggregate_type = 'Product' GROUP BY aggregate_id",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            let behind: Vec<&String> = versions
                .iter()
                .filter(|(id, version)| !rows.iter().any(|r| r.id.to_string() == *id && r.version == *version))
                .map(|(id, _)| id)
                .collect();
            if behind.is_empty() && rows.len() == versions.len() {
                Ok(rows)
            } else {
                Err(format!(
                    "{} rows, {} products, behind: {behind:?}",
                    rows.len(),
                    versions.len()
                ))
            }
        },
    )
    .await
}

fn live_runner(pool: &PgPool) -> ProjectionRunner<ProductsProjection> {
    ProjectionRunner::new(
        ProductsProjection::default(),
        EventFeed::new(pool.clone()),
        Metrics::new(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rebuild_equals_live_and_loses_nothing_under_load() {
    let db = TestDatabase::new(&[EVENT_STORE_MIGRATIONS, READ_MODEL_MIGRATIONS]).await;
    let bus = bus(&db.pool);
    let mut ids = Vec::new();
    for n in 0..60 {
        let id = create(&bus, &format!("R-{n:03}")).await;
        change_price(&bus, id, 2_000 + n).await;
        ids.push(id);
    }
    let live = caught_up(&db.pool).await;
    assert_eq!(live.len(), 60);

    // A quiet rebuild equals the incrementally built read model, row for row.
    let feed = EventFeed::new(db.pool.clone());
    let mut reports = Vec::new();
    let report = rebuild(&ProductsProjection::default(), &feed, &Metrics::new(), |p| {
        reports.push(p)
    })
    .await
    .unwrap();
    // Replayed up to the feed's horizon (all 120 events unless another transaction on the
    // server holds it back); the live projector applies the rest.
    assert!(report.applied > 0 && report.applied <= 120, "{report:?}");
    assert_eq!(
        reports.last().unwrap().applied,
        report.applied,
        "progress reaches the end"
    );
    assert_eq!(caught_up(&db.pool).await, live);

    // Now rebuild while the live projector runs, writers write and readers read.
    let (trigger, stop) = shutdown::channel();
    let live_task = tokio::spawn(live_runner(&db.pool).run(stop.clone()));
    let writing = Arc::new(AtomicBool::new(true));
    let writer = {
        let (bus, ids, writing) = (bus.clone(), ids.clone(), writing.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while writing.load(Ordering::SeqCst) {
                change_price(&bus, ids[n % ids.len()], 5_000 + n as i64).await;
                if n % 10 == 0 {
                    create(&bus, &format!("NEW-{n:04}")).await;
                }
                n += 1;
            }
            n
        })
    };
    let query_errors = Arc::new(AtomicUsize::new(0));
    let queries = Arc::new(AtomicUsize::new(0));
    let reader = {
        let (pool, writing, errors, queries) =
            (db.pool.clone(), writing.clone(), query_errors.clone(), queries.clone());
        tokio::spawn(async move {
            while writing.load(Ordering::SeqCst) {
                let filter = ProductFilter {
                    search: Some("товар".into()),
                    ..Default::default()
                };
                if search_products(&pool, &filter, ProductSort::PriceAsc, 20, None)
                    .await
                    .is_err()
                {
                    errors.fetch_add(1, Ordering::SeqCst);
                }
                queries.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    // Fixed waits: the load runs for a while before and after the rebuild.
    tokio::time::sleep(Duration::from_millis(200)).await;
    rebuild(&ProductsProjection::default(), &feed, &Metrics::new(), |_| {})
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    writing.store(false, Ordering::SeqCst);
    let writes = writer.await.unwrap();
    reader.await.unwrap();
    assert!(writes > 0 && queries.load(Ordering::SeqCst) > 0);
    assert_eq!(
        query_errors.load(Ordering::SeqCst),
        0,
        "no query failed during the rebuild"
    );
    trigger.trigger();
    live_task.await.unwrap();

    // Nothing lost: every product's row is at its aggregate's last event.
    let after_load = caught_up(&db.pool).await;
    let versions: Vec<(String, i64)> = sqlx::query_as(
        "SELECT aggregate_id, max(sequence) FROM events WHERE aggregate_type = 'Product' GROUP BY aggregate_id",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(after_load.len(), versions.len());
    for (id, version) in versions {
        let row = after_load
            .iter()
            .find(|r| r.id.to_string() == id)
            .expect("every product has a row");
        assert_eq!(row.version, version, "product {id} is up to date");
    }
    // And a quiet rebuild reproduces it exactly.
    rebuild(&ProductsProjection::default(), &feed, &Metrics::new(), |_| {})
        .await
        .unwrap();
    assert_eq!(rows(&db.pool).await, after_load);
}
