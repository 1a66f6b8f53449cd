//! Sales ingest benchmark (issue 18): 1 000 000 order rows (10 000 listings over 81 days, every
//! twentieth cancelled) read by `gomarket ingest` (a child process, release build, production
//! settings but Wildberries' one-request-a-minute limit scaled away) from a generated orders
//! report in pages of 80 000 rows (the size Wildberries documents), while the sales projection
//! runs in this process as `serve` runs it (or after it: `BENCH_SALES_PROJECTOR=after`). Then
//! `productPerformance` (the query function, on the read model the run built) sorted by
//! margin, 200 requests.
//!
//! Needs PostgreSQL like the tests:
//!   cargo bench -p gomarket --bench sales_ingest
//!   BENCH_SALES_PROJECTOR=after cargo bench -p gomarket --bench sales_ingest
//! Reports: rows/s and events/s of the ingest, the ingester's peak RSS, when the read models
//! were complete, and productPerformance's p50/p99 (first pages, and a walk through every page).
//! Wildberries' own limit (one page a minute per report) would make the same million rows take
//! at least 12 minutes; this measures what GoMarket adds on top of that.

#[path = "scale/cpu.rs"]
mod cpu;
#[path = "common/listed.rs"]
mod listed;
#[allow(dead_code)]
#[path = "../tests/it/support/wb_fake.rs"]
mod wb_fake;

use axum::Router;
use axum::extract::State;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use chrono::{Duration as Days, NaiveDateTime, Utc};
use gomarket::cli::MarketplaceArgs;
use gomarket::roles::spawn_projectors;
use gomarket_domain::marketplace::account::AccountId;
use gomarket_domain::marketplace::values::Marketplace;
use gomarket_infra::event_store::EventMetadata;
use gomarket_infra::shutdown;
use gomarket_infra::telemetry::Metrics;
use gomarket_projections::sales::{PerformanceFilter, PerformanceSort, product_performance};
use gomarket_testkit::TestDatabase;
use std::fmt::Write as _;
use std::time::{Duration, Instant};
use wb_fake::WbFake;

const LISTINGS: usize = 10_000;
const ROWS: usize = 1_000_000;
/// Rows per page, as Wildberries documents for the orders report.
const PAGE: usize = 80_000;
/// Seconds between two generated orders: 1 000 000 of them span 81 days.
const STEP_SECONDS: i64 = 7;
const REQUESTS: usize = 200;

/// The generated orders report: row `k` is an order of listing `k % LISTINGS` placed (and last
/// changed) `k × STEP_SECONDS` after `base`, made on the fly for the page asked.
#[derive(Clone)]
struct Generated {
    base: NaiveDateTime,
}

fn decoded(text: &str) -> String {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap_or(b'?'));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn reports(State(generated): State<Generated>, uri: Uri) -> Response {
    match uri.path() {
        "/api/v1/supplier/orders" => {}
        "/api/v1/tariffs/commission" => return axum::Json(serde_json::json!({ "report": [] })).into_response(),
        "/api/v2/stocks-report/products/products" => {
            return axum::Json(serde_json::json!({ "data": { "items": [] } })).into_response();
        }
        _ => return axum::Json(serde_json::json!([])).into_response(),
    }
    let from = uri
        .query()
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("dateFrom="))
        .map(decoded)
        .unwrap_or_default();
    let from =
        NaiveDateTime::parse_from_str(from.get(..19).unwrap_or(""), "%Y-%m-%dT%H:%M:%S").unwrap_or(generated.base);
    let seconds = (from - generated.base).num_seconds().max(0);
    let first = ((seconds + STEP_SECONDS - 1) / STEP_SECONDS) as usize;
    let mut body = String::with_capacity(PAGE * 420);
    body.push('[');
    for k in first..(first + PAGE).min(ROWS) {
        let listing = k % LISTINGS;
        let at = (generated.base + Days::seconds(k as i64 * STEP_SECONDS)).format("%Y-%m-%dT%H:%M:%S");
        let cancelled = k % 20 == 0;
        let cancel_date = if cancelled {
            at.to_string()
        } else {
            "0001-01-01T00:00:00".to_owned()
        };
        if k > first {
            body.push(',');
        }
        let _ = write!(
            body,
            r#"{{"date":"{at}","lastChangeDate":"{at}","warehouseName":"Коледино","countryName":"Россия","oblastOkrugName":"Центральный федеральный округ","regionName":"Московская","supplierArticle":"{vendor}","nmId":{nm},"barcode":"{barcode}","category":"Бытовая техника","subject":"Чайники","brand":"Polaris","techSize":"0","incomeID":1,"isSupply":false,"isRealization":true,"totalPrice":{total},"discountPercent":25,"spp":10,"finishedPrice":{finished}.10,"priceWithDisc":{price}.55,"isCancel":{cancelled},"cancelDate":"{cancel_date}","sticker":"","gNumber":"g{k}","srid":"b-{k}"}}"#,
            vendor = listed::vendor_code(listing),
            nm = listed::nm_id(listing),
            barcode = 2_000_000_000_000u64 + listing as u64,
            total = 1_400 + k % 500,
            finished = 900 + k % 500,
            price = 1_000 + k % 500,
        );
    }
    body.push(']');
    ([("content-type", "application/json")], body).into_response()
}

