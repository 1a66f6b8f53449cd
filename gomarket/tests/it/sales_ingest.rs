//! The sales ingest against a scripted statistics API (small pages, the documented paging by
//! `lastChangeDate`): every order, buyout and return becomes exactly one fact, matched to its
//! listing and product (by vendor code, else barcode); rows that match nothing are recorded all
//! the same; an unreadable row is kept with its reason; a second full read writes nothing; a
//! cancellation that arrives later is one `OrderCancelled`; a 429 is waited out; each method
//! keeps its rate (here scaled: one request per 60 s / `LIMITS_DIVISOR`).

use crate::support::TestApp;
use crate::support::marketplace::{args_for, connect, listings, map_category, products, publish};
use crate::support::roles::Deployment;
use crate::support::sales_fake::{COMMISSION, ORDERS, SALES, STOCKS, SalesFake};
use crate::support::wb_fake::WbFake;
use chrono::{Duration as Days, Utc};
use gomarket_infra::supplier::generate::ean13;
use gomarket_testkit::{TestDatabase, eventually, until};
use serde_json::{Value, json};
use std::time::Duration;

const LISTED: usize = 12;
const DAYS: usize = 8;
/// One minute becomes 100 ms: the limits' logic, at a pace a test can wait for.
const LIMITS_DIVISOR: u32 = 600;

/// A report time `minutes` after `base` (Moscow time, no zone, as the reports write it).
fn at(base: chrono::NaiveDateTime, minutes: i64) -> String {
    (base + Days::minutes(minutes)).format("%Y-%m-%dT%H:%M:%S").to_string()
}

struct History {
    orders: Vec<Value>,
    sales: Vec<Value>,
    stocks: Vec<Value>,
    cancelled: usize,
    buyouts: usize,
    returns: usize,
    unmatched_orders: usize,
}

