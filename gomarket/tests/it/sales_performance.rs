//! The analytics read models against a scripted 89-day history of 200 listed articles (small
//! report pages): `productPerformance` shows, for every article and window, exactly the
//! figures computed apart from the report rows (kopecks exact; rates as the same arithmetic);
//! its orders and filters hold; a listing's `sales`, `unitEconomics`, `stockCover` and
//! `priceHistory` agree; a restock closes an outage; the read models rebuild identical; the
//! pricing explanation warns of the commission Wildberries reports.

use crate::support::TestApp;
use crate::support::marketplace::{args_for, connect, fully_pushed, map_category, products, publish, wait_for_within};
use crate::support::sales_fake::{COMMISSION, ORDERS, SALES, STOCK_HISTORY, STOCKS, SalesFake};
use crate::support::sales_history::{Article, Expected, NODE, SalesHistory, moscow_now};
use crate::support::wb_fake::WbFake;
use chrono::{Duration as Days, NaiveDate};
use gomarket_testkit::{TestDatabase, eventually, until};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

const LISTED: usize = 200;
const PAGE: usize = 500;
const LIMITS_DIVISOR: u32 = 600;

const PERFORMANCE: &str = "query($a: ID!, $p: PerformancePeriod, $s: PerformanceSort, $f: PerformanceFilter,
    $after: String) {
    productPerformance(accountId: $a, period: $p, sort: $s, filter: $f, first: 100, after: $after) {
        totalCount pageInfo { hasNextPage endCursor asOf } nodes { NODE } } }";

