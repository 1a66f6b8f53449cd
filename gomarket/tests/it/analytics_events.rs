//! `analyticsEvents`: resuming from a cursor on another `query-api` process with nothing lost or doubled,
//! the switch from catch-up to live under concurrent writes, a subscriber that stops reading
//! (closed with `SUBSCRIBER_TOO_SLOW`, memory bounded, resumes), filters and permissions.

use crate::support::roles::{Deployment, free_address, wait_until_ok};
use crate::support::wb_fake::WbFake;
use crate::support::{TestApp, product_input, serve_args, ws};
use futures::future::join_all;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::net::SocketAddr;
use std::time::Duration;

const EVENTS: &str = "subscription($after: String, $filter: AnalyticsEventFilter, $size: Int!) {
    analyticsEvents(after: $after, filter: $filter, batchSize: $size) {
        cursor
        events { cursor kind productId accountId recordedAt aggregateType sequence
                 ... on SupplierStockChanged { stock previousStock } } } }";

/// One received event: cursor (as numbers, for order), product, stock.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Seen {
    cursor: (i64, i64, i64),
    raw_cursor: String,
    product: String,
    stock: i64,
}

fn cursor_numbers(raw: &str) -> (i64, i64, i64) {
    let parts: Vec<i64> = raw.split('.').map(|p| p.parse().expect("numeric cursor")).collect();
    (parts[0], parts[1], parts[2])
}

