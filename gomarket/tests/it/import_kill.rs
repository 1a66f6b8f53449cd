//! An import killed half-way (SIGKILL of `gomarket import`), then run again, leaves the same
//! catalog as an uninterrupted import: nothing lost, nothing duplicated; and the killed run
//! ends up FAILED as interrupted instead of running forever, while a live one is left alone.

use gomarket_domain::catalog::{Product, ProductState};
use gomarket_domain::supplier::{SupplierId, SupplierName};
use gomarket_infra::event_store::EventMetadata;
use gomarket_infra::event_store::batch::load_many;
use gomarket_infra::supplier::generate::{FeedSpec, write_yml};
use gomarket_testkit::fixtures::register_file_supplier;
use gomarket_testkit::{TestDatabase, eventually};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

const OFFERS: usize = 12_000;

async fn migrated() -> TestDatabase {
    let db = TestDatabase::new(gomarket::MIGRATIONS).await;
    let importer = gomarket::app::importer(
        &db.pool,
        &gomarket_infra::telemetry::Metrics::new(),
        &Default::default(),
    );
    register_file_supplier(&importer.registry(), "Север").await;
    db
}

fn import_command(db: &TestDatabase, feed: &Path) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_gomarket"));
    command
        .args(["import", "--supplier", "Север", "--import-batch-size", "200", "--file"])
        .arg(feed)
        .env("DATABASE_URL", &db.url)
        .env_remove("GOMARKET_DATABASE_URL")
        .env("GOMARKET_LOG", "off")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    command
}

/// Every product's state, without the times (they are when each run decided).
async fn catalog(db: &TestDatabase) -> BTreeMap<String, (i64, ProductState)> {
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT aggregate_id FROM events WHERE aggregate_type = 'Product'")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    let mut conn = db.pool.acquire().await.unwrap();
    let loaded = load_many::<Product>(&mut conn, &ids).await.unwrap();
    let epoch = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
    loaded
        .into_iter()
        .map(|(id, l)| {
            let mut state = l.aggregate.state.expect("created");
            state.created_at = epoch;
            state.updated_at = epoch;
            (id, (l.version, state))
        })
        .collect()
}

/// Each import's outcome event, in start order (`None` while running).
async fn import_outcomes(db: &TestDatabase) -> Vec<Option<String>> {
    sqlx::query_scalar(
        "SELECT max(event_type) FILTER (WHERE event_type IN ('ImportCompleted', 'ImportFailed'))
           FROM events WHERE aggregate_type = 'Import' GROUP BY aggregate_id ORDER BY min(position)",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap()
}

async fn committed_offers(db: &TestDatabase) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM supplier_offers")
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_killed_import_rerun_converges_to_the_uninterrupted_catalog() {
    let dir = std::env::temp_dir().join(format!("gomarket-kill-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let feed = dir.join("feed.yml");
    write_yml(
        &FeedSpec::new(OFFERS, 77),
        &mut std::io::BufWriter::new(std::fs::File::create(&feed).unwrap()),
    )
    .unwrap();

    let clean = migrated().await;
    assert!(import_command(&clean, &feed).status().await.unwrap().success());

    let killed = migrated().await;
    let mut child = import_command(&killed, &feed).spawn().unwrap();
    eventually(
        Duration::from_secs(120),
        "import made no progress (waiting for 1,000 committed offers)",
        || async {
            let committed = committed_offers(&killed).await;
            if committed >= 1_000 { Ok(()) } else { Err(committed) }
        },
    )
    .await;
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    let partial = committed_offers(&killed).await;
    assert!(
        partial < OFFERS as i64 - 300,
        "killed half-way, not at the end ({partial} committed)"
    );

    assert_eq!(
        import_outcomes(&killed).await,
        [None],
        "the killed run has no outcome yet"
    );

    assert!(import_command(&killed, &feed).status().await.unwrap().success());
    let outcomes = import_outcomes(&killed).await;
    assert_eq!(outcomes.len(), 2);
    assert_eq!(outcomes[1].as_deref(), Some("ImportCompleted"));
    assert_eq!(outcomes[0].as_deref(), Some("ImportFailed"), "swept by the next run");
    let reason: String = sqlx::query_scalar(
        "SELECT payload -> 'ImportFailed' ->> 'reason' FROM events WHERE event_type = 'ImportFailed'",
    )
    .fetch_one(&killed.pool)
    .await
    .unwrap();
    assert!(reason.starts_with("interrupted"), "{reason}");
    let expected = catalog(&clean).await;
    assert_eq!(expected.len(), OFFERS - OFFERS / 50);
    assert_eq!(catalog(&killed).await, expected);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn only_imports_whose_runner_is_gone_are_failed_as_abandoned() {
    let db = migrated().await;
    let importer = gomarket::app::importer(
        &db.pool,
        &gomarket_infra::telemetry::Metrics::new(),
        &Default::default(),
    );
    let supplier = SupplierId::for_name(&SupplierName::parse("Север").unwrap());
    let metadata = || EventMetadata::new("t", "system:test", "StartImport");
    let live = importer.start(supplier, false, None, metadata()).await.unwrap();
    let dead = importer.start(supplier, false, None, metadata()).await.unwrap();
    let dead_id = dead.import_id;
    assert!(
        importer.fail_abandoned().await.unwrap().is_empty(),
        "both runners hold their lock"
    );

    drop(dead);
    let swept = eventually(Duration::from_secs(10), "the abandoned import is swept", || async {
        let swept = importer.fail_abandoned().await.unwrap();
        if swept.is_empty() { Err(swept) } else { Ok(swept) }
    })
    .await;
    assert_eq!(swept, [dead_id]);
    let loaded = importer.load_imports(&[dead_id, live.import_id]).await.unwrap();
    let status = |i: usize| loaded[i].1.state.as_ref().unwrap().status;
    assert_eq!(status(0), gomarket_domain::supplier::ImportStatus::Failed);
    assert_eq!(status(1), gomarket_domain::supplier::ImportStatus::Running);
    assert!(
        importer.fail_abandoned().await.unwrap().is_empty(),
        "already failed, live untouched"
    );
}