/// Peak resident memory of process `pid` so far (VmHWM), in MiB.
fn peak_rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

async fn scalar(db: &TestDatabase, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&db.pool).await.unwrap()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

/// `REQUESTS` requests of `productPerformance` (30 days, by margin, 50 a page): either the
/// first page each time, or a walk from page to page (starting over at the end).
async fn latencies(db: &TestDatabase, account: AccountId, walk: bool) -> Vec<Duration> {
    let mut times = Vec::with_capacity(REQUESTS);
    let mut after: Option<String> = None;
    for _ in 0..REQUESTS {
        let started = Instant::now();
        let page = product_performance(
            &db.pool,
            account,
            30,
            &PerformanceFilter::default(),
            PerformanceSort::MarginDesc,
            50,
            after.as_deref(),
        )
        .await
        .unwrap();
        times.push(started.elapsed());
        assert_eq!(page.rows.len(), 50);
        after = (walk && page.has_next).then(|| page.rows.last().unwrap().cursor.clone());
    }
    times.sort();
    times
}

#[tokio::main]
async fn main() {
    let fake = WbFake::start().await;
    let db = TestDatabase::new(gomarket::MIGRATIONS).await;
    let metrics = Metrics::new();
    let args = MarketplaceArgs {
        wb_common_url: fake.url(),
        ..MarketplaceArgs::default()
    };
    let service = listed::service(&db, &metrics, &args).await;
    let metadata = EventMetadata::new("bench", "system:bench", "Bench");
    let account = listed::connect_on(&service, Marketplace::Wildberries, &metadata).await;
    let (stop, signal) = shutdown::channel();
    spawn_projectors(&db.pool, None, Some("listings"), &metrics, &signal).unwrap();
    // `BENCH_SALES_PROJECTOR=after`: the sales projection starts once the ingest is done, so
    // each is measured alone; by default it runs beside the ingest, as in `serve`.
    let alone = std::env::var("BENCH_SALES_PROJECTOR").as_deref() == Ok("after");
    if !alone {
        spawn_projectors(&db.pool, None, Some("sales"), &metrics, &signal).unwrap();
    }
    listed::publish_with_cards_on(&service, Marketplace::Wildberries, account, LISTINGS, &metadata).await;
    // The listings' products, as the catalog read model holds them: their purchase prices.
    sqlx::query(
        "INSERT INTO products (id, sku, title, price_kopecks, stock, status, version, created_at, updated_at)
         SELECT ('00000000-0000-0000-0000-' || lpad(to_hex(i + 1), 12, '0'))::uuid, 'SKU-' || i, 'Чайник ' || i,
                60000 + (i % 700) * 100, 10, 'ACTIVE', 1, now(), now()
           FROM generate_series(0, $1 - 1) AS i",
    )
    .bind(LISTINGS as i64)
    .execute(&db.pool)
    .await
    .unwrap();
    while scalar(&db, "SELECT count(*) FROM listings WHERE nm_id IS NOT NULL").await < LISTINGS as i64 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let base = (Utc::now() + Days::hours(3)).naive_utc() - Days::days(82);
    let router = Router::new().fallback(reports).with_state(Generated { base });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    println!(
        "sales ingest: {ROWS} order rows of {LISTINGS} listings, pages of {PAGE}; sales projection {}",
        if alone { "after the ingest" } else { "beside the ingest" }
    );
    let started = Instant::now();
    let cpu_at_start = cpu::CpuSample::now();
    let mut ingester = tokio::process::Command::new(env!("CARGO_BIN_EXE_gomarket"))
        .arg("ingest")
        .env("DATABASE_URL", &db.url)
        .env("GOMARKET_WB_STATISTICS_URL", &url)
        .env("GOMARKET_WB_TARIFFS_URL", &url)
        .env("GOMARKET_WB_ANALYTICS_URL", &url)
        .env("GOMARKET_WB_COMMON_URL", fake.url())
        .env("GOMARKET_WB_LIMITS_DIVISOR", "6000")
        .env("GOMARKET_INGEST_INTERVAL_MS", "10")
        .env("GOMARKET_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .expect("gomarket ingest starts");
    let pid = ingester.id().unwrap();
    let mut peak = 0.0f64;
    loop {
        peak = peak.max(peak_rss_mib(pid));
        let caught_up = scalar(
            &db,
            "SELECT count(*) FROM sales_report_cursors WHERE report = 'orders' AND caught_up_at IS NOT NULL",
        )
        .await;
        if caught_up == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let ingested = started.elapsed();
    peak = peak.max(peak_rss_mib(pid));
    let ingester_cpu = cpu::process_seconds(pid);
    let spent = cpu::CpuSample::now().since(cpu_at_start);
    ingester.start_kill().unwrap();
    ingester.wait().await.unwrap();
    let placed = scalar(&db, "SELECT count(*) FROM events WHERE event_type = 'OrderPlaced'").await;
    let cancelled = scalar(&db, "SELECT count(*) FROM events WHERE event_type = 'OrderCancelled'").await;
    assert_eq!(placed as usize, ROWS, "every order once");
    let events = placed + cancelled;
    println!(
        "ingest: {ROWS} rows read and {events} facts recorded in {:.1} s: {:.0} rows/s, {:.0} events/s",
        ingested.as_secs_f64(),
        ROWS as f64 / ingested.as_secs_f64(),
        events as f64 / ingested.as_secs_f64()
    );
    println!("ingester peak RSS (VmHWM): {peak:.0} MiB");
    println!(
        "CPU during the ingest: ingester {ingester_cpu:.1} s, PostgreSQL {:.1} s, this process (report generator, projection) {:.1} s",
        spent.postgres.as_secs_f64(),
        spent.this_process.as_secs_f64()
    );
    if alone {
        spawn_projectors(&db.pool, None, Some("sales"), &metrics, &signal).unwrap();
    }

    // The per-account daily sums count each fact once, in the statement that records it: a
    // read of a few rows, where counting `sales_facts` would take a core's share from the
    // projection being timed.
    let recorded =
        "SELECT coalesce(sum(orders + cancellations + buyouts + returns), 0)::bigint FROM sales_account_daily";
    while scalar(&db, recorded).await < events {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let modelled = started.elapsed();
    println!(
        "read models complete {:.1} s after the start ({:.1} s after the ingest)",
        modelled.as_secs_f64(),
        (modelled - ingested).as_secs_f64()
    );
    let rows = scalar(&db, "SELECT count(*) FROM sales_performance WHERE period_days = 30").await;
    println!("productPerformance: {rows} articles in the 30-day window");

    sqlx::query("ANALYZE").execute(&db.pool).await.unwrap();
    for (what, walk) in [("first page", false), ("page after page", true)] {
        let times = latencies(&db, account, walk).await;
        println!(
            "productPerformance by margin, 50 a page, {what}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {REQUESTS}",
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            percentile(&times, 1.0)
        );
    }
    stop.trigger();
}