/// Orders of each listed product on each of `DAYS` days (every fifth cancelled), a buyout of
/// every other one not cancelled, one return; five orders of vendor codes nobody lists; the
/// first product's orders name only its barcode; one order row that cannot be read.
fn history(vendor_codes: &[String]) -> History {
    let base = (Utc::now() - Days::days(20) + Days::hours(3)).naive_utc();
    let (mut orders, mut sales, mut stocks) = (Vec::new(), Vec::new(), Vec::new());
    let (mut cancelled, mut buyouts, mut returns) = (0, 0, 0);
    for (i, vendor_code) in vendor_codes.iter().enumerate() {
        for day in 0..DAYS {
            let minutes = (day * 24 * 60 + i * 7) as i64;
            let srid = format!("srid-{i}-{day}");
            let is_cancel = (i + day) % 5 == 0;
            cancelled += usize::from(is_cancel);
            orders.push(json!({
                "date": at(base, minutes), "lastChangeDate": at(base, minutes + 30),
                "warehouseName": "Коледино", "regionName": "Московская",
                "supplierArticle": if i == 0 { "" } else { vendor_code.as_str() },
                "nmId": 500_000 + i, "barcode": ean13(i as u64),
                "totalPrice": 2000, "discountPercent": 25, "spp": 10.5,
                "finishedPrice": 1342.87, "priceWithDisc": 1500.55,
                "isCancel": is_cancel,
                "cancelDate": if is_cancel { at(base, minutes + 60) } else { "0001-01-01T00:00:00".to_owned() },
                "srid": srid,
            }));
            if !is_cancel && day % 2 == 0 {
                buyouts += 1;
                sales.push(json!({
                    "date": at(base, minutes + 24 * 60), "lastChangeDate": at(base, minutes + 24 * 60 + 5),
                    "warehouseName": "Коледино", "regionName": "Московская",
                    "supplierArticle": vendor_code, "nmId": 500_000 + i, "barcode": ean13(i as u64),
                    "totalPrice": 2000, "discountPercent": 25, "spp": 10.5,
                    "forPay": 1284.01, "finishedPrice": 1342.87, "priceWithDisc": 1500.55,
                    "saleID": format!("S{i}x{day}"), "srid": format!("srid-{i}-{day}"),
                }));
                if i == 1 && day == 2 {
                    returns += 1;
                    sales.push(json!({
                        "date": at(base, minutes + 48 * 60), "lastChangeDate": at(base, minutes + 48 * 60 + 5),
                        "warehouseName": "Коледино", "regionName": "Московская",
                        "supplierArticle": vendor_code, "nmId": 500_001, "barcode": ean13(1),
                        "totalPrice": 2000, "discountPercent": 25, "spp": 10.5,
                        "forPay": -1284.01, "finishedPrice": -1342.87, "priceWithDisc": -1500.55,
                        "saleID": format!("R{i}x{day}"), "srid": format!("srid-{i}-{day}"),
                    }));
                }
            }
        }
        stocks.push(json!({
            "lastChangeDate": at(base, 60 * 24 * DAYS as i64), "warehouseName": "Коледино",
            "supplierArticle": vendor_code, "nmId": 500_000 + i, "barcode": ean13(i as u64),
            "quantity": 10 + i, "inWayToClient": 1, "inWayFromClient": 0,
        }));
    }
    for n in 0..5 {
        orders.push(json!({
            "date": at(base, n), "lastChangeDate": at(base, n + 1),
            "warehouseName": "Казань", "regionName": "Татарстан",
            "supplierArticle": format!("NOT-OURS-{n}"), "nmId": 900_000 + n, "barcode": "0000000000000",
            "totalPrice": 999, "discountPercent": 0, "spp": 0, "finishedPrice": 999, "priceWithDisc": 999,
            "isCancel": false, "cancelDate": "0001-01-01T00:00:00", "srid": format!("stranger-{n}"),
        }));
    }
    orders.push(json!({
        "date": at(base, 2), "lastChangeDate": at(base, 3), "nmId": 1, "srid": "broken",
        "totalPrice": "abc", "discountPercent": 0, "spp": 0, "finishedPrice": 1, "priceWithDisc": 1,
    }));
    History {
        orders,
        sales,
        stocks,
        cancelled,
        buyouts,
        returns,
        unmatched_orders: 5,
    }
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db.pool).await.unwrap()
}

