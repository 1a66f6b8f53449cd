//! Supplier imports over GraphQL and the CLI, with feeds served over local HTTP: register,
//! start, poll, counts and rejected offers; the imported products in the catalog; HTTP 500
//! then 200; a body cut by the size cap; an HTML page instead of a feed.

use crate::support::feeds::FeedServer;
use crate::support::{TestApp, serve_args};
use gomarket_infra::supplier::generate::{FeedSpec, offer_id, write_yml};
use gomarket_testkit::eventually;
use serde_json::{Value, json};
use std::time::Duration;

fn feed_bytes(spec: &FeedSpec) -> Vec<u8> {
    let mut bytes = Vec::new();
    write_yml(spec, &mut bytes).unwrap();
    bytes
}

async fn register(app: &TestApp, name: &str, url: &str) -> String {
    let response = app
        .graphql(
            "mutation($i: SupplierInput!) { registerSupplier(input: $i) { supplier { id name kind url enabled } errors { field code message } } }",
            json!({ "i": { "name": name, "kind": "YML", "url": url } }),
        )
        .await;
    response["data"]["registerSupplier"]["supplier"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{response}"))
        .to_owned()
}

const IMPORT: &str = "query($id: ID!) { import(id: $id) { id status dryRun startedAt finishedAt failure
    counts { seen created updated unchanged rejected unavailable }
    rejected(first: 100) { totalCount nodes { supplierSku line reason message } } } }";

/// Starts an import and waits for its outcome.
async fn run_import(app: &TestApp, supplier: &str, dry_run: bool) -> Value {
    let started = app
        .graphql(
            "mutation($s: ID!, $d: Boolean) { startImport(supplierId: $s, dryRun: $d) { import { id status } errors { code message } } }",
            json!({ "s": supplier, "d": dry_run }),
        )
        .await;
    let import = &started["data"]["startImport"]["import"];
    assert_eq!(import["status"], "RUNNING", "{started}");
    let id = import["id"].as_str().unwrap().to_owned();
    eventually(Duration::from_secs(60), "import still running", || async {
        let read = app.graphql(IMPORT, json!({ "id": id })).await;
        if read["data"]["import"]["status"] != "RUNNING" {
            Ok(read["data"]["import"].clone())
        } else {
            Err(read)
        }
    })
    .await
}

