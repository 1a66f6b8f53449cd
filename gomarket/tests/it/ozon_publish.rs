//! Publishing to Ozon end to end: products → `publishProducts` on an Ozon account → the worker
//! imports the cards, reads each import task to its end, pushes prices and stocks, each step
//! visible on the listing; the sales ingest reads the account's postings into the sales facts. Against the project's scripted Ozon (tests/it/support/ozon_fake.rs),
//! which checks Ozon's documented limits and also hands every request to a Prism mock of the
//! official spec for the contract check.

use crate::support::TestApp;
use crate::support::marketplace::{fully_pushed, listings, products, publish, wait_for, wait_for_within};
use crate::support::ozon::{OZON_WAREHOUSE, app_for, args_for, connect, map_category};
use crate::support::ozon_fake::OzonFake;
use gomarket_testkit::eventually;
use gomarket_testkit::prism::{PrismMock, Spec};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const KEY: &str = "ozon-api-key-3f7a9c1d-5e2b-4c8a-9d6f-1a2b3c4d5e6f";

fn index_of(listing: &Value) -> i64 {
    listing["vendorCode"]
        .as_str()
        .unwrap()
        .trim_start_matches("OZ-KT-")
        .parse()
        .unwrap()
}

/// A posting of `units` of listing `i` (sold at 1 500 ₽ + i, 7 % off 1 613 ₽ + i).
fn posting(number: &str, status: &str, i: i64, units: i64) -> Value {
    let sku = 900_000_000 + i;
    json!({
        "posting_number": number, "order_id": 1, "order_number": number, "status": status,
        "in_process_at": "2026-12-01T10:00:00Z", "created_at": "2026-12-01T09:59:00Z",
        "delivering_date": "2026-12-02T08:00:00Z",
        "delivery_method": { "id": 1, "name": "Курьер", "warehouse_id": OZON_WAREHOUSE, "warehouse": "Склад FBS" },
        "analytics_data": { "region": "Москва", "city": "Москва", "warehouse_name": "Хоругвино" },
        "products": [{ "sku": sku, "offer_id": format!("OZ-KT-{i:04}"), "name": "Чайник", "quantity": units,
                       "price": format!("{}.000000", 1500 + i), "currency_code": "RUB" }],
        "financial_data": { "products": [{ "product_id": sku, "quantity": units, "price": 1500 + i,
            "old_price": 1613 + i, "payout": (1350 + i) * units, "total_discount_percent": 7.0,
            "commission_amount": 150, "commission_percent": 10, "currency_code": "RUB" }] }
    })
}

