//! Supplier import benchmark: a generated 100 000-offer YML feed.
//!
//! Needs PostgreSQL like the tests:
//!   cargo bench -p gomarket --bench import
//! Prints the figures recorded in BENCHMARKS.md:
//! 1. parse + normalize alone (offers/s);
//! 2. cold import end to end: parse → events committed → products read model has every row;
//! 3. re-import of the unchanged feed;
//! 4. peak resident memory of the process (VmHWM) over all of it.

#[path = "common/rss.rs"]
mod rss;

use gomarket::app::importer;
use gomarket::cli::ImportArgs;
use gomarket::roles::spawn_projectors;
use gomarket_infra::event_store::EventMetadata;
use gomarket_infra::shutdown;
use gomarket_infra::supplier::generate::{FeedSpec, write_yml};
use gomarket_infra::supplier::{FeedItem, ReaderContext, YmlReader};
use gomarket_infra::telemetry::Metrics;
use gomarket_testkit::TestDatabase;
use gomarket_testkit::fixtures::register_file_supplier;
use rss::peak_rss_mib;
use std::time::{Duration, Instant};

const OFFERS: usize = 100_000;

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("gomarket-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let feed = dir.join("feed.yml");
    let stats = write_yml(
        &FeedSpec::new(OFFERS, 1),
        &mut std::io::BufWriter::new(std::fs::File::create(&feed).unwrap()),
    )
    .unwrap();
    let size = std::fs::metadata(&feed).unwrap().len();
    println!(
        "feed: {OFFERS} offers, {} valid, {:.1} MiB",
        stats.valid,
        size as f64 / 1048576.0
    );

    // 1. Parse and normalize only.
    let started = Instant::now();
    let context = ReaderContext {
        supplier_id: uuid::Uuid::nil(),
        image_url_template: None,
    };
    let reader = YmlReader::new(std::io::BufReader::new(std::fs::File::open(&feed).unwrap()), context);
    let offers = reader.filter(|i| matches!(i, Ok(FeedItem::Offer { .. }))).count();
    let parse = started.elapsed();
    println!(
        "parse + normalize: {offers} offers in {:.2} s = {:.0} offers/s",
        parse.as_secs_f64(),
        offers as f64 / parse.as_secs_f64()
    );

    let db = TestDatabase::new(gomarket::MIGRATIONS).await;
    let metrics = Metrics::new();
    let importer = importer(&db.pool, &metrics, &ImportArgs::default());
    let supplier = register_file_supplier(&importer.registry(), "Bench").await;
    let metadata = EventMetadata::new("bench", "system:bench", "StartImport");
    let (stop, signal) = shutdown::channel();
    let projectors = spawn_projectors(&db.pool, None, None, &metrics, &signal).unwrap();

    // 2. Cold import, until the read model has every product.
    let started = Instant::now();
    let run = importer
        .start(supplier, false, Some(feed.clone()), metadata.clone())
        .await
        .unwrap();
    let counts = importer.run(&run, |_| {}).await.unwrap();
    let committed = started.elapsed();
    loop {
        let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM products")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        if rows as u64 == counts.created {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let queryable = started.elapsed();
    println!(
        "cold import: {} created, events committed after {:.2} s, read model complete after {:.2} s",
        counts.created,
        committed.as_secs_f64(),
        queryable.as_secs_f64()
    );

    // 3. The same feed again.
    let started = Instant::now();
    let run = importer
        .start(supplier, false, Some(feed.clone()), metadata)
        .await
        .unwrap();
    let again = importer.run(&run, |_| {}).await.unwrap();
    println!(
        "unchanged re-import: {} unchanged, {} events, {:.2} s",
        again.unchanged,
        again.created + again.updated,
        started.elapsed().as_secs_f64()
    );
    println!("peak RSS of the process: {:.0} MiB", peak_rss_mib());

    stop.trigger();
    for projector in projectors {
        let _ = projector.await;
    }
    let _ = std::fs::remove_dir_all(dir);
}
