//! Supplier URLs cannot reach the host's files or its network (issue 16, point 11): `file://`
//! only under GOMARKET_FEED_DIR, with refusals that do not tell whether a file exists; no
//! loopback, private or link-local address unless GOMARKET_FEED_ALLOW_PRIVATE, checked on
//! literal addresses when registering and on resolved names when fetching.

use crate::support::feeds::FeedServer;
use crate::support::{TestApp, serve_args};
use gomarket_infra::supplier::generate::{FeedSpec, write_yml};
use gomarket_testkit::eventually;
use serde_json::{Value, json};
use std::time::Duration;

async fn register(app: &TestApp, name: &str, url: &str) -> Value {
    app.graphql(
        "mutation($i: SupplierInput!) { registerSupplier(input: $i) { supplier { id } errors { field code message } } }",
        json!({ "i": { "name": name, "kind": "YML", "url": url } }),
    )
    .await["data"]["registerSupplier"]
        .clone()
}

async fn import(app: &TestApp, supplier: &str) -> Value {
    let started = app
        .graphql(
            "mutation($s: ID!) { startImport(supplierId: $s) { import { id } errors { code message } } }",
            json!({ "s": supplier }),
        )
        .await;
    let id = started["data"]["startImport"]["import"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{started}"))
        .to_owned();
    eventually(Duration::from_secs(60), "the import finishes", || async {
        let read = app
            .graphql(
                "query($id: ID!) { import(id: $id) { status failure counts { created } } }",
                json!({ "id": id }),
            )
            .await;
        if read["data"]["import"]["status"] != "RUNNING" {
            Ok(read["data"]["import"].clone())
        } else {
            Err(read)
        }
    })
    .await
}

async fn app_with(feed_dir: Option<std::path::PathBuf>) -> TestApp {
    let mut args = serve_args();
    args.api.import.feed_dir = feed_dir;
    args.api.import.feed_allow_private = false;
    TestApp::spawn_on(gomarket_testkit::TestDatabase::new(gomarket::MIGRATIONS).await, args).await
}

#[tokio::test]
async fn by_default_no_file_and_no_private_address_is_reachable() {
    let app = app_with(None).await;
    for url in [
        "file:///etc/shadow",
        "file:///proc/self/environ",
        "http://127.0.0.1:5432/",
        "http://[::1]:8080/feed.yml",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/feed.yml",
    ] {
        let refused = register(&app, "Probe", url).await;
        assert_eq!(refused["errors"][0]["code"], "BAD_USER_INPUT", "{url}: {refused}");
        assert_eq!(refused["errors"][0]["field"], "url", "{url}: {refused}");
    }
    // A name is only known to be private once resolved: refused when fetched, never reached.
    let server = FeedServer::start().await;
    let mut feed = Vec::new();
    write_yml(&FeedSpec::new(5, 1), &mut feed).unwrap();
    server.set_feed(feed);
    let local_name = server.url("/feed.yml").replace("127.0.0.1", "localhost");
    let registered = register(&app, "Local", &local_name).await;
    let id = registered["supplier"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{registered}"));
    let failed = import(&app, id).await;
    assert_eq!(failed["status"], "FAILED", "{failed}");
    assert!(
        failed["failure"].as_str().unwrap().contains("not a public address"),
        "{failed}"
    );
    assert_eq!(server.hits(), 0, "the server was never contacted");
    assert_eq!(app.event_count(None).await, 0);
}

#[tokio::test]
async fn files_only_from_the_feed_folder_and_refusals_read_alike() {
    let dir = tempdir();
    let feed = dir.join("feed.yml");
    let mut bytes = Vec::new();
    write_yml(&FeedSpec::new(5, 1), &mut bytes).unwrap();
    std::fs::write(&feed, bytes).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", dir.join("passwd.yml")).unwrap();
    let app = app_with(Some(dir.clone())).await;

    let inside = register(&app, "Inside", &format!("file://{}", feed.display())).await;
    let done = import(&app, inside["supplier"]["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    assert_eq!(done["counts"]["created"], 5);

    let mut failures = Vec::new();
    for (i, path) in [
        "/etc/passwd",
        "/no/such/file.yml",
        &format!("{}/passwd.yml", dir.display()),
        &format!("{}/../../etc/hostname", dir.display()),
    ]
    .iter()
    .enumerate()
    {
        let registered = register(&app, &format!("Outside {i}"), &format!("file://{path}")).await;
        let failed = import(&app, registered["supplier"]["id"].as_str().unwrap()).await;
        assert_eq!(failed["status"], "FAILED", "{path}: {failed}");
        failures.push(failed["failure"].as_str().unwrap().replace(path, "<path>"));
    }
    assert!(
        failures.iter().all(|f| f == &failures[0]),
        "the same words whether or not it exists: {failures:?}"
    );
    assert!(failures[0].contains("GOMARKET_FEED_DIR"), "{failures:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gomarket-feed-dir-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