#[tokio::test]
async fn publishing_250_products_to_ozon_sends_cards_prices_and_stocks_that_the_official_spec_accepts() {
    let prism = PrismMock::start(Spec::Ozon).await;
    let fake = OzonFake::start().await;
    fake.validate_with(&prism.url);
    // What sold: 2 units delivered, 1 cancelled (FBS), 1 on its way from Ozon's warehouse (FBO).
    fake.add_posting(false, posting("0113-0001-1", "delivered", 1, 2));
    fake.add_posting(false, posting("0113-0002-1", "cancelled", 2, 1));
    fake.add_posting(true, posting("0113-0003-1", "awaiting_deliver", 3, 1));
    let mut args = args_for(&fake);
    args.run_ingest = true;
    args.api.marketplace.ingest_interval_ms = 50;
    let app = TestApp::spawn_on(gomarket_testkit::TestDatabase::new(gomarket::MIGRATIONS).await, args).await;
    let ids = products(&app, 250).await;
    map_category(&app).await;
    let account = connect(&app, "Ozon основной", KEY).await;
    let published = publish(&app, &account, &ids).await;
    assert_eq!(published["listings"].as_array().unwrap().len(), 250);
    assert_eq!(published["listings"][0]["vendorCode"], "OZ-KT-0000");

    let all = wait_for(&app, &account, "fully pushed", fully_pushed).await;
    let stocks = fake.stocks();
    for listing in &all {
        let i = index_of(listing);
        let code = listing["vendorCode"].as_str().unwrap();
        let product_id = fake.product_id_of(code).unwrap();
        assert_eq!(listing["cardId"], product_id, "{listing}");
        // 1 500,50 ₽ + i: Ozon takes the kopecks; no discount is an old price of 0.
        assert_eq!(listing["price"]["value"], 150_050 + i * 100, "{listing}");
        assert_eq!(fake.price_of(code), Some((format!("{}.50", 1500 + i), "0".to_owned())));
        assert_eq!(listing["stock"]["value"], i % 30);
        assert_eq!(
            stocks.get(&(product_id, OZON_WAREHOUSE as u64)),
            Some(&(i % 30)),
            "{code}"
        );
    }
    assert!(
        fake.imports_by_offer_id().values().all(|&n| n == 1),
        "each card imported once"
    );
    let imports: Vec<usize> = fake
        .requests_to("/v3/product/import")
        .iter()
        .map(|l| l.body["items"].as_array().unwrap().len())
        .collect();
    assert!(imports.iter().all(|&n| n <= 100), "{imports:?}");
    assert_eq!(imports.iter().sum::<usize>(), 250);
    let first = &fake.requests_to("/v3/product/import")[0].body["items"][0];
    assert_eq!(first["description_category_id"], 17_028_922);
    assert_eq!(first["type_id"], 94_765);
    assert_eq!(first["attributes"][0]["id"], 85, "the brand: {first}");

    // The postings, read into the same sales facts as Wildberries' reports.
    let summary = || async {
        app.graphql(
            "query($a: ID!) { salesSummary(accountId: $a, from: \"2026-11-01\", to: \"2026-12-31\", groupBy: DAY) {
                totals { orders cancellations buyouts returns units orderedKopecks revenueKopecks payoutKopecks } } }",
            json!({ "a": account }),
        )
        .await["data"]["salesSummary"]["totals"]
            .clone()
    };
    let totals = eventually(Duration::from_secs(30), "the postings' facts", || async {
        let totals = summary().await;
        if totals["buyouts"] == 2 && totals["cancellations"] == 1 {
            Ok(totals)
        } else {
            Err(totals)
        }
    })
    .await;
    assert_eq!(totals["orders"], 4, "{totals}");
    assert_eq!(totals["revenueKopecks"], 2 * 150_100, "{totals}");
    assert_eq!(totals["payoutKopecks"], 2 * 135_100, "{totals}");
    for path in ["/v3/posting/fbs/list", "/v2/posting/fbo/list"] {
        assert!(!fake.requests_to(path).is_empty(), "{path} read");
    }
    assert!(fake.log().iter().all(|l| l.client_id == "836412" && l.api_key == KEY));
    assert_eq!(fake.breaches(), Vec::<String>::new(), "Ozon's documented limits");
    assert_eq!(
        fake.violations(),
        Vec::<String>::new(),
        "requests the official spec refuses"
    );
    assert!(prism.violations().is_empty(), "{:?}", prism.violations());
}

#[tokio::test]
async fn a_request_that_breaks_ozon_s_spec_is_caught() {
    let prism = PrismMock::start(Spec::Ozon).await;
    let fake = OzonFake::start().await;
    fake.validate_with(&prism.url);
    let http = reqwest::Client::new();
    let send = |path: &str, body: Value| {
        http.post(format!("{}{path}", fake.url()))
            .header("Client-Id", "836412")
            .header("Api-Key", KEY)
            .json(&body)
            .send()
    };
    // A stock pair without its product and warehouse; a task id as text (the spec's own
    // example makes that mistake).
    send(
        "/v2/products/stocks",
        json!({ "stocks": [{ "offer_id": "OZ-1", "stock": 1 }] }),
    )
    .await
    .unwrap();
    send("/v1/product/import/info", json!({ "task_id": "172549793" }))
        .await
        .unwrap();
    let violations = fake.violations();
    assert_eq!(violations.len(), 2, "{violations:?}");
    assert!(violations[0].contains("/v2/products/stocks"), "{violations:?}");
    assert!(violations[1].contains("/v1/product/import/info"), "{violations:?}");
    assert!(!prism.violations().is_empty());
}

