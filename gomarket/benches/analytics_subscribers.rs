//! `analyticsEvents` at scale: one `gomarket query-api` process (a child, so its CPU and memory
//! are its own) serving SUBSCRIBERS websocket subscribers, each filtering one of PRODUCTS
//! products' stock changes, while a writer records RATE facts a second (small transactions,
//! straight into the store, spread over the products).
//!
//! Needs PostgreSQL like the tests:
//!   cargo bench -p gomarket --bench analytics_subscribers
//! (`BENCH_SUBSCRIBERS`, `BENCH_RATE`, `BENCH_SECONDS` change the load.) Prints the figures
//! recorded in BENCHMARKS.md: delivery latency from the event's insert to the client (p50, p99,
//! max), the process's CPU (cores) and RSS before, with idle subscribers and under load, and
//! the memory per subscriber.

use futures::{SinkExt as _, StreamExt as _};
use gomarket_testkit::TestDatabase;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

const PRODUCTS: usize = 100;
const PASSWORD: &str = "benchmark admin password";

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// (RSS in MiB, CPU seconds used so far) of a process.
fn usage(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kib| kib / 1024.0);
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (rss, (ticks(11) + ticks(12)) / 100.0)
}

async fn token(address: &str) -> String {
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if let Ok(response) = client
            .post(format!("http://{address}/graphql"))
            .json(&json!({
                "query": "mutation($p: String!) { login(email: \"admin\", password: $p) { accessToken } }",
                "variables": { "p": PASSWORD }
            }))
            .send()
            .await
        {
            let body: Value = response.json().await.unwrap();
            if let Some(token) = body["data"]["login"]["accessToken"].as_str() {
                return token.to_owned();
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the query-api did not start");
}

/// One subscriber: connects, subscribes to `product`'s stock changes from now, and records the
/// latency of every event it receives (now − the event's `recordedAt`).
async fn subscriber(
    address: String,
    token: String,
    product: String,
    latencies: Arc<Mutex<Vec<f64>>>,
    ready: Arc<AtomicUsize>,
) {
    let mut request = format!("ws://{address}/graphql/ws").into_client_request().unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("websocket");
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    socket.send(Message::text(init.to_string())).await.unwrap();
    let _ack = socket.next().await;
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": {
        "query": "subscription($p: ID!) { analyticsEvents(filter: { kinds: [SUPPLIER_STOCK_CHANGED], productIds: [$p] }) {
            events { cursor recordedAt } } }",
        "variables": { "p": product } } });
    socket.send(Message::text(subscribe.to_string())).await.unwrap();
    ready.fetch_add(1, Ordering::SeqCst);
    let mut mine = Vec::new();
    while let Some(Ok(message)) = socket.next().await {
        let Message::Text(text) = message else { continue };
        let received = chrono::Utc::now();
        let value: Value = serde_json::from_str(&text).unwrap();
        if value["type"] != "next" {
            break;
        }
        for event in value["payload"]["data"]["analyticsEvents"]["events"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let recorded: chrono::DateTime<chrono::Utc> = event["recordedAt"].as_str().unwrap().parse().unwrap();
            mine.push((received - recorded).num_microseconds().unwrap_or(0) as f64 / 1000.0);
        }
        latencies.lock().await.append(&mut mine);
    }
    latencies.lock().await.append(&mut mine);
}

#[tokio::main]
async fn main() {
    let subscribers = setting("BENCH_SUBSCRIBERS", 1000) as usize;
    let rate = setting("BENCH_RATE", 500);
    let seconds = setting("BENCH_SECONDS", 30);
    let db = TestDatabase::new(gomarket::MIGRATIONS).await;
    let address = format!("127.0.0.1:{}", 20_000 + std::process::id() % 10_000);
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_gomarket"))
        .arg("query-api")
        .env("DATABASE_URL", &db.url)
        .env("GOMARKET_LISTEN", &address)
        .env("GOMARKET_ADMIN_PASSWORD", PASSWORD)
        .env("GOMARKET_RATE_LIMIT_PER_SECOND", "1000000")
        .env("GOMARKET_RATE_LIMIT_BURST", "1000000")
        .env("GOMARKET_RATE_LIMIT_IP_PER_SECOND", "1000000")
        .env("GOMARKET_RATE_LIMIT_IP_BURST", "1000000")
        .env("GOMARKET_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .expect("gomarket query-api starts");
    let pid = child.id().unwrap();
    let token = token(&address).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (baseline_rss, _) = usage(pid);

    let products: Vec<String> = (0..PRODUCTS).map(|_| uuid::Uuid::now_v7().to_string()).collect();
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let ready = Arc::new(AtomicUsize::new(0));
    for i in 0..subscribers {
        tokio::spawn(subscriber(
            address.clone(),
            token.clone(),
            products[i % PRODUCTS].clone(),
            latencies.clone(),
            ready.clone(),
        ));
        if i % 50 == 49 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    while ready.load(Ordering::SeqCst) < subscribers {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (idle_rss, cpu_before) = usage(pid);

    // The writer: every 100 ms one transaction of rate / 10 stock changes, round the products.
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let per_tick = (rate / 10).max(1) as i64;
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let mut sequence = 0i64;
    let mut peak_rss = idle_rss;
    while started.elapsed() < Duration::from_secs(seconds) {
        tick.tick().await;
        sqlx::query(
            "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
             SELECT 'Product', ($1::text[])[1 + (g % $3)], $2 + g / $3 + 1, 'ProductStockChanged', '1',
                    jsonb_build_object('ProductStockChanged',
                        jsonb_build_object('stock', g, 'previous', 0, 'at', now())), '{}'
               FROM generate_series($4::bigint, $4 + $5 - 1) AS g",
        )
        .bind(&products)
        .bind(0i64)
        .bind(PRODUCTS as i64)
        .bind(sequence)
        .bind(per_tick)
        .execute(&pool)
        .await
        .unwrap();
        sequence += per_tick;
        peak_rss = peak_rss.max(usage(pid).0);
    }
    let elapsed = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (load_rss, cpu_after) = usage(pid);
    let mut samples = std::mem::take(&mut *latencies.lock().await);
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    let expected = sequence as usize * subscribers / PRODUCTS;
    println!(
        "analytics subscribers: {subscribers} subscribers, {} facts/s for {seconds} s ({sequence} facts, {} deliveries of {expected} expected)",
        (sequence as f64 / elapsed).round(),
        samples.len()
    );
    println!(
        "latency commit → client: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        at(0.5),
        at(0.99),
        at(1.0)
    );
    println!(
        "query-api: CPU {:.2} cores under load; RSS {baseline_rss:.0} MiB before subscribers, {idle_rss:.0} MiB with them idle, \
         {load_rss:.0} MiB after the load (peak {peak_rss:.0} MiB); {:.1} KiB per subscriber",
        (cpu_after - cpu_before) / (elapsed + 2.0),
        (idle_rss - baseline_rss) * 1024.0 / subscribers as f64
    );
    child.kill().await.expect("the query-api child stops");
}
