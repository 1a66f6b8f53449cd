//! The documented analytics consumer (examples/kafka/revenue_by_day.py), run against the
//! sales topic the relay fills: its revenue by day equals `salesSummary`'s.

use crate::support::TestApp;
use crate::support::marketplace::{args_for, connect};
use crate::support::sales_fake::{SALES, SalesFake};
use crate::support::wb_fake::WbFake;
use chrono::{Duration as Days, Utc};
use gomarket_testkit::{TestDatabase, eventually};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

fn python() -> String {
    std::env::var("GOMARKET_TEST_PYTHON").unwrap_or_else(|_| {
        panic!("this test needs the Python tools: run scripts/test, or set GOMARKET_TEST_PYTHON=$(scripts/ensure-python-tools)")
    })
}

/// A buyout or return row `hours` before now (Moscow time, as the reports write it).
fn row(n: usize, hours: i64, kind: char, price: f64) -> Value {
    let at = (Utc::now() + Days::hours(3) - Days::hours(hours))
        .naive_utc()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    json!({
        "date": at, "lastChangeDate": at, "warehouseName": "Коледино", "regionName": "Московская",
        "supplierArticle": "NOT-LISTED", "nmId": 777_000 + n, "barcode": "0000000000000",
        "totalPrice": 2000, "discountPercent": 0, "spp": 0,
        "forPay": price * 0.8, "finishedPrice": price, "priceWithDisc": price,
        "saleID": format!("{kind}{n}"), "srid": format!("srid-example-{n}"),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_python_example_rebuilds_revenue_by_day_as_sales_summary_reports_it() {
    let wb = WbFake::start().await;
    let reports = SalesFake::start(50).await;
    let mut args = args_for(&wb);
    args.api.kafka = Some(gomarket_testkit::kafka_config(3));
    args.run_ingest = true;
    args.api.marketplace.wb_statistics_url = reports.url();
    args.api.marketplace.wb_tariffs_url = reports.url();
    args.api.marketplace.wb_limits_divisor = 600;
    args.api.marketplace.ingest_interval_ms = 50;
    let app = TestApp::spawn_on(TestDatabase::new(gomarket::MIGRATIONS).await, args).await;
    let account = connect(&app, "WB", "wb-token.eyJrYWZrYSI6MX0").await;
    // Buyouts over four days (two on one of them), and a return.
    let rows = vec![
        row(1, 80, 'S', 1500.55),
        row(2, 55, 'S', 999.99),
        row(3, 54, 'S', 2100.0),
        row(4, 30, 'S', 700.1),
        row(5, 29, 'R', -999.99),
        row(6, 2, 'S', 1234.56),
    ];
    reports.set_rows(SALES, rows);
    let today = (Utc::now() + Days::hours(3)).date_naive();
    let summary = "query($a: ID!, $f: Date!, $t: Date!) {
        salesSummary(accountId: $a, from: $f, to: $t, groupBy: DAY) { buckets { start revenueKopecks buyouts returns } } }";
    let expected: BTreeMap<String, i64> = eventually(Duration::from_secs(60), "every row summed", || async {
        let read = app
            .graphql(
                summary,
                json!({ "a": account, "f": (today - Days::days(10)).to_string(), "t": today.to_string() }),
            )
            .await;
        let buckets = read["data"]["salesSummary"]["buckets"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let (buyouts, returns): (i64, i64) = buckets.iter().fold((0, 0), |(b, r), x| {
            (
                b + x["buyouts"].as_i64().unwrap_or(0),
                r + x["returns"].as_i64().unwrap_or(0),
            )
        });
        if (buyouts, returns) == (5, 1) {
            Ok(buckets
                .iter()
                .map(|b| {
                    (
                        b["start"].as_str().unwrap().to_owned(),
                        b["revenueKopecks"].as_i64().unwrap(),
                    )
                })
                .collect())
        } else {
            Err(read)
        }
    })
    .await;
    assert!(expected.len() >= 3, "{expected:?}");

    let kafka = app.kafka.clone().expect("kafka configured");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/kafka/revenue_by_day.py");
    let rebuilt: BTreeMap<String, i64> = eventually(Duration::from_secs(60), "the topic has every fact", || async {
        let output = tokio::process::Command::new(python())
            .args([script, &kafka.brokers, &kafka.topic("sales"), &account, "--idle", "3"])
            .output()
            .await
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let rebuilt: BTreeMap<String, i64> = serde_json::from_slice(&output.stdout).unwrap();
        if rebuilt == expected { Ok(rebuilt) } else { Err(rebuilt) }
    })
    .await;
    assert_eq!(rebuilt, expected);
}