async fn facts(app: &TestApp, event_type: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = $1")
        .bind(event_type)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

/// Waits until every report was read to its end after `since` requests of each.
async fn caught_up(app: &TestApp) {
    until(Duration::from_secs(60), "every report read to its end", || async {
        count(
            app,
            "SELECT count(*) FROM sales_report_cursors WHERE caught_up_at IS NOT NULL AND report <> 'commission'",
        )
        .await
            == 3
    })
    .await;
}

#[tokio::test]
async fn every_reported_fact_is_recorded_once_and_a_second_read_writes_nothing() {
    let wb = WbFake::start().await;
    let reports = SalesFake::start(17).await;
    let mut args = args_for(&wb);
    args.run_ingest = true;
    args.api.marketplace.wb_statistics_url = reports.url();
    args.api.marketplace.wb_tariffs_url = reports.url();
    args.api.marketplace.wb_limits_divisor = LIMITS_DIVISOR;
    args.api.marketplace.ingest_interval_ms = 50;
    // The commission table is read as soon as the account is connected (then once a day).
    reports.set_rows(
        COMMISSION,
        vec![
            json!({"kgvpMarketplace": 15.5, "kgvpSupplier": 12.5, "paidStorageKgvp": 17, "parentID": 657,
                   "parentName": "Бытовая техника", "subjectID": 7771, "subjectName": "Чайники электрические"}),
            json!({"kgvpMarketplace": 21, "paidStorageKgvp": 19.5, "parentID": 1,
                   "parentName": "Одежда", "subjectID": 105, "subjectName": "Платья"}),
            json!({"kgvpMarketplace": "много", "subjectID": 9}),
        ],
    );
    let app = TestApp::spawn_on(TestDatabase::new(gomarket::MIGRATIONS).await, args).await;
    map_category(&app).await;
    let ids = products(&app, LISTED).await;
    let account = connect(&app, "WB", "token-sales").await;
    publish(&app, &account, &ids).await;
    let listed = eventually(Duration::from_secs(30), "every listing in the read model", || async {
        let listed = listings(&app, &account).await;
        if listed.len() == LISTED {
            Ok(listed)
        } else {
            Err(listed.len())
        }
    })
    .await;
    let mut vendor_codes: Vec<String> = listed
        .iter()
        .map(|l| l["vendorCode"].as_str().unwrap().to_owned())
        .collect();
    vendor_codes.sort();

    // The history appears once the listings exist (the first read may already have found `[]`).
    let history = history(&vendor_codes);
    reports.rate_limit_next(ORDERS, 1);
    reports.set_rows(ORDERS, history.orders.clone());
    reports.set_rows(SALES, history.sales.clone());
    reports.set_rows(STOCKS, history.stocks.clone());
    let orders = (LISTED * DAYS + history.unmatched_orders) as i64;
    let expected = (orders, history.buyouts as i64, history.returns as i64, LISTED as i64);
    eventually(Duration::from_secs(120), "every fact recorded", || async {
        let seen = (
            facts(&app, "OrderPlaced").await,
            facts(&app, "SaleRecorded").await,
            facts(&app, "ReturnRecorded").await,
            facts(&app, "MarketplaceStockObserved").await,
        );
        if seen == expected { Ok(()) } else { Err(seen) }
    })
    .await;
    caught_up(&app).await;
    assert_eq!(facts(&app, "OrderCancelled").await, history.cancelled as i64);
    // The commission table: a fact per readable subject, read once a day (one request so far).
    until(Duration::from_secs(30), "the commission recorded", || async {
        facts(&app, "CommissionRatesObserved").await == 2
    })
    .await;
    let rate: Option<String> = sqlx::query_scalar(
        "SELECT payload->'CommissionRatesObserved'->'rates'->>'seller_warehouse' FROM events
          WHERE event_type = 'CommissionRatesObserved' AND payload->'CommissionRatesObserved'->>'subject_id' = '7771'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(rate.as_deref(), Some("1550"));
    // Exactly one fact per Wildberries key.
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM (SELECT payload->'OrderPlaced'->>'srid' FROM events
               WHERE event_type = 'OrderPlaced' GROUP BY 1 HAVING count(*) > 1) AS twice"
        )
        .await,
        0
    );
    // Matched by vendor code, or by barcode for the product whose rows name none; the
    // strangers' orders are recorded without a match.
    let unmatched = count(
        &app,
        "SELECT count(*) FROM events WHERE event_type = 'OrderPlaced'
           AND payload->'OrderPlaced'->'matched'->>'product_id' IS NULL",
    )
    .await;
    assert_eq!(unmatched, history.unmatched_orders as i64);
    let by_barcode = count(
        &app,
        "SELECT count(*) FROM events WHERE event_type = 'OrderPlaced'
           AND payload->'OrderPlaced'->>'vendor_code' = ''
           AND payload->'OrderPlaced'->'matched'->>'listing_id' IS NOT NULL",
    )
    .await;
    assert_eq!(by_barcode, DAYS as i64);
    // The unreadable row is kept with its reason.
    let invalid: Vec<(String, Option<String>, String)> =
        sqlx::query_as("SELECT report, row_key, reason FROM sales_invalid_rows")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    let orders_invalid: Vec<_> = invalid.iter().filter(|r| r.0 == "orders").collect();
    assert_eq!(orders_invalid.len(), 1, "{invalid:?}");
    assert_eq!(orders_invalid[0].1.as_deref(), Some("broken"));
    assert!(orders_invalid[0].2.contains("abc"), "{invalid:?}");
    assert!(
        invalid.iter().any(|r| r.0 == "commission" && r.2.contains("много")),
        "{invalid:?}"
    );

    // The figures, computed apart from the fake's rows, exactly (kopecks).
    let (ordered, revenue, payout) = (
        (LISTED * DAYS) as i64 * 150_055 + history.unmatched_orders as i64 * 99_900,
        (history.buyouts - history.returns) as i64 * 150_055,
        (history.buyouts - history.returns) as i64 * 128_401,
    );
    let expected_totals = json!({
        "orders": orders, "cancellations": history.cancelled, "buyouts": history.buyouts,
        "returns": history.returns, "units": history.buyouts - history.returns,
        "orderedKopecks": ordered, "revenueKopecks": revenue, "payoutKopecks": payout,
    });
    let summary = |group_by: &'static str| {
        let app = &app;
        let account = account.clone();
        async move {
            let from = (Utc::now() - Days::days(30)).date_naive().to_string();
            let to = (Utc::now() + Days::days(1)).date_naive().to_string();
            app.graphql(
                "query($a: ID!, $f: Date!, $t: Date!, $g: SalesGrouping) {
                    salesSummary(accountId: $a, from: $f, to: $t, groupBy: $g) {
                        buckets { start orders buyouts revenueKopecks }
                        totals { orders cancellations buyouts returns units orderedKopecks revenueKopecks payoutKopecks } } }",
                json!({ "a": account, "f": from, "t": to, "g": group_by }),
            )
            .await
        }
    };
    eventually(Duration::from_secs(30), "the sales figures", || async {
        let answer = summary("DAY").await;
        let totals = &answer["data"]["salesSummary"]["totals"];
        if *totals == expected_totals {
            Ok(())
        } else {
            Err(answer)
        }
    })
    .await;
    let by_day = summary("DAY").await;
    let by_week = summary("WEEK").await;
    let days = by_day["data"]["salesSummary"]["buckets"].as_array().unwrap().len();
    let weeks = by_week["data"]["salesSummary"]["buckets"].as_array().unwrap().len();
    assert!(days >= DAYS && weeks < days, "{days} days, {weeks} weeks");
    assert_eq!(by_week["data"]["salesSummary"]["totals"], expected_totals);
    let unmatched = app
        .graphql(
            "query($a: ID!) { unmatchedMarketplaceRows(accountId: $a, first: 3) {
                totalCount pageInfo { hasNextPage endCursor } nodes { kind srid vendorCode nmId } } }",
            json!({ "a": account }),
        )
        .await;
    let rows = &unmatched["data"]["unmatchedMarketplaceRows"];
    assert_eq!(rows["totalCount"], 5, "{unmatched}");
    assert_eq!(rows["nodes"].as_array().unwrap().len(), 3);
    assert!(
        rows["nodes"][0]["vendorCode"]
            .as_str()
            .unwrap()
            .starts_with("NOT-OURS-")
    );
    let rest = app
        .graphql(
            "query($a: ID!, $after: String) { unmatchedMarketplaceRows(accountId: $a, after: $after) {
                pageInfo { hasNextPage } nodes { srid } } }",
            json!({ "a": account, "after": rows["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(
        rest["data"]["unmatchedMarketplaceRows"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "{rest}"
    );

    // Read-your-writes: a write's token makes the query wait for the sales read model; a
    // token that is none is refused.
    let created = app.create_product(crate::support::product_input("AFTER-1")).await;
    let token = created["data"]["createProduct"]["consistencyToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let consistent = |token: String| {
        let app = &app;
        let account = account.clone();
        async move {
            app.graphql(
                "query($a: ID!, $t: String) { salesSummary(accountId: $a, from: \"2026-01-01\", to: \"2026-12-31\",
                    consistentWith: $t) { totals { orders } }
                  unmatchedMarketplaceRows(accountId: $a, consistentWith: $t) { totalCount } }",
                json!({ "a": account, "t": token }),
            )
            .await
        }
    };
    let answer = consistent(token).await;
    assert!(answer["errors"].is_null(), "{answer}");
    assert_eq!(answer["data"]["unmatchedMarketplaceRows"]["totalCount"], 5);
    let refused = consistent("not-a-token".to_owned()).await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{refused}"
    );

    // Rebuilt from the store, the read model is the same, row for row.
    let snapshot = |app: &TestApp| {
        let pool = app.db.pool.clone();
        async move {
            let rows: Vec<(String,)> = sqlx::query_as(
                "SELECT row_to_json(d)::text FROM sales_daily d
                 UNION ALL SELECT row_to_json(a)::text FROM sales_account_daily a ORDER BY 1",
            )
            .fetch_all(&pool)
            .await
            .unwrap();
            rows
        }
    };
    let before = snapshot(&app).await;
    gomarket::roles::replay(&app.db.pool, "sales")
        .await
        .expect("the sales read model rebuilds");
    assert_eq!(snapshot(&app).await, before);

    // The first read went back 90 days; the history took several full pages.
    let first = chrono::DateTime::parse_from_rfc3339(&reports.asked(ORDERS)[0].date_from).unwrap();
    let back = Utc::now().signed_duration_since(first.with_timezone(&Utc));
    assert!((back - Days::days(90)).num_minutes().abs() < 10, "{back:?}");
    assert!(reports.asked(ORDERS).iter().filter(|a| a.rows == 17).count() >= 3);

    // The 429 was waited out, and each method kept its (scaled) rate.
    let asked = reports.asked(ORDERS);
    assert_eq!(asked.iter().filter(|a| a.status == 429).count(), 1);
    let after_429 = asked.iter().position(|a| a.status == 429).unwrap();
    assert!(asked[after_429 + 1].at - asked[after_429].at >= Duration::from_millis(950));
    let interval = Duration::from_secs(60) / LIMITS_DIVISOR;
    for path in [ORDERS, SALES, STOCKS] {
        let asked = reports.asked(path);
        for pair in asked.windows(2) {
            assert!(
                pair[1].at - pair[0].at >= interval - Duration::from_millis(5),
                "{path}: two requests {:?} apart",
                pair[1].at - pair[0].at
            );
        }
    }

    // Read again (the overlap window re-reads the recent rows): nothing new.
    let events = count(&app, "SELECT count(*) FROM events").await;
    let requests = reports.asked(ORDERS).len();
    until(Duration::from_secs(30), "more reads", || async {
        reports.asked(ORDERS).len() >= requests + 3
    })
    .await;
    assert_eq!(count(&app, "SELECT count(*) FROM events").await, events);

    // A cancellation reported a day later: one `OrderCancelled`.
    let now = (Utc::now() + Days::hours(3)).naive_utc();
    reports.edit_rows(ORDERS, |rows| {
        let row = rows.iter_mut().find(|r| r["srid"] == "srid-3-1").unwrap();
        row["isCancel"] = json!(true);
        row["cancelDate"] = json!(at(now, -10));
        row["lastChangeDate"] = json!(at(now, -5));
    });
    until(Duration::from_secs(30), "the late cancellation recorded", || async {
        facts(&app, "OrderCancelled").await == history.cancelled as i64 + 1
    })
    .await;
    let requests = reports.asked(ORDERS).len();
    until(Duration::from_secs(30), "more reads", || async {
        reports.asked(ORDERS).len() >= requests + 3
    })
    .await;
    assert_eq!(facts(&app, "OrderCancelled").await, history.cancelled as i64 + 1);
    assert_eq!(count(&app, "SELECT count(*) FROM events").await, events + 1);
    assert_eq!(reports.asked(COMMISSION).len(), 1);
}