#[tokio::test]
async fn an_import_task_is_read_to_its_end_and_refused_items_keep_ozon_s_words() {
    let fake = OzonFake::start().await;
    fake.set_pending_polls(2);
    let refusal = "Значение атрибута «Цвет» вне допустимого диапазона";
    fake.fail_import("OZ-KT-0007", refusal);
    fake.fail_import("OZ-KT-0042", "Недопустимое изображение");
    let app = app_for(&fake).await;
    let ids = products(&app, 100).await;
    map_category(&app).await;
    let account = connect(&app, "Ozon", KEY).await;
    publish(&app, &account, &ids).await;
    let settled = |l: &Value| l["state"] == "REJECTED" || fully_pushed(l);
    let all = wait_for(&app, &account, "created or rejected", settled).await;
    let rejected: BTreeMap<i64, String> = all
        .iter()
        .filter(|l| l["state"] == "REJECTED")
        .map(|l| (index_of(l), l["rejection"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        rejected.keys().copied().collect::<Vec<_>>(),
        vec![7, 42],
        "{rejected:?}"
    );
    assert!(rejected[&7].contains(refusal), "{rejected:?}");
    assert!(rejected[&42].contains("Недопустимое изображение"), "{rejected:?}");
    // Each task answered `pending` twice and its outcome on the third poll; nothing was
    // created before it, and a resolved task is not polled on and on.
    let mut polls: BTreeMap<u64, usize> = BTreeMap::new();
    for l in fake.requests_to("/v1/product/import/info") {
        *polls.entry(l.body["task_id"].as_u64().unwrap()).or_default() += 1;
    }
    assert_eq!(polls.len(), fake.requests_to("/v3/product/import").len());
    assert!(polls.values().all(|&n| (3..=5).contains(&n)), "{polls:?}");
    assert_eq!(all.iter().filter(|l| fully_pushed(l)).count(), 98);
    assert_eq!(fake.breaches(), Vec::<String>::new());
}

#[tokio::test]
async fn a_card_missing_a_required_attribute_of_its_ozon_category_is_rejected_before_it_is_sent() {
    let fake = OzonFake::start().await;
    fake.set_required_attributes(&[(85, "Бренд"), (8229, "Тип"), (10096, "Цвет товара")]);
    let app = app_for(&fake).await;
    let ids = products(&app, 3).await;
    map_category(&app).await;
    let account = connect(&app, "Ozon", KEY).await;
    publish(&app, &account, &ids).await;
    let all = wait_for(&app, &account, "rejected", |l| l["state"] == "REJECTED").await;
    for listing in &all {
        let rejection = listing["rejection"].as_str().unwrap();
        assert!(rejection.starts_with("MISSING_ATTRIBUTE"), "{rejection}");
        assert!(
            rejection.contains("Цвет товара") && rejection.contains("10096"),
            "{rejection}"
        );
    }
    assert!(fake.requests_to("/v3/product/import").is_empty(), "nothing sent");
}

async fn set_target(app: &TestApp, listing: &str, price: i64, stock: i64) {
    let set = app
        .graphql(
            "mutation($l: ID!, $p: Int!, $s: Int!) {
                setListingTarget(listingId: $l, priceKopecks: $p, discountPercent: 0, stock: $s) {
                    errors { message } } }",
            json!({ "l": listing, "p": price, "s": stock }),
        )
        .await;
    assert_eq!(set["data"]["setListingTarget"]["errors"], json!([]), "{set}");
}

async fn switch_account(app: &TestApp, account: &str, on: bool) {
    let mutation = if on {
        "enableMarketplaceAccount"
    } else {
        "disableMarketplaceAccount"
    };
    let switched = app
        .graphql(
            &format!("mutation($a: ID!) {{ {mutation}(id: $a) {{ account {{ status }} errors {{ message }} }} }}"),
            json!({ "a": account }),
        )
        .await;
    assert_eq!(switched["data"][mutation]["errors"], json!([]), "{switched}");
}

#[tokio::test]
async fn stocks_go_100_pairs_a_request_and_a_pair_at_most_once_per_30_seconds() {
    let fake = OzonFake::start().await;
    let app = app_for(&fake).await;
    let ids = products(&app, 150).await;
    map_category(&app).await;
    let account = connect(&app, "Ozon", KEY).await;
    publish(&app, &account, &ids).await;
    let first = wait_for(&app, &account, "fully pushed", fully_pushed).await;
    let pushed_at = Instant::now();
    // Every stock changes while the account is off, then goes at once.
    switch_account(&app, &account, false).await;
    for listing in &first {
        let i = index_of(listing);
        set_target(&app, listing["id"].as_str().unwrap(), 150_050 + i * 100, 40 + i).await;
    }
    wait_for(&app, &account, "retargeted", |l| {
        l["target"]["stock"] == 40 + index_of(l)
    })
    .await;
    let before = fake.requests_to("/v2/products/stocks").len();
    switch_account(&app, &account, true).await;
    let within = Duration::from_secs(90);
    let done = |l: &Value| l["stock"]["state"] == "APPLIED" && l["stock"]["value"] == 40 + index_of(l);
    wait_for_within(&app, &account, "restocked", within, done).await;
    let sizes: Vec<usize> = fake.requests_to("/v2/products/stocks")[before..]
        .iter()
        .map(|l| l.body["stocks"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, vec![100, 50], "150 pairs in two requests");
    if pushed_at.elapsed() < Duration::from_secs(30) {
        panic!("the new stocks went within 30 s of the last ones");
    }
    assert_eq!(fake.breaches(), Vec::<String>::new(), "no pair twice within 30 s");
    let stocks = fake.stocks();
    assert_eq!(stocks.len(), 150);
    assert!(stocks.values().all(|&s| s >= 40));
}

#[tokio::test]
async fn eleven_price_changes_within_the_hour_send_at_most_ten_and_the_last_one_goes_live() {
    let fake = OzonFake::start().await;
    // The hour runs 180 times faster here (20 s), for the app and the fake alike.
    let window = Duration::from_secs(20);
    fake.set_price_window(window);
    let mut args = args_for(&fake);
    args.api.marketplace.wb_limits_divisor = 180;
    let app = TestApp::spawn_on(gomarket_testkit::TestDatabase::new(gomarket::MIGRATIONS).await, args).await;
    let ids = products(&app, 1).await;
    map_category(&app).await;
    let account = connect(&app, "Ozon", KEY).await;
    publish(&app, &account, &ids).await;
    let listing = wait_for(&app, &account, "fully pushed", fully_pushed).await.remove(0);
    let id = listing["id"].as_str().unwrap();
    let started = Instant::now();
    // Nine changes go one by one (ten prices with the first); the tenth and eleventh wait
    // for the cap, and only the eleventh, the latest, goes.
    for k in 1..=11 {
        let price = 200_000 + k * 100;
        set_target(&app, id, price, 0).await;
        if k <= 9 {
            wait_for(&app, &account, "repriced", |l| {
                l["price"]["value"] == price && l["price"]["state"] == "APPLIED"
            })
            .await;
        }
    }
    let capped = listings(&app, &account).await.remove(0);
    assert!(started.elapsed() < window, "the changes took longer than the window");
    assert_eq!(fake.prices_sent("OZ-KT-0000"), 10, "{capped}");
    let last = 200_000 + 11 * 100;
    wait_for_within(&app, &account, "with the last price live", window * 2, |l| {
        l["price"]["value"] == last && l["price"]["state"] == "APPLIED"
    })
    .await;
    assert_eq!(fake.price_of("OZ-KT-0000").unwrap().0, "2011.00");
    assert_eq!(
        fake.prices_sent("OZ-KT-0000"),
        11,
        "the tenth change never went: the eleventh replaced it"
    );
    assert_eq!(fake.breaches(), Vec::<String>::new());
}

#[tokio::test]
async fn a_401_marks_the_ozon_account_invalid_and_nothing_more_is_sent() {
    let fake = OzonFake::start().await;
    let app = app_for(&fake).await;
    let ids = products(&app, 5).await;
    map_category(&app).await;
    let account = connect(&app, "Ozon", KEY).await;
    publish(&app, &account, &ids).await;
    let all = wait_for(&app, &account, "fully pushed", fully_pushed).await;
    fake.expire_key(KEY);
    set_target(&app, all[0]["id"].as_str().unwrap(), 999_900, 3).await;
    let status = || async {
        let read = app
            .graphql(
                "query($a: ID!) { marketplaceAccount(id: $a) { status statusReason } }",
                json!({ "a": account }),
            )
            .await;
        read["data"]["marketplaceAccount"].clone()
    };
    eventually(Duration::from_secs(30), "the account marked invalid", || async {
        let account = status().await;
        if account["status"] == "CREDENTIALS_INVALID" {
            Ok(account)
        } else {
            Err(account)
        }
    })
    .await;
    assert!(
        status().await["statusReason"]
            .as_str()
            .unwrap()
            .contains("Invalid Api-Key"),
        "Ozon's words"
    );
    let log = fake.log();
    assert_eq!(log.last().unwrap().status, 401);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(fake.log().len(), log.len(), "no request after the refusal");
}

#[tokio::test]
async fn cards_past_the_daily_quota_wait_for_its_reset_visibly() {
    let fake = OzonFake::start().await;
    fake.set_create_quota(3);
    let app = app_for(&fake).await;
    let ids = products(&app, 5).await;
    map_category(&app).await;
    let account = connect(&app, "Ozon", KEY).await;
    publish(&app, &account, &ids).await;
    let waiting = |l: &Value| l["waitingReason"].as_str().is_some_and(|r| r.contains("daily quota"));
    let all = wait_for(&app, &account, "created or waiting", |l| fully_pushed(l) || waiting(l)).await;
    assert_eq!(all.iter().filter(|l| fully_pushed(l)).count(), 3);
    for listing in all.iter().filter(|l| waiting(l)) {
        assert_eq!(listing["state"], "NOT_PUBLISHED", "{listing}");
        assert!(
            listing["retryAt"].as_str().unwrap().starts_with("2026-12-05T00:00:00"),
            "{listing}"
        );
    }
    let imported: usize = fake
        .requests_to("/v3/product/import")
        .iter()
        .map(|l| l.body["items"].as_array().unwrap().len())
        .sum();
    assert_eq!(imported, 3, "nothing past the quota is sent");
    assert_eq!(fake.breaches(), Vec::<String>::new());
}

#[tokio::test]
async fn a_429_is_waited_out_and_a_5xx_retried() {
    let fake = OzonFake::start().await;
    let busy = json!({ "code": 8, "message": "You have reached request rate limit per second", "details": [] });
    fake.fail_next("/v1/product/import/prices", 429, busy);
    fake.fail_next(
        "/v2/products/stocks",
        503,
        json!({ "code": 14, "message": "Circle is open", "details": [] }),
    );
    let app = app_for(&fake).await;
    let ids = products(&app, 4).await;
    map_category(&app).await;
    let account = connect(&app, "Ozon", KEY).await;
    publish(&app, &account, &ids).await;
    wait_for(&app, &account, "fully pushed", fully_pushed).await;
    let statuses = |path: &str| -> Vec<u16> { fake.requests_to(path).iter().map(|l| l.status).collect() };
    assert_eq!(statuses("/v1/product/import/prices")[..2], [429, 200]);
    assert_eq!(statuses("/v2/products/stocks")[..2], [503, 200]);
}

#[tokio::test]
async fn an_import_whose_answer_was_lost_is_found_by_offer_id_not_sent_again() {
    let fake = OzonFake::start().await;
    // Every attempt of the first import fails; the product exists all the same (the answer,
    // not the import, was lost).
    for _ in 0..5 {
        let down = json!({ "code": 14, "message": "Circle is open", "details": [] });
        fake.fail_next("/v3/product/import", 503, down);
    }
    fake.know_products([("OZ-KT-0000".to_owned(), 300_123_456)]);
    let mut args = args_for(&fake);
    args.api.marketplace.wb_retry_base_ms = 200;
    let app = TestApp::spawn_on(gomarket_testkit::TestDatabase::new(gomarket::MIGRATIONS).await, args).await;
    let ids = products(&app, 1).await;
    map_category(&app).await;
    let account = connect(&app, "Ozon", KEY).await;
    publish(&app, &account, &ids).await;
    let listing = wait_for(&app, &account, "fully pushed", fully_pushed).await.remove(0);
    assert_eq!(listing["cardId"], 300_123_456, "{listing}");
    let imports: Vec<u16> = fake
        .requests_to("/v3/product/import")
        .iter()
        .map(|l| l.status)
        .collect();
    assert_eq!(imports, vec![503; 5], "found by offer id, never imported again");
    assert_eq!(fake.requests_to("/v3/product/info/list").len(), 1);
}
