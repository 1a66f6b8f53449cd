//! Alerts as facts, scripted end to end against the Wildberries fakes: stock falling to two
//! days of cover, a price held by the drop guard, a price below the purchase price, a 401 —
//! each raises exactly its alert, once; the stock alert resolves when stock is back;
//! `acknowledgeAlert` records who in `history`; the alerts flow through `analyticsEvents`.

use crate::support::feeds::FeedServer;
use crate::support::marketplace::{args_for, connect, listings, map_category};
use crate::support::sales_fake::{ORDERS, STOCKS, SalesFake};
use crate::support::sync::{feed, register_supplier, run_when_done, trigger, upsert_policy};
use crate::support::wb_fake::WbFake;
use crate::support::{TestApp, ws};
use chrono::{Duration as Days, Utc};
use gomarket_infra::supplier::generate::ean13;
use gomarket_testkit::{TestDatabase, eventually, until};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

const TOKEN: &str = "wb-token.eyJhbGVydHMiOjF9";

const ALERTS: &str = "query($a: ID, $s: AlertState) { alerts(accountId: $a, state: $s, first: 50) {
    nodes { id condition subject state episode message accountId listingId acknowledgedBy } } }";

async fn alerts(app: &TestApp, account: Option<&str>) -> Vec<Value> {
    let read = app.graphql(ALERTS, json!({ "a": account })).await;
    read["data"]["alerts"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{read}"))
        .clone()
}

/// The alerts by condition, waiting until `condition` is in `state`.
async fn wait_alert(app: &TestApp, condition: &str, state: &str) -> Value {
    eventually(Duration::from_secs(60), "the alert", || async {
        let all = alerts(app, None).await;
        match all.iter().find(|a| a["condition"] == condition && a["state"] == state) {
            Some(alert) => Ok(alert.clone()),
            None => Err(format!("{condition} {state}: {all:?}")),
        }
    })
    .await
}

async fn raised_events(app: &TestApp) -> BTreeMap<String, i64> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT payload -> 'AlertRaised' -> 'scope' ->> 'condition', count(*) FROM events
          WHERE event_type = 'AlertRaised' GROUP BY 1",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    rows.into_iter().collect()
}

/// Moscow report time `minutes` from now (negative: before).
fn report_time(minutes: i64) -> String {
    (Utc::now() + Days::hours(3) + Days::minutes(minutes))
        .naive_utc()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

fn stock_row(nm_id: u64, quantity: i64, minutes: i64) -> Value {
    json!({
        "lastChangeDate": report_time(minutes), "warehouseName": "Коледино",
        "supplierArticle": "GM-SV-0", "nmId": nm_id, "barcode": ean13(1),
        "quantity": quantity, "inWayToClient": 0, "inWayFromClient": 0,
    })
}

async fn set_target(app: &TestApp, listing: &str, price: i64, stock: i64) {
    let set = app
        .graphql(
            "mutation($l: ID!, $p: Int!, $s: Int!) {
                setListingTarget(listingId: $l, priceKopecks: $p, discountPercent: 0, stock: $s) {
                    errors { code message } } }",
            json!({ "l": listing, "p": price, "s": stock }),
        )
        .await;
    assert_eq!(set["data"]["setListingTarget"]["errors"], json!([]), "{set}");
}

