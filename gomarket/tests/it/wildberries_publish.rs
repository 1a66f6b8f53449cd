//! Publishing to Wildberries end to end: products → `publishProducts` → the worker uploads
//! cards, finds them created, pushes prices and stocks, each step visible on the listing.
//! Against the project's scripted Wildberries (tests/it/support/wb_fake.rs), which also hands
//! every request to a Prism mock of the official spec for the contract check.

use crate::support::marketplace::{
    LISTINGS, app_for, fully_pushed, listings, map_category, products, publish, wait_for,
};
use crate::support::wb_fake::{Fault, WbFake};
use gomarket_testkit::eventually;
use gomarket_testkit::prism::{PrismMock, WbSpec};
use serde_json::{Value, json};
use std::time::Duration;

const TOKEN: &str = "wb-token.eyJ0ZXN0Ijoic2VjcmV0LXRva2VuLTQyIn0";

async fn connect(app: &crate::support::TestApp) -> String {
    crate::support::marketplace::connect(app, "WB основной", TOKEN).await
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
    let status = eventually(Duration::from_secs(30), "account never marked", || async {
        let read = app
            .graphql(
                "query($id: ID!) { marketplaceAccount(id: $id) { status statusReason } }",
                json!({ "id": account }),
            )
            .await;
        if read["data"]["marketplaceAccount"]["status"] == "CREDENTIALS_INVALID" {
            Ok(read["data"]["marketplaceAccount"].clone())
        } else {
            Err(read)
        }
    })
    .await;
    assert!(
        status["statusReason"].as_str().unwrap().contains("token is expired"),
        "{status}"
    );
    let sent = fake.log().len();
    // A fixed wait: proving that no request follows the 401.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(fake.log().len(), sent, "no request after the 401");
    let cards = listings(&app, &account).await;
    assert!(cards.iter().all(|l| l["state"] != "CREATED"));

    // A new token: a refused one changes nothing; an accepted one makes the account active
    // again and its pushes resume.
    let replace = "mutation($id: ID!, $t: String!) { replaceMarketplaceToken(id: $id, token: $t) {
        account { status } errors { field code message } } }";
    let refused = app.graphql(replace, json!({ "id": account, "t": TOKEN })).await;
    assert_eq!(
        refused["data"]["replaceMarketplaceToken"]["errors"][0]["field"], "token",
        "{refused}"
    );
    let unknown = app
        .graphql(
            replace,
            json!({ "id": uuid::Uuid::now_v7().to_string(), "t": "wb-token.bmV3" }),
        )
        .await;
    assert_eq!(
        unknown["data"]["replaceMarketplaceToken"]["errors"][0]["code"], "NOT_FOUND",
        "{unknown}"
    );
    let secrets_before: i64 = sqlx::query_scalar("SELECT count(*) FROM secrets")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(secrets_before, 1, "refused tokens are not stored");
    let replaced = app
        .graphql(replace, json!({ "id": account, "t": "wb-token.eyJuZXciOjF9" }))
        .await;
    assert_eq!(
        replaced["data"]["replaceMarketplaceToken"]["account"]["status"], "ACTIVE",
        "{replaced}"
    );
    wait_for(&app, &account, "pushed with the new token", fully_pushed).await;
    let history = app
        .graphql(
            "query($a: String!, $i: String!) { history(aggregateType: $a, aggregateId: $i, first: 20) { nodes { type payload } } }",
            json!({ "a": "MarketplaceAccount", "i": account }),
        )
        .await;
    let nodes = history["data"]["history"]["nodes"].as_array().unwrap();
    assert!(nodes.iter().any(|n| n["type"] == "AccountTokenReplaced"), "{history}");
    assert!(
        !history.to_string().contains("eyJuZXciOjF9"),
        "the token is in no event"
    );
}

#[tokio::test]
async fn products_are_published_by_a_catalog_filter_or_by_ids_but_not_both() {
    let fake = WbFake::start().await;
    let app = app_for(&fake).await;
    let ids = products(&app, 6).await;
    map_category(&app).await;
    let account = connect(&app).await;
    // The three cheapest kettles: 1 500,50 ₽, 1 501,50 ₽, 1 502,50 ₽.
    let filter = json!({ "category": crate::support::marketplace::CATEGORY, "priceMaxKopecks": 150_250 });
    eventually(Duration::from_secs(10), "the 6 products are readable", || async {
        let seen = app
            .graphql(
                "query($f: ProductFilterInput) { products(filter: $f) { totalCount } }",
                json!({ "f": { "category": crate::support::marketplace::CATEGORY } }),
            )
            .await;
        if seen["data"]["products"]["totalCount"] == 6 {
            Ok(())
        } else {
            Err(seen)
        }
    })
    .await;
    const BY_FILTER: &str = "mutation($a: ID!, $p: [ID!], $f: ProductFilterInput) {
        publishProducts(accountId: $a, productIds: $p, filter: $f) {
            listings { vendorCode } errors { field code message } } }";
    let published = app.graphql(BY_FILTER, json!({ "a": account, "f": filter })).await;
    let mut codes: Vec<&str> = published["data"]["publishProducts"]["listings"]
        .as_array()
        .unwrap_or_else(|| panic!("{published}"))
        .iter()
        .map(|l| l["vendorCode"].as_str().unwrap())
        .collect();
    codes.sort_unstable();
    assert_eq!(codes, ["GM-KT-0000", "GM-KT-0001", "GM-KT-0002"], "{published}");

    let both = app
        .graphql(BY_FILTER, json!({ "a": account, "p": [ids[5]], "f": filter }))
        .await;
    assert_eq!(
        both["data"]["publishProducts"]["errors"][0]["code"], "BAD_USER_INPUT",
        "{both}"
    );
    let none = app
        .graphql(BY_FILTER, json!({ "a": account, "f": { "search": "холодильник" } }))
        .await;
    assert_eq!(
        none["data"]["publishProducts"]["errors"][0]["field"], "filter",
        "{none}"
    );
    // The listings read model follows the store: wait for the three listings, then give a
    // refused publish's (wrongly) recorded listings time to show before counting.
    eventually(Duration::from_secs(10), "the three listings", || async {
        let all = listings(&app, &account).await;
        if all.len() >= 3 { Ok(()) } else { Err(all) }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(listings(&app, &account).await.len(), 3, "nothing else was listed");
}