#[tokio::test]
async fn a_served_feed_imports_and_shows_up_in_the_catalog() {
    let app = TestApp::spawn().await;
    let server = FeedServer::start().await;
    let spec = FeedSpec::new(200, 21);
    server.set_feed(feed_bytes(&spec));
    let supplier = register(&app, "Север", &server.url("/feed.yml")).await;

    let dry = run_import(&app, &supplier, true).await;
    assert_eq!(dry["status"], "COMPLETED", "{dry}");
    assert_eq!(dry["counts"]["created"], 196);
    assert_eq!(
        app.products(json!({ "first": 1 })).await["data"]["products"]["totalCount"],
        0
    );

    let done = run_import(&app, &supplier, false).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    assert_eq!(
        done["counts"],
        json!({ "seen": 200, "created": 196, "updated": 0, "unchanged": 0, "rejected": 4, "unavailable": 0 })
    );
    let rejected = &done["rejected"];
    assert_eq!(rejected["totalCount"], 4);
    let reasons: Vec<&str> = rejected["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["MISSING_TITLE", "BAD_PRICE", "BAD_BARCODE", "MISSING_ID"]);
    assert!(rejected["nodes"][0]["line"].as_i64().unwrap() > 1);

    // The products are in the catalog, with their supplier's data.
    eventually(Duration::from_secs(20), "read model stuck", || async {
        let all = app.products(json!({ "first": 1 })).await;
        if all["data"]["products"]["totalCount"] == 196 {
            Ok(())
        } else {
            Err(all)
        }
    })
    .await;
    let supplier_uuid = uuid::Uuid::parse_str(&supplier).unwrap();
    let first = json!({ "id": gomarket_domain::catalog::ProductId::for_supplier_item(supplier_uuid, &offer_id(0)).to_string() });
    let read = app
        .graphql(
            "query($id: ID!) { product(id: $id) { title supplierId supplierSku available images category stockByWarehouse { warehouse quantity } attributes { name value } dimensions { lengthMm weightG } } }",
            json!({ "id": first["id"] }),
        )
        .await;
    let product = &read["data"]["product"];
    assert_eq!(product["supplierId"], supplier.as_str(), "{read}");
    assert!(
        product["category"].as_str().unwrap().starts_with("Бытовая техника")
            || product["category"].as_str().unwrap().starts_with("Красота")
    );
    assert_eq!(product["stockByWarehouse"][0]["warehouse"], "default");
    assert!(
        product["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["name"] == "Цвет")
    );
    assert!(product["dimensions"]["lengthMm"].as_i64().unwrap() >= 100);

    // Unchanged feed: nothing to do.
    let again = run_import(&app, &supplier, false).await;
    assert_eq!(again["counts"]["unchanged"], 196, "{again}");
    assert_eq!(app.event_count(None).await, 196);
}

#[tokio::test]
async fn an_unchanged_feed_with_an_etag_is_not_downloaded_again() {
    let app = TestApp::spawn().await;
    let server = FeedServer::start().await;
    let spec = FeedSpec::new(60, 8);
    server.set_feed(feed_bytes(&spec));
    let supplier = register(&app, "Tagged", &server.url("/tagged.yml")).await;

    let first = run_import(&app, &supplier, false).await;
    assert_eq!(first["counts"]["created"], 59, "{first}");
    assert_eq!(server.not_modified(), 0, "nothing to compare with yet");

    // Same bytes: the server answers 304 and the import ends with nothing seen.
    let again = run_import(&app, &supplier, false).await;
    assert_eq!(again["status"], "COMPLETED", "{again}");
    assert_eq!(again["counts"]["seen"], 0, "{again}");
    assert_eq!(server.not_modified(), 1);
    assert_eq!(app.event_count(None).await, 59);

    // A changed feed has a new ETag: downloaded and applied, and its offers are not marked
    // unavailable by the skipped import before it.
    let mut changed = FeedSpec::new(60, 8);
    changed.repriced = vec![1, 2, 3];
    server.set_feed(feed_bytes(&changed));
    let third = run_import(&app, &supplier, false).await;
    assert_eq!(third["counts"]["seen"], 60, "{third}");
    assert_eq!(third["counts"]["unavailable"], 0, "{third}");
    assert_eq!(third["counts"]["updated"], 3, "{third}");
    assert_eq!(server.not_modified(), 1);
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn a_500_is_retried_and_bad_feeds_fail_with_a_reason() {
    let mut args = serve_args();
    args.api.import.feed_max_bytes = 1024 * 1024;
    let app = TestApp::spawn_on(gomarket_testkit::TestDatabase::new(gomarket::MIGRATIONS).await, args).await;
    let server = FeedServer::start().await;
    server.set_feed(feed_bytes(&FeedSpec::new(50, 4)));

    server.fail_next(2);
    let flaky = register(&app, "Flaky", &server.url("/flaky.yml")).await;
    let done = run_import(&app, &flaky, false).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    assert_eq!(done["counts"]["created"], 49);
    assert_eq!(server.hits(), 3, "two 500s, then the feed");

    let endless = register(&app, "Endless", &server.url("/endless.yml")).await;
    let failed = run_import(&app, &endless, false).await;
    assert_eq!(failed["status"], "FAILED", "{failed}");
    assert!(
        failed["failure"].as_str().unwrap().contains("larger than the limit"),
        "{failed}"
    );

    let page = register(&app, "Page", &server.url("/page.html")).await;
    let failed = run_import(&app, &page, false).await;
    assert_eq!(failed["status"], "FAILED");
    assert!(
        failed["failure"].as_str().unwrap().contains("not a YML feed"),
        "{failed}"
    );

    let missing = register(&app, "Missing", &server.url("/nothing.yml")).await;
    let failed = run_import(&app, &missing, false).await;
    assert!(failed["failure"].as_str().unwrap().contains("404"), "{failed}");
    assert_eq!(app.event_count(None).await, 49, "failed imports wrote no products");
}

#[tokio::test]
async fn the_cli_generates_and_imports_a_feed() {
    let app = TestApp::spawn().await;
    register(&app, "Файловый", "file:///nonexistent/feed.yml").await;
    let dir = std::env::temp_dir().join(format!("gomarket-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let feed = dir.join("feed.yml");
    let generated = std::process::Command::new(env!("CARGO_BIN_EXE_gomarket"))
        .args([
            "gen-feed",
            "--format",
            "yml",
            "--offers",
            "120",
            "--seed",
            "3",
            "--windows-1251",
            "-o",
        ])
        .arg(&feed)
        .output()
        .unwrap();
    assert!(
        generated.status.success(),
        "{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    let imported = std::process::Command::new(env!("CARGO_BIN_EXE_gomarket"))
        .args(["import", "--supplier", "файловый", "--file"])
        .arg(&feed)
        .env("DATABASE_URL", &app.db.url)
        .env_remove("GOMARKET_DATABASE_URL")
        .env("GOMARKET_LOG", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&imported.stdout);
    assert!(
        imported.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    assert!(stdout.contains("COMPLETED"), "{stdout}");
    assert!(
        stdout
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["created", "118"]),
        "{stdout}"
    );
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT payload -> 'ProductImported' ->> 'title' FROM events WHERE event_type = 'ProductImported' LIMIT 3",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert!(
        names.iter().all(|n| n.chars().any(|c| ('а'..='я').contains(&c))),
        "windows-1251 decoded: {names:?}"
    );

    // The supplier's own URL does not exist: the import fails and says why, exit code 1.
    let run_supplier_url = |feed_dir: Option<&str>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_gomarket"));
        command
            .args(["import", "--supplier", "Файловый"])
            .env("DATABASE_URL", &app.db.url)
            .env_remove("GOMARKET_DATABASE_URL")
            .env_remove("GOMARKET_FEED_DIR")
            .env("GOMARKET_LOG", "off");
        if let Some(dir) = feed_dir {
            command.env("GOMARKET_FEED_DIR", dir);
        }
        command.output().unwrap()
    };
    let failed = run_supplier_url(Some("/"));
    assert_eq!(failed.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("/nonexistent/feed.yml"), "{stderr}");
    // Without a feed folder, a supplier's file:// URL is refused (only --file reads anywhere).
    let refused = run_supplier_url(None);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("GOMARKET_FEED_DIR"), "{stderr}");
}