#[tokio::test]
async fn a_scripted_day_raises_each_alert_once_and_resolves_the_stock_alert() {
    let wb = WbFake::start().await;
    let reports = SalesFake::start(100).await;
    let mut args = args_for(&wb);
    args.run_ingest = true;
    args.api.marketplace.wb_statistics_url = reports.url();
    args.api.marketplace.wb_tariffs_url = reports.url();
    args.api.marketplace.wb_limits_divisor = 600;
    args.api.marketplace.ingest_interval_ms = 50;
    let app = TestApp::spawn_on(TestDatabase::new(gomarket::MIGRATIONS).await, args).await;

    // Three supplier offers (purchase 1 000, 1 100, 1 200 ₽), synced to Wildberries.
    let server = FeedServer::start().await;
    let offers: Vec<Option<(i64, i64)>> = (0..3).map(|i| Some((1_000 + 100 * i, 20))).collect();
    server.set_feed(feed(&offers));
    let supplier = register_supplier(&app, &server.url("/feed.yml")).await;
    map_category(&app).await;
    let account = connect(&app, "WB", TOKEN).await;
    // The KPI tile, live from here on (read at the end).
    let (mut tiles, _) = ws::connect(
        app.address,
        json!({ "Authorization": format!("Bearer {}", app.admin_token) }),
    )
    .await;
    ws::subscribe(
        &mut tiles,
        "m",
        "subscription($a: ID!) { metrics(accountId: $a, period: LAST_30_DAYS) {
            computedAt today { orders } periodSales { orders orderedKopecks revenueKopecks } heldPrices openAlerts listingsOutOfStock } }",
        json!({ "a": account }),
    )
    .await;
    let first_tile = ws::next_message(&mut tiles).await;
    assert_eq!(
        first_tile["payload"]["data"]["metrics"]["periodSales"]["orders"], 0,
        "a tile at once: {first_tile}"
    );
    let policy = upsert_policy(
        &app,
        json!({ "name": "Север → WB", "supplierIds": [supplier], "accountId": account }),
    )
    .await;
    let first = run_when_done(&app, &trigger(&app, &policy).await).await;
    assert_eq!(first["status"], "COMPLETED", "{first}");
    let listed = listings(&app, &account).await;
    let listing_of = |code: &str| -> String {
        listed
            .iter()
            .find(|l| l["vendorCode"] == code)
            .and_then(|l| l["id"].as_str())
            .unwrap_or_else(|| panic!("{code}: {listed:?}"))
            .to_owned()
    };
    let nm_id = wb.nm_id_of("GM-SV-0").expect("card of SV-0");

    // 1. Thirty orders over the last four weeks, then 2 units left: 2 days of cover
    // (threshold 3) at a unit a day.
    let orders: Vec<Value> = (0..30)
        .map(|day| {
            let minutes = -28 * 24 * 60 + day * 22 * 60;
            json!({
                "date": report_time(minutes), "lastChangeDate": report_time(minutes + 5),
                "warehouseName": "Коледино", "regionName": "Московская",
                "supplierArticle": "GM-SV-0", "nmId": nm_id, "barcode": ean13(1),
                "totalPrice": 2000, "discountPercent": 0, "spp": 0,
                "finishedPrice": 2000, "priceWithDisc": 2000,
                "isCancel": false, "cancelDate": "0001-01-01T00:00:00", "srid": format!("srid-{day}"),
            })
        })
        .collect();
    reports.set_rows(ORDERS, orders);
    until(Duration::from_secs(60), "30 units in the 30-day window", || async {
        let units: Option<i32> =
            sqlx::query_scalar("SELECT units FROM sales_performance WHERE period_days = 30 AND nm_id = $1")
                .bind(nm_id as i64)
                .fetch_optional(&app.db.pool)
                .await
                .unwrap();
        units == Some(30)
    })
    .await;
    reports.set_rows(STOCKS, vec![stock_row(nm_id, 2, -120)]);
    let stock_alert = wait_alert(&app, "STOCK_COVER_LOW", "OPEN").await;
    assert_eq!(stock_alert["accountId"], account.as_str());
    assert!(
        stock_alert["message"].as_str().unwrap().contains("2.0 days"),
        "{stock_alert}"
    );

    // 2. A 70 % cut of SV-1's purchase price: the drop guard holds the new price.
    let mut cut = offers.clone();
    cut[1] = Some((330, 20));
    server.set_feed(feed(&cut));
    let second = run_when_done(&app, &trigger(&app, &policy).await).await;
    assert_eq!(second["outcomeCounts"]["held"], 1, "{second}");
    let held = wait_alert(&app, "PRICE_HELD", "OPEN").await;
    assert_eq!(held["listingId"], listing_of("GM-SV-1").as_str());

    // 3. SV-2 priced below its purchase price (1 200 ₽) by hand: a negative planned margin.
    set_target(&app, &listing_of("GM-SV-2"), 90_000, 20).await;
    let margin = wait_alert(&app, "NEGATIVE_MARGIN", "OPEN").await;
    assert_eq!(margin["listingId"], listing_of("GM-SV-2").as_str());
    assert!(margin["message"].as_str().unwrap().contains("-300.00 ₽"), "{margin}");

    // 4. Stock is back: the stock alert resolves.
    reports.set_rows(STOCKS, vec![stock_row(nm_id, 40, -60)]);
    let resolved = wait_alert(&app, "STOCK_COVER_LOW", "RESOLVED").await;
    assert_eq!(resolved["id"], stock_alert["id"]);

    // 5. Wildberries refuses the token (401) on the next push.
    wb.expire_token(TOKEN);
    set_target(&app, &listing_of("GM-SV-0"), 250_000, 5).await;
    let refused = wait_alert(&app, "CREDENTIALS_INVALID", "OPEN").await;
    assert_eq!(refused["accountId"], account.as_str());

    // Exactly those alerts, each raised once, however often their conditions were seen.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let all = alerts(&app, None).await;
    let mut conditions: Vec<(String, String)> = all
        .iter()
        .map(|a| {
            (
                a["condition"].as_str().unwrap().to_owned(),
                a["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    conditions.sort();
    assert_eq!(
        conditions,
        [
            ("CREDENTIALS_INVALID".to_owned(), "OPEN".to_owned()),
            ("NEGATIVE_MARGIN".to_owned(), "OPEN".to_owned()),
            ("PRICE_HELD".to_owned(), "OPEN".to_owned()),
            ("STOCK_COVER_LOW".to_owned(), "RESOLVED".to_owned()),
        ],
        "{all:?}"
    );
    let raised = raised_events(&app).await;
    assert!(raised.values().all(|n| *n == 1), "{raised:?}");
    assert_eq!(raised.len(), 4, "{raised:?}");
    assert_eq!(alerts(&app, Some(&account)).await.len(), 4);

    // An operator acknowledges the held price; the alert's history names them.
    let (_, operator) = app.user_with_roles("ops@alerts.test", &["OPERATOR"]).await;
    let acknowledged = app
        .graphql_as(
            Some(&operator),
            "mutation($id: ID!) { acknowledgeAlert(id: $id) {
                alert { state acknowledgedBy } errors { code } consistencyToken } }",
            json!({ "id": held["id"] }),
        )
        .await;
    let payload = &acknowledged["data"]["acknowledgeAlert"];
    assert_eq!(payload["alert"]["state"], "ACKNOWLEDGED", "{acknowledged}");
    let by = payload["alert"]["acknowledgedBy"].as_str().unwrap().to_owned();
    assert!(by.starts_with("user:"), "{by}");
    let history = app
        .graphql(
            "query($id: ID!) { history(aggregateType: \"Alert\", aggregateId: $id, first: 10) {
                nodes { type actor } } }",
            json!({ "id": held["id"] }),
        )
        .await;
    let story: Vec<(String, String)> = history["data"]["history"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{history}"))
        .iter()
        .map(|n| {
            (
                n["type"].as_str().unwrap().to_owned(),
                n["actor"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        story,
        [
            ("AlertRaised".to_owned(), "system:alerting".to_owned()),
            ("AlertAcknowledged".to_owned(), by.clone())
        ]
    );
    let token = payload["consistencyToken"].as_str().unwrap();
    let listed = app
        .graphql(
            "query($t: String) { alerts(state: ACKNOWLEDGED, first: 10, consistentWith: $t) { nodes { id acknowledgedBy } } }",
            json!({ "t": token }),
        )
        .await;
    assert_eq!(
        listed["data"]["alerts"]["nodes"][0]["acknowledgedBy"],
        by.as_str(),
        "{listed}"
    );
    // A viewer may read alerts but not acknowledge them.
    let (_, viewer) = app.user_with_roles("viewer@alerts.test", &["VIEWER"]).await;
    let refused = app
        .graphql_as(
            Some(&viewer),
            "mutation($id: ID!) { acknowledgeAlert(id: $id) { errors { code } } }",
            json!({ "id": margin["id"] }),
        )
        .await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN", "{refused}");

    // The tile followed: at most one a second, the last one with the month's orders and the
    // open alerts.
    let mut seen_tiles = vec![first_tile["payload"]["data"]["metrics"].clone()];
    while let Ok(message) = tokio::time::timeout(Duration::from_secs(4), ws::next_message(&mut tiles)).await {
        seen_tiles.push(message["payload"]["data"]["metrics"].clone());
    }
    let last = seen_tiles.last().unwrap();
    assert_eq!(last["periodSales"]["orders"], 30, "{seen_tiles:?}");
    assert_eq!(last["periodSales"]["orderedKopecks"], 30 * 200_000, "{last}");
    assert_eq!(
        last["periodSales"]["revenueKopecks"], 0,
        "nothing bought out yet: {last}"
    );
    assert_eq!(last["heldPrices"], 1, "{last}");
    assert_eq!(last["openAlerts"], 3, "{last}");
    assert_eq!(last["listingsOutOfStock"], 0, "{last}");
    let times: Vec<chrono::DateTime<Utc>> = seen_tiles
        .iter()
        .map(|t| t["computedAt"].as_str().unwrap().parse().unwrap())
        .collect();
    for pair in times.windows(2) {
        assert!(pair[1] - pair[0] >= Days::milliseconds(990), "{times:?}");
    }
    for pair in seen_tiles.windows(2) {
        let strip = |t: &Value| {
            let mut t = t.clone();
            t["computedAt"] = Value::Null;
            t
        };
        assert_ne!(strip(&pair[0]), strip(&pair[1]), "a tile is sent only when it changed");
    }

    // The alerts are facts like any: five of them in the analytics feed, in order.
    let (mut socket, _) = ws::connect(
        app.address,
        json!({ "Authorization": format!("Bearer {}", app.admin_token) }),
    )
    .await;
    ws::subscribe(
        &mut socket,
        "a",
        "subscription { analyticsEvents(after: \"0.0.0\", filter: { kinds: [ALERT_RAISED, ALERT_RESOLVED, ALERT_ACKNOWLEDGED] }) {
            events { kind ... on AlertRaised { alert { condition } } } } }",
        json!({}),
    )
    .await;
    let mut kinds = Vec::new();
    while kinds.len() < 6 {
        let message = ws::next_message(&mut socket).await;
        for event in message["payload"]["data"]["analyticsEvents"]["events"]
            .as_array()
            .unwrap_or_else(|| panic!("{message}"))
        {
            kinds.push(event["kind"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(kinds.iter().filter(|k| *k == "ALERT_RAISED").count(), 4, "{kinds:?}");
    assert_eq!(kinds.iter().filter(|k| *k == "ALERT_RESOLVED").count(), 1, "{kinds:?}");
    assert_eq!(
        kinds.last().map(String::as_str),
        Some("ALERT_ACKNOWLEDGED"),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn alert_rules_default_then_set_and_checked() {
    let wb = WbFake::start().await;
    let app = TestApp::spawn_on(TestDatabase::new(gomarket::MIGRATIONS).await, args_for(&wb)).await;
    let account = connect(&app, "WB", "wb-token.eyJydWxlcyI6MX0").await;
    let read = app
        .graphql(
            "query($a: ID!) { alertRules(accountId: $a) { stockCoverDays minMarginKopecks muted customized } }",
            json!({ "a": account }),
        )
        .await;
    assert_eq!(
        read["data"]["alertRules"],
        json!({ "stockCoverDays": 3, "minMarginKopecks": 0, "muted": [], "customized": false })
    );
    let set = "mutation($a: ID!, $r: AlertRulesInput!) { setAlertRules(accountId: $a, rules: $r) {
        rules { stockCoverDays minMarginKopecks muted customized } errors { field code } } }";
    let changed = app
        .graphql(
            set,
            json!({ "a": account, "r": { "stockCoverDays": 7, "minMarginKopecks": 5000, "muted": ["PRICE_HELD"] } }),
        )
        .await;
    assert_eq!(
        changed["data"]["setAlertRules"]["rules"],
        json!({ "stockCoverDays": 7, "minMarginKopecks": 5000, "muted": ["PRICE_HELD"], "customized": true }),
        "{changed}"
    );
    for (rules, field, code) in [
        (
            json!({ "stockCoverDays": 400, "minMarginKopecks": 0 }),
            "rules.stockCoverDays",
            "BAD_USER_INPUT",
        ),
        (
            json!({ "stockCoverDays": -1, "minMarginKopecks": 0 }),
            "rules.stockCoverDays",
            "BAD_USER_INPUT",
        ),
    ] {
        let refused = app.graphql(set, json!({ "a": account, "r": rules })).await;
        assert_eq!(
            refused["data"]["setAlertRules"]["errors"],
            json!([{ "field": field, "code": code }]),
            "{refused}"
        );
    }
    let unknown = app
        .graphql(
            set,
            json!({ "a": uuid::Uuid::now_v7().to_string(), "r": { "stockCoverDays": 1, "minMarginKopecks": 0 } }),
        )
        .await;
    assert_eq!(
        unknown["data"]["setAlertRules"]["errors"][0]["code"], "NOT_FOUND",
        "{unknown}"
    );
    // What was stored is still there.
    let read = app
        .graphql(
            "query($a: ID!) { alertRules(accountId: $a) { stockCoverDays } }",
            json!({ "a": account }),
        )
        .await;
    assert_eq!(read["data"]["alertRules"]["stockCoverDays"], 7);
}
