//! Publishing to Wildberries end to end: products → `publishProducts` → the worker uploads
//! cards, finds them created, pushes prices and stocks, each step visible on the listing.
//! Against the project's scripted Wildberries (tests/support/wb_fake.rs), which also hands
//! every request to a Prism mock of the official spec for the contract check.

mod support;

use gomarket_infra::suppliers::generate::ean13;
use gomarket_testkit::prism::{PrismMock, WbSpec};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::wb_fake::{Fault, WbFake};
use support::{TestApp, serve_args};

const TOKEN: &str = "wb-token.eyJ0ZXN0Ijoic2VjcmV0LXRva2VuLTQyIn0";
const CATEGORY: &str = "Бытовая техника/Чайники";

async fn app_for(fake: &WbFake) -> TestApp {
    let mut args = serve_args();
    let m = &mut args.marketplace;
    m.wb_content_url = fake.url();
    m.wb_prices_url = fake.url();
    m.wb_marketplace_url = fake.url();
    m.wb_common_url = fake.url();
    m.worker_interval_ms = 100;
    m.wb_backoff_ms = 50;
    TestApp::spawn_on(gomarket_testkit::TestDatabase::new(gomarket::MIGRATIONS).await, args).await
}

/// Creates `n` kettles (price 1 500,50 ₽ + i roubles, stock i % 30) and returns their ids.
async fn products(app: &TestApp, n: usize) -> Vec<String> {
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

async fn map_category(app: &TestApp) {
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

async fn connect(app: &TestApp) -> String {
    let connected = app
        .graphql(
            "mutation($i: ConnectMarketplaceAccountInput!) { connectMarketplaceAccount(input: $i) {
                account { id status verifiedAt } errors { field code message } } }",
            json!({ "i": { "name": "WB основной", "marketplace": "WILDBERRIES", "token": TOKEN,
                            "warehouseIds": [507], "vendorCodePrefix": "GM-" } }),
        )
        .await;
    let account = &connected["data"]["connectMarketplaceAccount"]["account"];
    assert_eq!(account["status"], "ACTIVE", "{connected}");
    account["id"].as_str().unwrap().to_owned()
}

async fn publish(app: &TestApp, account: &str, products: &[String]) -> Value {
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

const LISTINGS: &str = "query($a: ID!, $f: ListingFilterInput, $after: String) {
    listings(accountId: $a, filter: $f, first: 100, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes { id vendorCode state rejection nmId chrtIds target { priceRoubles stock }
                price { state value discountPercent reason } stock { state value reason }
                errors { area message } } } }";

