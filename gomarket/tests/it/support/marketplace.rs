//! The seller's side of publishing, over GraphQL: products, a category mapping, a connected
//! Wildberries account pointed at a scripted fake, `publishProducts`, and reading listings.

use super::wb_fake::WbFake;
use super::{TestApp, serve_args};
use gomarket_infra::supplier::generate::ean13;
use gomarket_testkit::eventually;
use serde_json::{Value, json};
use std::time::Duration;

pub const CATEGORY: &str = "Бытовая техника/Чайники";

/// Settings of an app whose Wildberries is `fake`, with a quick worker.
pub fn args_for(fake: &WbFake) -> gomarket::cli::ServeArgs {
    let mut args = serve_args();
    let m = &mut args.api.marketplace;
    m.wb_content_url = fake.url();
    m.wb_prices_url = fake.url();
    m.wb_marketplace_url = fake.url();
    m.wb_common_url = fake.url();
    m.worker_interval_ms = 100;
    m.wb_backoff_ms = 50;
    args
}

pub async fn app_for(fake: &WbFake) -> TestApp {
    TestApp::spawn_on(
        gomarket_testkit::TestDatabase::new(gomarket::MIGRATIONS).await,
        args_for(fake),
    )
    .await
}

/// Creates `n` kettles (price 1 500,50 ₽ + i roubles, stock i % 30) and returns their ids.
pub async fn products(app: &TestApp, n: usize) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let created = app
            .graphql(
                "mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id } errors { message } } }",
                json!({ "i": {
                    "sku": format!("KT-{i:04}"),
                    "title": format!("Электрический чайник Polaris PWK {i} стеклянный с подсветкой и фильтром"),
                    "brand": "Polaris",
                    "description": "Чайник с закалённым стеклом и подсветкой.",
                    "category": CATEGORY,
                    "barcodes": [ean13(i as u64)],
                    "priceKopecks": 150_050 + i as i64 * 100,
                    "stock": (i % 30) as i64,
                }}),
            )
            .await;
        let id = created["data"]["createProduct"]["product"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{created}"));
        ids.push(id.to_owned());
    }
    ids
}

pub async fn map_category(app: &TestApp) {
    let mapped = app
        .graphql(
            "mutation($i: CategoryMappingInput!) { setCategoryMapping(input: $i) { mapping { subjectId } errors { message } } }",
            json!({ "i": { "marketplace": "WILDBERRIES", "category": CATEGORY, "subjectId": 7771 } }),
        )
        .await;
    assert_eq!(
        mapped["data"]["setCategoryMapping"]["mapping"]["subjectId"], 7771,
        "{mapped}"
    );
}

/// Connects an account whose vendor codes start with `GM-`.
pub async fn connect(app: &TestApp, name: &str, token: &str) -> String {
    connect_with_prefix(app, name, token, "GM-").await
}

pub async fn connect_with_prefix(app: &TestApp, name: &str, token: &str, prefix: &str) -> String {
    let connected = app
        .graphql(
            "mutation($i: ConnectMarketplaceAccountInput!) { connectMarketplaceAccount(input: $i) {
                account { id status verifiedAt } errors { field code message } } }",
            json!({ "i": { "name": name, "marketplace": "WILDBERRIES", "token": token,
                            "warehouseIds": [507], "vendorCodePrefix": prefix } }),
        )
        .await;
    let account = &connected["data"]["connectMarketplaceAccount"]["account"];
    assert_eq!(account["status"], "ACTIVE", "{connected}");
    account["id"].as_str().unwrap().to_owned()
}

pub async fn publish(app: &TestApp, account: &str, products: &[String]) -> Value {
    let published = app
        .graphql(
            "mutation($a: ID!, $p: [ID!]!) { publishProducts(accountId: $a, productIds: $p) {
                listings { id state vendorCode } errors { field code message } } }",
            json!({ "a": account, "p": products }),
        )
        .await;
    assert_eq!(published["data"]["publishProducts"]["errors"], json!([]), "{published}");
    published["data"]["publishProducts"].clone()
}

pub const LISTINGS: &str = "query($a: ID!, $f: ListingFilterInput, $after: String) {
    listings(accountId: $a, filter: $f, first: 100, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes { id vendorCode state rejection nmId chrtIds cardId retryAt waitingReason
                target { priceKopecks priceRoubles stock }
                price { state value discountPercent reason } stock { state value reason }
                errors { area message } } } }";

/// Every listing of the account.
pub async fn listings(app: &TestApp, account: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = app.graphql(LISTINGS, json!({ "a": account, "after": after })).await;
        let connection = &page["data"]["listings"];
        all.extend(
            connection["nodes"]
                .as_array()
                .unwrap_or_else(|| panic!("{page}"))
                .iter()
                .cloned(),
        );
        if connection["pageInfo"]["hasNextPage"] != true {
            return all;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
}

/// Waits (up to 90 s) until `done` holds for every listing of the account.
pub async fn wait_for(app: &TestApp, account: &str, what: &str, done: impl Fn(&Value) -> bool) -> Vec<Value> {
    wait_for_within(app, account, what, Duration::from_secs(90), done).await
}

/// Waits up to `within` until `done` holds for every listing of the account.
pub async fn wait_for_within(
    app: &TestApp,
    account: &str,
    what: &str,
    within: Duration,
    done: impl Fn(&Value) -> bool,
) -> Vec<Value> {
    let what = format!("listings never {what}");
    eventually(within, &what, || async {
        let all = listings(app, account).await;
        if !all.is_empty() && all.iter().all(&done) {
            Ok(all)
        } else {
            // The first listing not yet done (`None` while there are none).
            Err(all.into_iter().find(|l| !done(l)))
        }
    })
    .await
}

pub fn fully_pushed(l: &Value) -> bool {
    l["state"] == "CREATED" && l["price"]["state"] == "APPLIED" && l["stock"]["state"] == "APPLIED"
}
