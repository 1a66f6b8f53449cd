//! `gomarket worker` killed (SIGKILL) while it uploads cards, then started again: every card
//! reaches Wildberries exactly once, and every listing ends created with its price and stock.

use crate::support::wb_fake::WbFake;
use crate::support::{TestApp, serve_args};
use gomarket_infra::supplier::generate::ean13;
use gomarket_testkit::{eventually, until};
use serde_json::{Value, json};
use std::process::Stdio;
use std::time::Duration;

const PRODUCTS: usize = 300;

fn worker(app: &TestApp, fake: &WbFake) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_gomarket"))
        .arg("worker")
        .env("DATABASE_URL", &app.db.url)
        .env_remove("GOMARKET_DATABASE_URL")
        .env("GOMARKET_WB_CONTENT_URL", fake.url())
        .env("GOMARKET_WB_PRICES_URL", fake.url())
        .env("GOMARKET_WB_MARKETPLACE_URL", fake.url())
        .env("GOMARKET_WB_COMMON_URL", fake.url())
        .env("GOMARKET_WORKER_INTERVAL_MS", "100")
        .env("GOMARKET_WB_CARD_TIMEOUT_SECONDS", "3")
        .env("GOMARKET_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("gomarket worker starts")
}

#[tokio::test]
async fn a_worker_killed_while_uploading_sends_no_card_twice() {
    let fake = WbFake::start().await;
    fake.set_upload_delay(Duration::from_millis(800));
    let mut args = serve_args();
    args.run_worker = false;
    args.api.marketplace.wb_common_url = fake.url();
    let app = TestApp::spawn_on(gomarket_testkit::TestDatabase::new(gomarket::MIGRATIONS).await, args).await;
    let mut ids = Vec::new();
    for i in 0..PRODUCTS {
        let created = app
            .graphql(
                "mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id } } }",
                json!({ "i": { "sku": format!("K-{i:04}"), "title": format!("Чайник {i}"), "category": "Чайники",
                               "barcodes": [ean13(i as u64)], "priceKopecks": 99_900, "stock": 3 } }),
            )
            .await;
        ids.push(
            created["data"]["createProduct"]["product"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    app.graphql(
        "mutation { setCategoryMapping(input: { marketplace: WILDBERRIES, category: \"Чайники\", subjectId: 7771 }) { errors { message } } }",
        json!({}),
    )
    .await;
    let connected = app
        .graphql(
            "mutation { connectMarketplaceAccount(input: { name: \"WB\", marketplace: WILDBERRIES, token: \"t-kill\", warehouseIds: [507] }) { account { id } } }",
            json!({}),
        )
        .await;
    let account = connected["data"]["connectMarketplaceAccount"]["account"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{connected}"))
        .to_owned();
    app.graphql(
        "mutation($a: ID!, $p: [ID!]!) { publishProducts(accountId: $a, productIds: $p) { errors { message } } }",
        json!({ "a": account, "p": ids }),
    )
    .await;
    // The listings read model must show them before the worker looks.
    eventually(Duration::from_secs(30), "listings not projected", || async {
        let projected = listed(&app, &account).await.len();
        if projected >= PRODUCTS { Ok(()) } else { Err(projected) }
    })
    .await;

    let mut first = worker(&app, &fake);
    until(Duration::from_secs(60), "the worker uploaded nothing", || async {
        !fake.requests_to("/content/v2/cards/upload").is_empty()
    })
    .await;
    first.start_kill().unwrap();
    first.wait().await.unwrap();
    let uploaded_before_kill: u32 = fake.uploads_by_vendor_code().values().sum();
    assert!(
        (uploaded_before_kill as usize) < PRODUCTS,
        "killed half-way, not at the end ({uploaded_before_kill} uploaded)"
    );

    let _second = worker(&app, &fake);
    eventually(Duration::from_secs(120), "not all pushed after the restart", || async {
        let all = listed(&app, &account).await;
        let pushed = all
            .iter()
            .filter(|l| l["state"] == "CREATED" && l["price"]["state"] == "APPLIED" && l["stock"]["state"] == "APPLIED")
            .count();
        if all.len() == PRODUCTS && pushed == PRODUCTS {
            Ok(())
        } else {
            Err(format!("{pushed} of {} listings pushed", all.len()))
        }
    })
    .await;
    let uploads = fake.uploads_by_vendor_code();
    assert_eq!(uploads.len(), PRODUCTS);
    let twice: Vec<(&String, &u32)> = uploads.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "cards uploaded more than once: {twice:?}");
}

async fn listed(app: &TestApp, account: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = app
            .graphql(
                "query($a: ID!, $after: String) { listings(accountId: $a, first: 100, after: $after) {
                    pageInfo { hasNextPage endCursor } nodes { state price { state } stock { state } } } }",
                json!({ "a": account, "after": after }),
            )
            .await;
        let connection = &page["data"]["listings"];
        all.extend(connection["nodes"].as_array().cloned().unwrap_or_default());
        if connection["pageInfo"]["hasNextPage"] != true {
            return all;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
}