/// Every row of `productPerformance` in its order, and the day its windows end on.
async fn performance(app: &TestApp, account: &str, period: &str, sort: &str, filter: Value) -> (Vec<Value>, String) {
    let query = PERFORMANCE.replace("NODE", NODE);
    let (mut rows, mut after, mut totals) = (Vec::new(), Value::Null, Vec::new());
    loop {
        let page = app
            .graphql(
                &query,
                json!({ "a": account, "p": period, "s": sort, "f": filter, "after": after }),
            )
            .await;
        let connection = &page["data"]["productPerformance"];
        let nodes = connection["nodes"].as_array().unwrap_or_else(|| panic!("{page}"));
        rows.extend(nodes.iter().cloned());
        totals.push(connection["totalCount"].as_u64());
        if connection["pageInfo"]["hasNextPage"] != true {
            // Every page counts the whole filtered set, and so does a page past the last.
            let past = app
                .graphql(
                    &query,
                    json!({ "a": account, "p": period, "s": sort, "f": filter,
                            "after": connection["pageInfo"]["endCursor"] }),
                )
                .await;
            if !rows.is_empty() {
                assert_eq!(past["data"]["productPerformance"]["nodes"], json!([]), "{past}");
                totals.push(past["data"]["productPerformance"]["totalCount"].as_u64());
            }
            assert!(
                totals.iter().all(|t| *t == Some(rows.len() as u64)),
                "{totals:?} {page}"
            );
            let as_of = connection["pageInfo"]["asOf"].as_str().unwrap_or_default().to_owned();
            return (rows, as_of);
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
}

/// `expected` in the order `sort` names: the figure (absent last), then the article.
fn sorted(mut expected: Vec<Expected>, sort: &str) -> Vec<Value> {
    let key = |e: &Expected| -> Option<f64> {
        match sort {
            "REVENUE_DESC" => Some(-(e.revenue_kopecks as f64)),
            "MARGIN_DESC" => e.margin_kopecks.map(|m| -(m as f64)),
            "MARGIN_ASC" => e.margin_kopecks.map(|m| m as f64),
            "VELOCITY_DESC" => e.velocity.map(|v| -v),
            "DAYS_OF_COVER_ASC" => e.days_of_cover,
            "LOST_REVENUE_DESC" => e.lost_revenue_kopecks.map(|l| -(l as f64)),
            _ => unreachable!("{sort}"),
        }
    };
    expected.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        let by_key = match (ka, kb) {
            (Some(x), Some(y)) => x.partial_cmp(&y).unwrap(),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        by_key.then(a.nm_id.cmp(&b.nm_id))
    });
    expected.iter().map(Expected::json).collect()
}

async fn facts(app: &TestApp, event_type: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = $1")
        .bind(event_type)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

/// The analytics tables, row by row, for comparing before and after a rebuild.
async fn snapshot(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT row_to_json(t)::text FROM sales_performance t
         UNION ALL SELECT row_to_json(t)::text FROM sales_performance_as_of t
         UNION ALL SELECT row_to_json(t)::text FROM marketplace_stock_levels t
         UNION ALL SELECT row_to_json(t)::text FROM marketplace_stock_articles t
         UNION ALL SELECT row_to_json(t)::text FROM marketplace_stock_outages t
         UNION ALL SELECT row_to_json(t)::text FROM subject_commissions t
         UNION ALL SELECT row_to_json(t)::text FROM listing_price_history t
         ORDER BY 1",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn product_performance_equals_the_figures_computed_from_the_reports() {
    let wb = WbFake::start().await;
    let reports = SalesFake::start(PAGE).await;
    let mut args = args_for(&wb);
    args.run_ingest = true;
    args.api.marketplace.wb_statistics_url = reports.url();
    args.api.marketplace.wb_tariffs_url = reports.url();
    args.api.marketplace.wb_analytics_url = reports.url();
    args.api.marketplace.wb_limits_divisor = LIMITS_DIVISOR;
    args.api.marketplace.ingest_interval_ms = 50;
    reports.set_rows(
        COMMISSION,
        vec![
            json!({"kgvpMarketplace": 15.5, "kgvpSupplier": 12.5, "paidStorageKgvp": 17, "parentID": 657,
                    "parentName": "Бытовая техника", "subjectID": 7771, "subjectName": "Чайники электрические"}),
        ],
    );
    let app = TestApp::spawn_on(TestDatabase::new(gomarket::MIGRATIONS).await, args).await;
    map_category(&app).await;
    let ids = products(&app, LISTED).await;
    let account = connect(&app, "WB", "token-performance").await;
    publish(&app, &account, &ids).await;
    let listed = wait_for_within(&app, &account, "fully pushed", Duration::from_secs(180), |l| {
        fully_pushed(l)
    })
    .await;
    assert_eq!(listed.len(), LISTED);
    let index_of: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
    let listing_ids: HashMap<i64, String> = listed
        .iter()
        .map(|l| (l["nmId"].as_i64().unwrap(), l["id"].as_str().unwrap().to_owned()))
        .collect();
    let mut articles: Vec<Article> = Vec::new();
    for l in &listed {
        let product: Value = app
            .graphql(
                "query($id: ID!) { listing(id: $id) { productId } }",
                json!({ "id": l["id"] }),
            )
            .await;
        let product_id = product["data"]["listing"]["productId"].as_str().unwrap();
        let i = index_of[product_id];
        articles.push(Article {
            nm_id: l["nmId"].as_i64().unwrap(),
            vendor_code: l["vendorCode"].as_str().unwrap().to_owned(),
            barcode: gomarket_infra::supplier::generate::ean13(i as u64),
            purchase_kopecks: Some(150_050 + i as i64 * 100),
            seller_stock: l["stock"]["value"].as_i64(),
        });
    }
    articles.sort_by_key(|a| a.nm_id);

    let history = SalesHistory::new(&articles);
    // Wildberries' own count of what running out cost, for every article (special values too).
    let lost: Vec<Value> = articles
        .iter()
        .enumerate()
        .map(|(i, a)| {
            json!({ "nmID": a.nm_id, "vendorCode": a.vendor_code, "isDeleted": false,
                    "metrics": { "lostOrdersCount": if i == 1 { json!(-3) } else { json!(i as f64 + 0.25) },
                                 "lostOrdersSum": i as f64 * 1000.5,
                                 "officeMissingTime": { "days": i % 3, "hours": 5 } } })
        })
        .collect();
    reports.set_rows(STOCK_HISTORY, lost);
    // It was read (empty) when the account connected; a day passes and it is due again.
    until(Duration::from_secs(30), "the first stock history read", || async {
        let read: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM sales_report_cursors WHERE report = 'stock_history' AND caught_up_at IS NOT NULL",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        read == 1
    })
    .await;
    sqlx::query(
        "UPDATE sales_report_cursors SET caught_up_at = caught_up_at - interval '25 hours'
          WHERE report = 'stock_history'",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    reports.rate_limit_next(ORDERS, 1);
    reports.set_rows(ORDERS, history.orders.clone());
    reports.set_rows(SALES, history.sales.clone());
    reports.set_rows(STOCKS, history.stocks.clone());
    let (orders, cancelled, buyouts, returns) = history.counts();
    let expected_facts = (orders as i64, cancelled as i64, buyouts as i64, returns as i64);
    eventually(Duration::from_secs(180), "every fact recorded", || async {
        let seen = (
            facts(&app, "OrderPlaced").await,
            facts(&app, "OrderCancelled").await,
            facts(&app, "SaleRecorded").await,
            facts(&app, "ReturnRecorded").await,
        );
        if seen == expected_facts { Ok(()) } else { Err(seen) }
    })
    .await;
    until(Duration::from_secs(60), "every stock observed", || async {
        facts(&app, "MarketplaceStockObserved").await == LISTED as i64
    })
    .await;
    // The stock history report is read once a day, in pages of 1 000 (all of it here).
    until(
        Duration::from_secs(60),
        "every article's lost sales reported",
        || async { facts(&app, "LostSalesReported").await == LISTED as i64 },
    )
    .await;

    // Every srid and saleID is one fact; the strangers' orders are listed as unmatched.
    let twice: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT event_type, payload::text FROM events
           WHERE event_type IN ('OrderPlaced', 'OrderCancelled', 'SaleRecorded', 'ReturnRecorded')
           GROUP BY aggregate_id, event_type, payload::text HAVING count(*) > 1) AS doubled",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(twice, 0);
    let distinct: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT payload->'OrderPlaced'->>'srid') FROM events WHERE event_type = 'OrderPlaced'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(distinct, orders as i64);
    let strangers = app
        .graphql(
            "query($a: ID!) { unmatchedMarketplaceRows(accountId: $a) { totalCount nodes { vendorCode } } }",
            json!({ "a": account }),
        )
        .await;
    assert_eq!(
        strangers["data"]["unmatchedMarketplaceRows"]["totalCount"], 5,
        "{strangers}"
    );

    // Every article, every window, every order: the figures computed from the rows.
    for (period, days) in [("LAST_7_DAYS", 7), ("LAST_30_DAYS", 30), ("LAST_90_DAYS", 90)] {
        for sort in ["MARGIN_DESC", "DAYS_OF_COVER_ASC", "LOST_REVENUE_DESC"] {
            let (rows, as_of) = eventually(Duration::from_secs(60), "the performance figures", || async {
                let (rows, as_of) = performance(&app, &account, period, sort, Value::Null).await;
                let day = NaiveDate::parse_from_str(&as_of, "%Y-%m-%d").map_err(|_| as_of.clone())?;
                let expected = sorted(history.expected(days, day), sort);
                if same_rows(&rows, &expected) {
                    Ok((rows, as_of))
                } else {
                    let at = rows.iter().zip(&expected).position(|(r, e)| !same(r, e));
                    let differs = at.map(|i| (&rows[i], &expected[i]));
                    Err(format!(
                        "{period} {sort}: {} rows of {}, first difference {differs:?}",
                        rows.len(),
                        expected.len()
                    ))
                }
            })
            .await;
            assert_eq!(rows.len(), LISTED + 5, "{period} {sort} on {as_of}");
        }
    }
    let (rest, _) = performance(&app, &account, "LAST_30_DAYS", "VELOCITY_DESC", Value::Null).await;
    let as_of = moscow_now().date();
    assert!(
        same_rows(&rest, &sorted(history.expected(30, as_of), "VELOCITY_DESC")),
        "VELOCITY_DESC"
    );
    let (rest, _) = performance(&app, &account, "LAST_30_DAYS", "MARGIN_ASC", Value::Null).await;
    assert!(
        same_rows(&rest, &sorted(history.expected(30, as_of), "MARGIN_ASC")),
        "MARGIN_ASC"
    );
    let (rest, _) = performance(&app, &account, "LAST_30_DAYS", "REVENUE_DESC", Value::Null).await;
    assert!(
        same_rows(&rest, &sorted(history.expected(30, as_of), "REVENUE_DESC")),
        "REVENUE_DESC"
    );

    // Filters.
    let (strangers, _) = performance(&app, &account, "LAST_30_DAYS", "MARGIN_DESC", json!({"matched": false})).await;
    assert_eq!(strangers.len(), 5);
    assert!(strangers.iter().all(|r| r["marginKopecks"].is_null()));
    let expected_out = history
        .expected(30, as_of)
        .iter()
        .filter(|e| e.marketplace_stock + e.seller_stock.unwrap_or(0) == 0)
        .count();
    let (out, _) = performance(
        &app,
        &account,
        "LAST_30_DAYS",
        "MARGIN_DESC",
        json!({"outOfStock": true}),
    )
    .await;
    assert_eq!(out.len(), expected_out);
    let (quiet, _) = performance(&app, &account, "LAST_7_DAYS", "REVENUE_DESC", json!({"active": false})).await;
    assert!(
        quiet
            .iter()
            .all(|r| r["orders"] == 0 && r["buyouts"] == 0 && r["returns"] == 0)
    );
    let refused = app
        .graphql(
            "query($a: ID!) { productPerformance(accountId: $a, sort: MARGIN_ASC, after: \"R|1|2\") { totalCount } }",
            json!({ "a": account }),
        )
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{refused}"
    );

    // One listing's own analytics agree with its row and with the rows.
    let article = &articles[3];
    let listing_id = &listing_ids[&article.nm_id];
    let own = app
        .graphql(
            "query($id: ID!) { listing(id: $id) {
                price { value discountPercent }
                sales(period: LAST_7_DAYS) { nmId units revenueKopecks marginKopecks }
                unitEconomics { livePriceKopecks purchaseKopecks commissionBasisPoints commissionKopecks
                                plannedMarginKopecks plannedMarginBasisPoints realizedMargin7DaysKopecks
                                realizedMargin30DaysKopecks commission { subjectId subjectName } }
                stockCover { sellerStock marketplaceStock warehouses { warehouse quantity inWayToClient }
                             velocity7Days velocity30Days daysOfCover outOfStockDays30 lost: lostRevenue30DaysKopecks
                             reported { periodStart periodEnd lostOrders lostOrdersHundredths lostOrdersKopecks
                                        outOfStockHours } }
                priceHistory { appliedAt priceKopecks discountedPriceKopecks before { days units } after { days units } } } }",
            json!({ "id": listing_id }),
        )
        .await;
    let l = &own["data"]["listing"];
    let week = history
        .expected(7, as_of)
        .into_iter()
        .find(|e| e.nm_id == article.nm_id)
        .unwrap();
    let month = history
        .expected(30, as_of)
        .into_iter()
        .find(|e| e.nm_id == article.nm_id)
        .unwrap();
    assert_eq!(
        l["sales"],
        json!({ "nmId": article.nm_id, "units": week.units, "revenueKopecks": week.revenue_kopecks,
                "marginKopecks": week.margin_kopecks }),
        "{own}"
    );
    let live = l["price"]["value"].as_i64().unwrap() * (100 - l["price"]["discountPercent"].as_i64().unwrap()) / 100;
    let purchase = article.purchase_kopecks.unwrap();
    // FBS: `kgvpMarketplace` 15.5 % (half a kopeck and up rounds up).
    let commission = (live * 1_550 + 5_000) / 10_000;
    let economics = &l["unitEconomics"];
    assert_eq!(economics["livePriceKopecks"], live, "{own}");
    assert_eq!(economics["purchaseKopecks"], purchase);
    assert_eq!(economics["commissionBasisPoints"], 1_550);
    assert_eq!(economics["commissionKopecks"], commission);
    assert_eq!(economics["plannedMarginKopecks"], live - purchase - commission);
    assert_eq!(
        economics["plannedMarginBasisPoints"],
        (live - purchase - commission) * 10_000 / live
    );
    assert_eq!(economics["realizedMargin7DaysKopecks"], json!(week.margin_kopecks));
    assert_eq!(economics["realizedMargin30DaysKopecks"], json!(month.margin_kopecks));
    assert_eq!(economics["commission"]["subjectId"], 7771);
    let cover = &l["stockCover"];
    assert_eq!(cover["marketplaceStock"], month.marketplace_stock, "{own}");
    assert_eq!(cover["sellerStock"], json!(article.seller_stock));
    assert_eq!(
        cover["warehouses"],
        json!([{ "warehouse": "Коледино", "quantity": month.marketplace_stock, "inWayToClient": 1 }])
    );
    assert!(same(&cover["velocity7Days"], &json!(week.velocity)), "{own}");
    assert!(same(&cover["velocity30Days"], &json!(month.velocity)), "{own}");
    assert!(same(&cover["daysOfCover"], &json!(month.days_of_cover)), "{own}");
    assert_eq!(cover["outOfStockDays30"], month.out_of_stock_days);
    assert_eq!(cover["lost"], json!(month.lost_revenue_kopecks));
    // Wildberries' own figures beside the estimate (article 3: 3.25 orders, 3 001.50 ₽, 5 h).
    assert_eq!(
        cover["reported"],
        json!({ "periodStart": (as_of - Days::days(29)).to_string(), "periodEnd": as_of.to_string(),
                "lostOrders": 3.25, "lostOrdersHundredths": 325, "lostOrdersKopecks": 300_150,
                "outOfStockHours": 5 })
    );
    // The publication's price, applied today: the week before it and today's sales.
    let changes = l["priceHistory"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{own}");
    assert_eq!(changes[0]["discountedPriceKopecks"], live);
    // The change's Moscow day (appliedAt is UTC).
    let day = (chrono::DateTime::parse_from_rfc3339(changes[0]["appliedAt"].as_str().unwrap()).unwrap()
        + Days::hours(3))
    .date_naive();
    assert_eq!(
        changes[0]["before"],
        json!({ "days": 7, "units": history.units_between(article.nm_id, day - Days::days(7), day - Days::days(1)) })
    );
    assert_eq!(
        changes[0]["after"]["units"],
        history.units_between(article.nm_id, day, as_of)
    );

    // A restock closes the outage: the stock shows, the days already out still count.
    let emptied = &articles[0];
    assert_eq!(month_of(&history, emptied.nm_id, as_of).marketplace_stock, 0);
    let restocked_at = (moscow_now() - Days::minutes(5))
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    reports.edit_rows(STOCKS, |rows| {
        let row = rows.iter_mut().find(|r| r["nmId"] == emptied.nm_id).unwrap();
        row["quantity"] = json!(5);
        row["lastChangeDate"] = json!(restocked_at);
    });
    let restocked = eventually(Duration::from_secs(60), "the restock shown", || async {
        let (rows, _) = performance(&app, &account, "LAST_30_DAYS", "MARGIN_DESC", Value::Null).await;
        let row = rows.into_iter().find(|r| r["nmId"] == emptied.nm_id).unwrap();
        if row["marketplaceStock"] == 5 {
            Ok(row)
        } else {
            Err(row)
        }
    })
    .await;
    assert_eq!(
        restocked["outOfStockDays"],
        month_of(&history, emptied.nm_id, as_of).out_of_stock_days
    );
    let open: i64 =
        sqlx::query_scalar("SELECT count(*) FROM marketplace_stock_outages WHERE ended_day IS NULL AND nm_id = $1")
            .bind(emptied.nm_id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(open, 0);

    // The 429 was waited out (`X-Ratelimit-Retry: 1`), and each report kept its (scaled) rate
    // of one request a minute.
    let asked = reports.asked(ORDERS);
    let limited = asked.iter().position(|a| a.status == 429).expect("one 429 served");
    assert!(asked[limited + 1].at - asked[limited].at >= Duration::from_millis(950));
    let interval = Duration::from_secs(60) / LIMITS_DIVISOR;
    for path in [ORDERS, SALES, STOCKS] {
        for pair in reports.asked(path).windows(2) {
            assert!(
                pair[1].at - pair[0].at >= interval - Duration::from_millis(5),
                "{path}: two requests {:?} apart",
                pair[1].at - pair[0].at
            );
        }
    }

    // Rebuilt from the store, every analytics table is the same, row for row.
    let before = snapshot(&app).await;
    gomarket::roles::replay(&app.db.pool, "sales")
        .await
        .expect("sales rebuilds");
    gomarket::roles::replay(&app.db.pool, "listings")
        .await
        .expect("listings rebuild");
    assert_eq!(snapshot(&app).await, before);

    // The pricing rule assumes 23 %; Wildberries reports 15.5 % for the subject: a warning.
    let supplier = crate::support::sync::register_supplier(&app, "http://127.0.0.1:9/feed.yml").await;
    let policy = crate::support::sync::upsert_policy(
        &app,
        json!({ "name": "Чайники", "supplierIds": [supplier], "accountId": account,
                "stock": { "maxDaysOfCover": 14 } }),
    )
    .await;
    let explained = app
        .graphql(
            "query($id: ID!) { syncPolicy(id: $id) { stock { maxDaysOfCover }
                explainPrice(purchaseKopecks: 100000, subjectId: 7771) { priceKopecks
                    commissionWarning { subjectId assumedBasisPoints reportedBasisPoints message } }
                plain: explainPrice(purchaseKopecks: 100000) { priceKopecks commissionWarning { subjectId } } } }",
            json!({ "id": policy }),
        )
        .await;
    let p = &explained["data"]["syncPolicy"];
    assert_eq!(p["stock"]["maxDaysOfCover"], 14, "{explained}");
    assert_eq!(
        p["explainPrice"]["commissionWarning"],
        json!({ "subjectId": 7771, "assumedBasisPoints": 2300, "reportedBasisPoints": 1550,
                "message": "Wildberries reports a 15.50 % commission for subject 7771; the pricing rule assumes 23.00 %" })
    );
    assert_eq!(
        p["explainPrice"]["priceKopecks"], p["plain"]["priceKopecks"],
        "a warning, not a change"
    );
    assert!(p["plain"]["commissionWarning"].is_null());

    // Read again in full (the overlap window re-reads the recent rows): nothing new.
    const REPORT_FACTS: &str =
        "SELECT count(*) FROM events WHERE aggregate_type IN ('MarketplaceOrder', 'MarketplaceStock')";
    let events = scalar(&app, REPORT_FACTS).await;
    let requests = reports.asked(ORDERS).len();
    until(Duration::from_secs(30), "more reads", || async {
        reports.asked(ORDERS).len() >= requests + 3
    })
    .await;
    assert_eq!(scalar(&app, REPORT_FACTS).await, events);

    // A cancellation reported a day after its order: one `OrderCancelled`, counted on its day.
    let late = &articles[5];
    let now = moscow_now();
    reports.edit_rows(ORDERS, |rows| {
        // Article 5's order of day 3: never cancelled nor bought out ((5 + 3) % 4 == 0).
        let row = rows.iter_mut().find(|r| r["srid"] == "o-5-3").unwrap();
        assert_eq!(
            (&row["isCancel"], &row["supplierArticle"]),
            (&json!(false), &json!(late.vendor_code))
        );
        row["isCancel"] = json!(true);
        row["cancelDate"] = json!((now - Days::minutes(10)).format("%Y-%m-%dT%H:%M:%S").to_string());
        row["lastChangeDate"] = json!((now - Days::minutes(5)).format("%Y-%m-%dT%H:%M:%S").to_string());
    });
    until(Duration::from_secs(30), "the late cancellation recorded", || async {
        facts(&app, "OrderCancelled").await == cancelled as i64 + 1
    })
    .await;
    let requests = reports.asked(ORDERS).len();
    until(Duration::from_secs(30), "more reads", || async {
        reports.asked(ORDERS).len() >= requests + 3
    })
    .await;
    assert_eq!(facts(&app, "OrderCancelled").await, cancelled as i64 + 1);
    let week = history
        .expected(7, as_of)
        .into_iter()
        .find(|e| e.nm_id == late.nm_id)
        .unwrap();
    eventually(Duration::from_secs(30), "the cancellation counted", || async {
        let (rows, _) = performance(&app, &account, "LAST_7_DAYS", "REVENUE_DESC", Value::Null).await;
        let row = rows.into_iter().find(|r| r["nmId"] == late.nm_id).unwrap();
        if row["cancellations"] == week.cancellations + 1 && row["units"] == week.units - 1 {
            Ok(())
        } else {
            Err(row)
        }
    })
    .await;
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db.pool).await.unwrap()
}

/// Equal, but for floating-point figures, which may differ in their last digits (the JSON
/// reader here is not exact to the last bit).
fn same(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Number(a), Value::Number(e)) if a.is_f64() || e.is_f64() => {
            let (a, e) = (a.as_f64().unwrap(), e.as_f64().unwrap());
            (a - e).abs() <= 1e-9 * e.abs().max(1.0)
        }
        (Value::Object(a), Value::Object(e)) => {
            a.len() == e.len() && a.iter().all(|(k, v)| e.get(k).is_some_and(|w| same(v, w)))
        }
        _ => actual == expected,
    }
}

fn same_rows(actual: &[Value], expected: &[Value]) -> bool {
    actual.len() == expected.len() && actual.iter().zip(expected).all(|(a, e)| same(a, e))
}

fn month_of(history: &SalesHistory, nm_id: i64, as_of: NaiveDate) -> Expected {
    history
        .expected(30, as_of)
        .into_iter()
        .find(|e| e.nm_id == nm_id)
        .unwrap()
}