async fn products(app: &TestApp, prefix: &str, count: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..count {
        let created = app.create_product(product_input(&format!("{prefix}-{i}"))).await;
        ids.push(
            created["data"]["createProduct"]["product"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{created}"))
                .to_owned(),
        );
    }
    ids
}

/// `per_product` stock changes on each product, one writer per product at once; stock
/// values `base + 1 ..= base + per_product`. The (product, stock) pairs written.
async fn write_stock(app: &TestApp, products: &[String], per_product: i64, base: i64) -> HashSet<(String, i64)> {
    let writers = products.iter().map(|id| async move {
        for n in 1..=per_product {
            let changed = app.change_stock(id, base + n, None).await;
            assert!(
                changed["data"]["changeProductStock"]["product"].is_object(),
                "{changed}"
            );
        }
    });
    join_all(writers).await;
    products
        .iter()
        .flat_map(|id| (1..=per_product).map(move |n| (id.clone(), base + n)))
        .collect()
}

async fn subscribe(address: SocketAddr, token: &str, after: Option<&str>, filter: Value, size: i64) -> ws::Socket {
    let (mut socket, ack) = ws::connect(address, json!({ "Authorization": format!("Bearer {token}") })).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    let variables = json!({ "after": after, "filter": filter, "size": size });
    ws::subscribe(&mut socket, "a", EVENTS, variables).await;
    socket
}

/// Reads batches until `count` events arrived; asserts each message holds at most `size`.
async fn read_events(socket: &mut ws::Socket, count: usize, size: usize) -> Vec<Seen> {
    let mut seen = Vec::new();
    while seen.len() < count {
        let message = ws::next_message(socket).await;
        assert_eq!(message["type"], "next", "{message}");
        assert!(message["payload"]["errors"].is_null(), "{message}");
        let batch = &message["payload"]["data"]["analyticsEvents"];
        let events = batch["events"].as_array().expect("events");
        assert!(
            !events.is_empty() && events.len() <= size,
            "{} events in a batch",
            events.len()
        );
        assert_eq!(batch["cursor"], events.last().unwrap()["cursor"]);
        for event in events {
            seen.push(seen_of(event));
        }
    }
    seen
}

fn seen_of(event: &Value) -> Seen {
    let raw = event["cursor"].as_str().expect("cursor").to_owned();
    Seen {
        cursor: cursor_numbers(&raw),
        raw_cursor: raw,
        product: event["productId"].as_str().unwrap_or_default().to_owned(),
        stock: event["stock"].as_i64().unwrap_or(i64::MIN),
    }
}

/// Strictly increasing cursors: feed order, no duplicate.
fn assert_in_feed_order(seen: &[Seen]) {
    for pair in seen.windows(2) {
        assert!(
            pair[0].cursor < pair[1].cursor,
            "out of order: {:?} then {:?}",
            pair[0],
            pair[1]
        );
    }
}

/// Nothing more arrives within `quiet`.
async fn assert_quiet(socket: &mut ws::Socket, quiet: Duration) {
    use futures::StreamExt as _;
    if let Ok(Some(Ok(message))) = tokio::time::timeout(quiet, socket.next()).await {
        panic!("unexpected message: {message:?}");
    }
}

/// A `gomarket query-api` process of its own on the same database, as a replica runs; killed
/// when the handle drops.
async fn query_api_process(app: &TestApp) -> (SocketAddr, tokio::process::Child) {
    let fake = WbFake::start().await;
    let deployment = Deployment::new(&app.db.url, &fake, None);
    let address = free_address();
    let child = deployment.spawn(&["query-api"], &[("GOMARKET_LISTEN", address.to_string())]);
    wait_until_ok(address, "/healthz").await;
    (address, child)
}

fn stock_filter(products: &[String]) -> Value {
    json!({ "kinds": ["SUPPLIER_STOCK_CHANGED"], "productIds": products })
}

#[tokio::test]
async fn a_subscriber_resumes_from_its_cursor_on_another_process_with_nothing_lost_or_doubled() {
    let app = TestApp::spawn().await;
    let ids = products(&app, "RESUME", 10).await;
    let mut socket = subscribe(app.address, &app.admin_token, Some("0.0.0"), stock_filter(&ids), 64).await;
    let first_written = write_stock(&app, &ids, 50, 0).await;
    let first = read_events(&mut socket, 500, 64).await;
    assert_eq!(first.len(), 500);
    assert_in_feed_order(&first);
    let got: HashSet<(String, i64)> = first.iter().map(|s| (s.product.clone(), s.stock)).collect();
    assert_eq!(got, first_written);
    drop(socket);

    // 500 more from ten writers at once while it is away.
    let second_written = write_stock(&app, &ids, 50, 1000).await;
    let last = first.last().unwrap().raw_cursor.clone();
    let (other, _process) = query_api_process(&app).await;
    let mut socket = subscribe(other, &app.admin_token, Some(&last), stock_filter(&ids), 64).await;
    let second = read_events(&mut socket, 500, 64).await;
    assert_in_feed_order(&second);
    assert!(second[0].cursor > first.last().unwrap().cursor);
    let got: HashSet<(String, i64)> = second.iter().map(|s| (s.product.clone(), s.stock)).collect();
    assert_eq!(got, second_written, "exactly the facts written while away");
    assert_quiet(&mut socket, Duration::from_millis(700)).await;

    // Live from there: a new fact arrives on the other process too.
    app.change_stock(&ids[0], 7, None).await;
    let live = read_events(&mut socket, 1, 64).await;
    assert_eq!((live[0].product.as_str(), live[0].stock), (ids[0].as_str(), 7));
}

#[tokio::test]
async fn writes_during_catch_up_are_delivered_exactly_once() {
    let app = TestApp::spawn().await;
    let ids = products(&app, "SWITCH", 8).await;
    let backlog = write_stock(&app, &ids, 150, 0).await;
    let mut socket = subscribe(app.address, &app.admin_token, Some("0.0.0"), stock_filter(&ids), 25).await;
    // Writers keep going while the subscriber catches up and switches to live.
    let (during, seen) = tokio::join!(write_stock(&app, &ids, 60, 5000), read_events(&mut socket, 1680, 25));
    assert_eq!(seen.len(), 1680);
    assert_in_feed_order(&seen);
    let got: HashSet<(String, i64)> = seen.iter().map(|s| (s.product.clone(), s.stock)).collect();
    let expected: HashSet<(String, i64)> = backlog.union(&during).cloned().collect();
    assert_eq!(got, expected);
    assert_quiet(&mut socket, Duration::from_millis(700)).await;
}

#[tokio::test]
async fn filters_and_from_now_on_without_a_cursor() {
    let app = TestApp::spawn().await;
    let ids = products(&app, "FILTER", 3).await;
    app.change_stock(&ids[0], 1, None).await;
    // A VIEWER may subscribe; without `after` it starts from now.
    let (_, viewer) = app.user_with_roles("viewer@analytics.test", &["VIEWER"]).await;
    let filter = json!({ "productIds": [ids[1]] });
    let mut socket = subscribe(app.address, &viewer, None, filter, 10).await;
    // The subscription is live once the tail has started; write until the first arrives.
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.change_stock(&ids[0], 2, None).await;
    app.change_stock(&ids[1], 3, None).await;
    app.change_price(&ids[1], 12_345, None).await;
    app.change_stock(&ids[2], 4, None).await;
    app.change_stock(&ids[1], 5, None).await;
    let seen = read_events(&mut socket, 2, 10).await;
    let stocks: Vec<i64> = seen.iter().map(|s| s.stock).collect();
    assert_eq!(stocks, [3, 5], "only product 1's stock changes, nothing from before");
    assert!(seen.iter().all(|s| s.product == ids[1]));
    assert_quiet(&mut socket, Duration::from_millis(500)).await;

    // Bad input is refused with a code, not a closed socket.
    let mut socket = ws::connect(
        app.address,
        json!({ "Authorization": format!("Bearer {}", app.admin_token) }),
    )
    .await
    .0;
    for (variables, field) in [
        (json!({ "after": "not-a-cursor", "size": 10 }), "after"),
        (json!({ "size": 0 }), "batchSize"),
        (json!({ "size": 10, "filter": { "kinds": [] } }), "filter.kinds"),
        (
            json!({ "size": 10, "filter": { "accountIds": ["x"] } }),
            "filter.accountIds",
        ),
    ] {
        ws::subscribe(&mut socket, field, EVENTS, variables).await;
        let refused = ws::next_message(&mut socket).await;
        assert_eq!(ws::error_codes(&refused), ["BAD_USER_INPUT"], "{field}: {refused}");
        let complete = ws::next_message(&mut socket).await;
        assert_eq!(complete["type"], "complete", "{complete}");
    }
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// Writes `count` stock changes of one (made-up) product straight into the store: the fastest
/// way to put 100 000 facts behind a subscriber. Nothing projects them in this test.
async fn insert_stock_events(pool: &sqlx::PgPool, product: &str, from: i64, count: i64) {
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
         SELECT 'Product', $1, g, 'ProductStockChanged', '1',
                jsonb_build_object('ProductStockChanged',
                    jsonb_build_object('stock', g, 'previous', g - 1, 'at', '2026-12-04T10:00:00Z')),
                '{}'
           FROM generate_series($2::bigint, $2 + $3 - 1) AS g",
    )
    .bind(product)
    .bind(from)
    .bind(count)
    .execute(pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_subscriber_that_stops_reading_is_closed_and_resumes_with_everything() {
    let mut args = serve_args();
    args.run_projectors = false;
    args.api.analytics_buffer_batches = 16;
    let app = TestApp::spawn_on(gomarket_testkit::TestDatabase::new(gomarket::MIGRATIONS).await, args).await;
    let product = uuid::Uuid::now_v7().to_string();
    let filter = json!({ "productIds": [product] });
    let mut socket = subscribe(app.address, &app.admin_token, Some("0.0.0"), filter.clone(), 200).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss_kib();
    // 100 000 facts while the client reads nothing, in short transactions: transaction ids are
    // the cluster's, so a long one would hold back what every other test's feed may read.
    let pool = sqlx::PgPool::connect(&app.db.url).await.unwrap();
    for chunk in 0..100 {
        insert_stock_events(&pool, &product, chunk * 1_000 + 1, 1_000).await;
    }
    // A marker after them, seen by a second subscriber: the tail has read all 100 000.
    let marker = uuid::Uuid::now_v7().to_string();
    let mut probe = subscribe(
        app.address,
        &app.admin_token,
        None,
        json!({ "productIds": [marker] }),
        10,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    insert_stock_events(&pool, &marker, 1, 1).await;
    let probed = read_events(&mut probe, 1, 10).await;
    assert_eq!(probed[0].product, marker);
    let grown_kib = rss_kib().saturating_sub(before);
    assert!(
        grown_kib < 96 * 1024,
        "the process grew {grown_kib} KiB while the client read nothing"
    );

    // Now it reads: what the connection held, then the documented code.
    let mut seen = Vec::new();
    let resume_after = loop {
        let Ok(message) = tokio::time::timeout(Duration::from_secs(10), ws::next_message(&mut socket)).await else {
            panic!("neither events nor SUBSCRIBER_TOO_SLOW after {} events", seen.len());
        };
        match message["type"].as_str() {
            Some("next") if message["payload"]["errors"].is_null() => {
                let events = message["payload"]["data"]["analyticsEvents"]["events"]
                    .as_array()
                    .unwrap();
                seen.extend(events.iter().map(seen_of));
            }
            Some("next") => {
                assert_eq!(ws::error_codes(&message), ["SUBSCRIBER_TOO_SLOW"], "{message}");
                break message["payload"]["errors"][0]["extensions"]["resumeAfter"]
                    .as_str()
                    .expect("resumeAfter")
                    .to_owned();
            }
            _ => panic!("expected events, then SUBSCRIBER_TOO_SLOW: {message}"),
        }
    };
    assert!(seen.len() < 100_000, "it was closed before it had everything");
    match seen.last() {
        Some(last) => assert_eq!(last.raw_cursor, resume_after, "resumes after the last event it got"),
        None => assert_eq!(resume_after, "0.0.0"),
    }
    let complete = ws::next_message(&mut socket).await;
    assert_eq!(complete["type"], "complete", "{complete}");

    let mut socket = subscribe(app.address, &app.admin_token, Some(&resume_after), filter, 1000).await;
    let rest = read_events(&mut socket, 100_000 - seen.len(), 1000).await;
    seen.extend(rest);
    assert_in_feed_order(&seen);
    let stocks: Vec<i64> = seen.iter().map(|s| s.stock).collect();
    assert_eq!(stocks, (1..=100_000).collect::<Vec<_>>(), "every fact once, in order");
    assert_quiet(&mut socket, Duration::from_millis(500)).await;
}
