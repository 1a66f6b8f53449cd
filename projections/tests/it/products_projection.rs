//! The products projection against a real database: crash safety, idempotent replay, gap
//! healing, search.

use gomarket_domain::catalog::{
    Barcode, Brand, CategoryPath, Kopecks, NewProduct, Product, ProductCommand, ProductDetails, ProductId,
    ProductServices, ProductStatus, Quantity, Sku, Title,
};
use gomarket_domain::clock::SystemClock;
use gomarket_infra::event_store::{CommandBus, EventFeed, EventMetadata, FeedPosition};
use gomarket_infra::migrations::EVENT_STORE_MIGRATIONS;
use gomarket_infra::telemetry::Metrics;
use gomarket_projections::catalog::{
    ProductFilter, ProductRecord, ProductSort, ProductsProjection, get_product, search_products,
};
use gomarket_projections::{EventConsumer, ProjectionRunner, READ_MODEL_MIGRATIONS, checkpoint};
use gomarket_testkit::{TestDatabase, eventually};
use sqlx::PgPool;
use std::sync::Arc;
use uuid::Uuid;

async fn database() -> TestDatabase {
    TestDatabase::new(&[EVENT_STORE_MIGRATIONS, READ_MODEL_MIGRATIONS]).await
}

fn bus(pool: &PgPool) -> CommandBus<Product> {
    CommandBus::new(
        pool.clone(),
        ProductServices {
            clock: Arc::new(SystemClock),
        },
        Metrics::new(),
    )
}

fn runner(pool: &PgPool) -> ProjectionRunner<ProductsProjection> {
    ProjectionRunner::new(
        ProductsProjection::default(),
        EventFeed::new(pool.clone()),
        Metrics::new(),
    )
}

fn meta() -> EventMetadata {
    EventMetadata::new(Uuid::new_v4().to_string(), "system", "test")
}

fn kettle(sku: &str, barcode: Option<&str>) -> ProductCommand {
    ProductCommand::Create(NewProduct {
        sku: Sku::parse(sku).unwrap(),
        details: ProductDetails {
            title: Title::parse("Чайник электрический стеклянный").unwrap(),
            brand: Some(Brand::parse("Vitek").unwrap()),
            description: None,
            category: Some(CategoryPath::parse("Бытовая техника/Чайники").unwrap()),
            barcodes: barcode.map(|b| Barcode::parse(b).unwrap()).into_iter().collect(),
        },
        price: Kopecks::new(249_900).unwrap(),
        stock: Quantity::new(3).unwrap(),
    })
}

async fn create(bus: &CommandBus<Product>, sku: &str, barcode: Option<&str>) -> ProductId {
    let id = ProductId::for_own_sku(&Sku::parse(sku).unwrap());
    bus.execute(&id.to_string(), kettle(sku, barcode), &meta())
        .await
        .unwrap();
    id
}

/// Changes the price of a product that has had no change since its creation.
async fn reprice_once(bus: &CommandBus<Product>, id: ProductId, kopecks: i64) {
    bus.execute(
        &id.to_string(),
        ProductCommand::ChangePrice {
            price: Kopecks::new(kopecks).unwrap(),
            expected_version: Some(1),
        },
        &meta(),
    )
    .await
    .unwrap();
}