/// `gomarket ingest` killed (SIGKILL) again and again while it reads and records pages: a page
/// commits in slices of 5 000 rows, each whole or not at all, and once it is let finish every
/// order is one fact.
#[tokio::test]
async fn an_ingester_killed_mid_page_loses_and_doubles_nothing() {
    const ROWS: usize = 12_000;
    const PAGE: usize = 6_000;
    let wb = WbFake::start().await;
    let reports = SalesFake::start(PAGE).await;
    let app = TestApp::spawn_on(TestDatabase::new(gomarket::MIGRATIONS).await, args_for(&wb)).await;
    connect(&app, "WB", "token-kill").await;
    let base = (Utc::now() - Days::days(30) + Days::hours(3)).naive_utc();
    let orders: Vec<Value> = (0..ROWS)
        .map(|n| {
            let minutes = n as i64;
            json!({
                "date": at(base, minutes), "lastChangeDate": at(base, minutes + 1),
                "warehouseName": "Коледино", "regionName": "Московская", "supplierArticle": format!("X-{n}"),
                "nmId": 700_000 + n % 50, "barcode": "", "totalPrice": 1000, "discountPercent": 0, "spp": 0,
                "finishedPrice": 1000, "priceWithDisc": 1000.5, "isCancel": false,
                "cancelDate": "0001-01-01T00:00:00", "srid": format!("kill-{n}"),
            })
        })
        .collect();
    reports.set_rows(ORDERS, orders);
    let deployment = Deployment::new(&app.db.url, &wb, None);
    let env = [
        ("GOMARKET_WB_STATISTICS_URL", reports.url()),
        ("GOMARKET_WB_TARIFFS_URL", reports.url()),
        ("GOMARKET_WB_LIMITS_DIVISOR", LIMITS_DIVISOR.to_string()),
        ("GOMARKET_INGEST_INTERVAL_MS", "20".to_owned()),
    ];
    let placed = || facts(&app, "OrderPlaced");
    // Kills spread over a page's recording (a debug build records this one in ~300 ms), so
    // some land between its slices.
    for delay_ms in [0_u64, 40, 120, 200, 250, 300, 400] {
        let served = reports.asked(ORDERS).iter().filter(|a| a.rows > 0).count();
        let mut ingester = deployment.spawn(&["ingest"], &env);
        until(Duration::from_secs(60), "the next page served", || async {
            reports.asked(ORDERS).iter().filter(|a| a.rows > 0).count() > served
        })
        .await;
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        ingester.start_kill().unwrap();
        ingester.wait().await.unwrap();
        // Never part of a slice. A page is a slice of 5 000 rows and one of 1 000. The first
        // page holds PAGE new orders; the second starts at the first's last change, so it
        // repeats that row (the same fact): its slices add 4 999 and 1 000; the third page
        // is the last row.
        let recorded = placed().await as usize;
        assert!(
            [0, 5_000, PAGE, PAGE + 4_999, PAGE + 5_999, ROWS].contains(&recorded),
            "{recorded} facts after a kill"
        );
    }
    let mut ingester = deployment.spawn(&["ingest"], &env);
    until(Duration::from_secs(120), "every order recorded", || async {
        placed().await as usize == ROWS
    })
    .await;
    caught_up_orders(&app).await;
    ingester.start_kill().unwrap();
    ingester.wait().await.unwrap();
    assert_eq!(placed().await as usize, ROWS);
    assert_eq!(
        count(
            &app,
            "SELECT count(DISTINCT payload->'OrderPlaced'->>'srid') FROM events WHERE event_type = 'OrderPlaced'"
        )
        .await as usize,
        ROWS
    );
}

async fn caught_up_orders(app: &TestApp) {
    until(Duration::from_secs(60), "the orders read to their end", || async {
        count(
            app,
            "SELECT count(*) FROM sales_report_cursors WHERE report = 'orders' AND caught_up_at IS NOT NULL",
        )
        .await
            == 1
    })
    .await;
}
