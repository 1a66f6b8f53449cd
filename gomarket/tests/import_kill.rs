//! An import killed half-way (SIGKILL of `gomarket import`), then run again, leaves the same
//! catalog as an uninterrupted import: nothing lost, nothing duplicated.

use gomarket_domain::catalog::{Product, ProductState};
use gomarket_domain::supplier::{
    FeedEncoding, FeedKind, FeedUrl, SupplierCommand, SupplierId, SupplierName, SupplierSettings,
};
use gomarket_infra::event_store::EventMetadata;
use gomarket_infra::event_store::batch::load_many;
use gomarket_infra::suppliers::generate::{FeedSpec, write_yml};
use gomarket_testkit::TestDatabase;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

const OFFERS: usize = 12_000;

async fn migrated() -> TestDatabase {
    let db = TestDatabase::new(gomarket::MIGRATIONS).await;
    let importer = gomarket::app::importer(
        &db.pool,
        &gomarket_infra::telemetry::Metrics::new(),
        &Default::default(),
    );
    let name = SupplierName::parse("Север").unwrap();
    let settings = SupplierSettings {
        name: name.clone(),
        kind: FeedKind::Yml,
        url: FeedUrl::parse("file:///nonexistent.yml").unwrap(),
        encoding: FeedEncoding::Auto,
        image_url_template: None,
        credentials_secret_id: None,
    };
    importer
        .suppliers()
        .execute(
            &SupplierId::for_name(&name).to_string(),
            SupplierCommand::Register(settings),
            &EventMetadata::new("t", "system:test", "RegisterSupplier"),
        )
        .await
        .unwrap();
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
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let committed = committed_offers(&killed).await;
        if committed >= 1_000 {
            break;
        }
        assert!(Instant::now() < deadline, "import made no progress");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    let partial = committed_offers(&killed).await;
    assert!(
        partial < OFFERS as i64 - 300,
        "killed half-way, not at the end ({partial} committed)"
    );

    assert!(import_command(&killed, &feed).status().await.unwrap().success());
    let expected = catalog(&clean).await;
    assert_eq!(expected.len(), OFFERS - OFFERS / 50);
    assert_eq!(catalog(&killed).await, expected);
    let _ = std::fs::remove_dir_all(dir);
}