/// Every listing of the account.
async fn listings(app: &TestApp, account: &str) -> Vec<Value> {
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

/// Waits until `done` holds for every listing of the account.
async fn wait_for(app: &TestApp, account: &str, what: &str, done: impl Fn(&Value) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let all = listings(app, account).await;
        if !all.is_empty() && all.iter().all(&done) {
            return all;
        }
        assert!(
            Instant::now() < deadline,
            "listings never {what}: {:?}",
            all.iter().find(|l| !done(l))
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn fully_pushed(l: &Value) -> bool {
    l["state"] == "CREATED" && l["price"]["state"] == "APPLIED" && l["stock"]["state"] == "APPLIED"
}

#[tokio::test]
async fn publishing_250_products_pushes_cards_prices_and_stocks_that_the_official_spec_accepts() {
    let prism = PrismMock::start(WbSpec::Products).await;
    let general = PrismMock::start(WbSpec::General).await;
    let fake = WbFake::start().await;
    fake.validate_with(&prism.url, &general.url);
    let app = app_for(&fake).await;
    let ids = products(&app, 250).await;
    map_category(&app).await;
    let account = connect(&app).await;
    let published = publish(&app, &account, &ids).await;
    assert_eq!(published["listings"].as_array().unwrap().len(), 250);
    assert_eq!(published["listings"][0]["vendorCode"], "GM-KT-0000");

    let all = wait_for(&app, &account, "fully pushed", fully_pushed).await;
    for listing in &all {
        let code = listing["vendorCode"].as_str().unwrap();
        let i: i64 = code.trim_start_matches("GM-KT-").parse().unwrap();
        // 1 500,50 ₽ + i: whole roubles rounded up.
        assert_eq!(listing["price"]["value"], (1501 + i) * 100, "{listing}");
        let nm = fake.nm_id_of(code).unwrap();
        assert_eq!(listing["nmId"], nm);
        assert_eq!(fake.price_of(nm), Some(((1501 + i) as u64, 0)));
        assert_eq!(listing["stock"]["value"], i % 30);
    }
    assert_eq!(fake.stock_count(), 250);
    assert!(
        fake.uploads_by_vendor_code().values().all(|&n| n == 1),
        "each card uploaded once"
    );
    // The worker may start while publishProducts is still listing: batches of ≤ 100 cards.
    let batches: Vec<usize> = fake
        .requests_to("/content/v2/cards/upload")
        .iter()
        .map(|l| l.body.as_array().unwrap().len())
        .collect();
    assert!(batches.iter().all(|&n| n <= 100), "{batches:?}");
    assert_eq!(batches.iter().sum::<usize>(), 250);
    let tasks = fake.requests_to("/api/v2/upload/task");
    assert!(tasks.iter().all(|l| l.body["data"].as_array().unwrap().len() <= 1000));
    let stocks = fake.requests_to("/api/v3/stocks/507");
    assert!(
        stocks
            .iter()
            .all(|l| l.body["stocks"].as_array().unwrap().len() <= 1000)
    );
    assert_eq!(
        fake.violations(),
        Vec::<String>::new(),
        "requests the official spec refuses"
    );
    assert!(prism.violations().is_empty(), "{:?}", prism.violations());
    assert!(general.violations().is_empty(), "{:?}", general.violations());
    assert_eq!(general.requests(), 1, "the token check");
    assert_eq!(fake.rate_breaches(Duration::from_millis(50)), Vec::<String>::new());
}

#[tokio::test]
async fn a_429_is_waited_out_5xx_retried_and_late_cards_found() {
    let fake = WbFake::start().await;
    fake.set_card_delay_polls(3);
    fake.fail_next("/content/v2/cards/upload", [Fault::unavailable(), Fault::unavailable()]);
    fake.fail_next("/api/v2/upload/task", [Fault::rate_limited(2)]);
    let app = app_for(&fake).await;
    let ids = products(&app, 5).await;
    map_category(&app).await;
    let account = connect(&app).await;
    publish(&app, &account, &ids).await;
    wait_for(&app, &account, "fully pushed", fully_pushed).await;

    // 503 twice, then 200: the upload went through, nothing duplicated. (The worker may
    // start while publishProducts is still listing: then a second batch follows, also 200.)
    let uploads = fake.requests_to("/content/v2/cards/upload");
    let statuses: Vec<u16> = uploads.iter().map(|l| l.status).collect();
    assert_eq!(statuses[..3], [503, 503, 200], "{statuses:?}");
    assert!(statuses[3..].iter().all(|&s| s == 200), "{statuses:?}");
    assert_eq!(fake.uploads_by_vendor_code().len(), 5);
    assert!(fake.uploads_by_vendor_code().values().all(|&n| n == 1));
    // Cards showed on the third poll of cards/list, not before.
    assert!(fake.requests_to("/content/v2/get/cards/list").len() >= 3);
    // 429 with X-Ratelimit-Retry: 2 → nothing to the prices API before 2 s had passed.
    let prices = fake
        .log()
        .into_iter()
        .filter(|l| l.path.starts_with("/api/v2/"))
        .collect::<Vec<_>>();
    assert_eq!(prices[0].status, 429);
    let waited = prices[1].at - prices[0].at;
    assert!(waited >= Duration::from_secs(2), "retried after {waited:?}");
    assert!(waited < Duration::from_secs(4), "retried after {waited:?}");
}

#[tokio::test]
async fn price_and_card_refusals_keep_wildberries_words_on_exactly_those_listings() {
    let fake = WbFake::start().await;
    fake.fail_draft("GM-KT-0007", "Недопустимый предмет для бренда");
    fake.fail_price("GM-KT-0011", "Цена не может быть изменена: товар участвует в акции");
    fake.fail_price("GM-KT-0042", "Цена должна быть больше 0");
    let app = app_for(&fake).await;
    let ids = products(&app, 100).await;
    map_category(&app).await;
    let account = connect(&app).await;
    publish(&app, &account, &ids).await;
    let settled = |l: &Value| {
        l["state"] == "REJECTED"
            || (l["state"] == "CREATED" && l["price"]["state"] != "PENDING" && !l["price"].is_null())
    };
    let all = wait_for(&app, &account, "settled", settled).await;
    let by_code = |code: &str| all.iter().find(|l| l["vendorCode"] == code).unwrap().clone();
    let rejected = by_code("GM-KT-0007");
    assert_eq!(rejected["state"], "REJECTED");
    assert_eq!(rejected["rejection"], "Недопустимый предмет для бренда");
    let failed: Vec<&Value> = all.iter().filter(|l| l["price"]["state"] == "FAILED").collect();
    assert_eq!(failed.len(), 2, "exactly the two refused items");
    assert_eq!(
        by_code("GM-KT-0011")["price"]["reason"],
        "Цена не может быть изменена: товар участвует в акции"
    );
    assert_eq!(
        by_code("GM-KT-0042")["errors"][0]["message"],
        "Цена должна быть больше 0"
    );
    assert_eq!(
        all.iter().filter(|l| l["price"]["state"] == "APPLIED").count(),
        97,
        "the rest of the task applied"
    );
    let only_errors = app
        .graphql(LISTINGS, json!({ "a": account, "f": { "hasError": true } }))
        .await;
    assert_eq!(only_errors["data"]["listings"]["totalCount"], 3, "{only_errors}");
}

#[tokio::test]
async fn a_401_marks_the_account_invalid_and_stops_its_pushes() {
    let fake = WbFake::start().await;
    let app = app_for(&fake).await;
    let ids = products(&app, 3).await;
    map_category(&app).await;
    let account = connect(&app).await;
    fake.expire_token(TOKEN);
    publish(&app, &account, &ids).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        let read = app
            .graphql(
                "query($id: ID!) { marketplaceAccount(id: $id) { status statusReason } }",
                json!({ "id": account }),
            )
            .await;
        if read["data"]["marketplaceAccount"]["status"] == "CREDENTIALS_INVALID" {
            break read["data"]["marketplaceAccount"].clone();
        }
        assert!(Instant::now() < deadline, "account never marked: {read}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        status["statusReason"].as_str().unwrap().contains("token is expired"),
        "{status}"
    );
    let sent = fake.log().len();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(fake.log().len(), sent, "no request after the 401");
    let cards = listings(&app, &account).await;
    assert!(cards.iter().all(|l| l["state"] != "CREATED"));
}