/// Moves the projection's checkpoint back to the start of the feed, for a replay.
async fn rewind(pool: &PgPool) {
    let mut tx = gomarket_infra::database::begin(pool).await.unwrap();
    checkpoint::store(&mut tx, "products", FeedPosition::START)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn all_rows(pool: &PgPool) -> Vec<ProductRecord> {
    search_products(
        pool,
        &ProductFilter {
            include_archived: true,
            ..Default::default()
        },
        ProductSort::SkuAsc,
        100,
        None,
    )
    .await
    .unwrap()
    .edges
    .into_iter()
    .map(|(_, record)| record)
    .collect()
}

#[tokio::test]
async fn events_written_while_stopped_appear_after_restart_and_replay_changes_nothing() {
    let db = database().await;
    let bus = bus(&db.pool);
    // The projection is not running while these commands commit.
    let a = create(&bus, "KT-1", Some("4006381333931")).await;
    let b = create(&bus, "KT-2", None).await;
    reprice_once(&bus, a, 1990).await;
    bus.execute(
        &b.to_string(),
        ProductCommand::Archive { expected_version: None },
        &meta(),
    )
    .await
    .unwrap();
    assert!(get_product(&db.pool, a.as_uuid()).await.unwrap().is_none());

    // "Restart": a new runner resumes from the stored checkpoint.
    assert_eq!(catch_up_all(&db.pool, 4).await, 4);
    let row_a = get_product(&db.pool, a.as_uuid()).await.unwrap().expect("projected");
    assert_eq!((row_a.price_kopecks, row_a.version), (1990, 2));
    let row_b = get_product(&db.pool, b.as_uuid()).await.unwrap().expect("projected");
    assert_eq!(row_b.status, ProductStatus::Archived);
    let before = all_rows(&db.pool).await;

    // Replay everything again from the start: rows are unchanged.
    rewind(&db.pool).await;
    assert_eq!(catch_up_all(&db.pool, 4).await, 4);
    assert_eq!(all_rows(&db.pool).await, before);
    // And nothing is left to apply.
    assert_eq!(runner(&db.pool).catch_up().await.unwrap(), 0);
}

/// A batch of many creations is inserted by two connections (the second half commits on its
/// own); the updates in the same batch, of products from either half, still apply, and the
/// batch applied again changes nothing.
#[tokio::test]
async fn a_large_batch_of_creations_split_in_two_keeps_every_row_and_update() {
    let db = database().await;
    let bus = bus(&db.pool);
    let mut ids = Vec::new();
    for n in 0..300 {
        ids.push(create(&bus, &format!("BULK-{n:03}"), None).await);
    }
    // The first and the last products: inserted by different connections.
    let repriced = [ids[0], ids[299]];
    for id in repriced {
        reprice_once(&bus, id, 1990).await;
    }
    assert_eq!(catch_up_all(&db.pool, 302).await, 302);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM products")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(count, 300);
    for id in repriced {
        let row = get_product(&db.pool, id.as_uuid()).await.unwrap().expect("projected");
        assert_eq!((row.price_kopecks, row.version), (1990, 2), "{id}");
    }
    // Two transactions inserted them (a catch-up pass cut short by another test's open
    // transaction could make it two batches as well).
    let inserted_by = |id: ProductId| {
        sqlx::query_scalar::<_, String>("SELECT xmin::text FROM products WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_one(&db.pool)
    };
    assert_ne!(inserted_by(ids[1]).await.unwrap(), inserted_by(ids[298]).await.unwrap());
    let untouched = get_product(&db.pool, ids[150].as_uuid())
        .await
        .unwrap()
        .expect("projected");
    assert_eq!((untouched.price_kopecks, untouched.version), (249_900, 1));

    let snapshot = || async {
        sqlx::query_as::<_, (Uuid, i64, i64, String)>(
            "SELECT id, price_kopecks, version, search::text FROM products ORDER BY id",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap()
    };
    let before = snapshot().await;
    rewind(&db.pool).await;
    assert_eq!(catch_up_all(&db.pool, 302).await, 302);
    assert_eq!(snapshot().await, before);
}

#[tokio::test]
async fn a_gap_in_an_aggregate_is_healed_from_the_store() {
    let db = database().await;
    let bus = bus(&db.pool);
    let id = create(&bus, "KT-9", None).await;
    for units in [5, 6, 7] {
        bus.execute(
            &id.to_string(),
            ProductCommand::ChangeStock {
                stock: Quantity::new(units).unwrap(),
                expected_version: None,
            },
            &meta(),
        )
        .await
        .unwrap();
    }
    let feed = EventFeed::new(db.pool.clone());
    let events = feed.aggregate_events("Product", &id.to_string()).await.unwrap();
    assert_eq!(events.len(), 4);
    // Deliver only the last event, as a transport that lost the first three would.
    let mut tx = gomarket_infra::database::begin(&db.pool).await.unwrap();
    ProductsProjection::default()
        .apply(&mut tx, &events[3], &feed)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let row = get_product(&db.pool, id.as_uuid()).await.unwrap().expect("healed");
    assert_eq!((row.stock, row.version), (7, 4));
}

#[tokio::test]
async fn search_finds_cyrillic_words_brands_and_barcodes() {
    let db = database().await;
    let bus = bus(&db.pool);
    let id = create(&bus, "KT-77", Some("4006381333931")).await;
    create(&bus, "OTHER-1", None).await;
    assert_eq!(catch_up_all(&db.pool, 2).await, 2);

    let find = |search: &str| {
        let pool = db.pool.clone();
        let filter = ProductFilter {
            search: Some(search.to_owned()),
            ..Default::default()
        };
        async move {
            search_products(&pool, &filter, ProductSort::default(), 10, None)
                .await
                .unwrap()
                .edges
                .into_iter()
                .map(|(_, r)| r.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(find("чайники").await.len(), 2, "stemmed Russian plural");
    assert_eq!(find("стеклян").await.len(), 2, "prefix");
    assert_eq!(find("vitek").await.len(), 2, "Latin brand");
    assert_eq!(find("4006381333931").await, vec![id.as_uuid()], "barcode");
    assert_eq!(find("kt-77").await, vec![id.as_uuid()], "SKU");
    assert!(find("пылесос").await.is_empty());
}

/// Catches up until `expected` events are applied (at most 10 s): the feed holds back while
/// any transaction in the cluster that started earlier is still open (another test's, when
/// tests run in parallel), so one pass may legitimately apply fewer.
async fn catch_up_all(pool: &sqlx::PgPool, expected: usize) -> usize {
    let so_far = std::cell::Cell::new(0_usize);
    let what = format!("{expected} events applied");
    eventually(std::time::Duration::from_secs(10), &what, || async {
        let more = runner(pool).catch_up().await.unwrap();
        so_far.set(so_far.get() + more);
        if so_far.get() >= expected {
            Ok(so_far.get())
        } else {
            Err(so_far.get())
        }
    })
    .await
}
