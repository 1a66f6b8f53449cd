//! Writes over HTTP against the store's raw pace: `createProduct` and `changeProductPrice`
//! from `clients` clients, beside `pgbench` inserting single rows (one per transaction) into
//! a copy of the events table from as many clients, in the same run; then the write-to-read
//! lag at a steady rate.

use crate::stats::Latencies;
use gomarket_infra::event_store::{ConsistencyToken, FeedPosition};
use serde_json::{Value, json};
use sqlx::{Executor, PgPool};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// What a timed run of one mutation gave.
#[derive(Debug)]
pub struct Throughput {
    pub per_second: f64,
    pub latencies: Latencies,
}

const CREATE: &str = "mutation($input: CreateProductInput!) {
    createProduct(input: $input) { product { id version } errors { code message } consistencyToken } }";
const REPRICE: &str = "mutation($id: ID!, $price: Int!) {
    changeProductPrice(id: $id, priceKopecks: $price) { product { id version } errors { code message } consistencyToken } }";

fn create_input(run: &str, client: usize, n: usize) -> Value {
    json!({ "input": {
        "sku": format!("W-{run}-{client}-{n}"),
        "title": format!("Чайник электрический Vitek VT-{n}, белый"),
        "brand": "Vitek",
        "description": "Стеклянная колба, подсветка, 2200 Вт",
        "category": "Бытовая техника/Кухня/Чайники",
        "priceKopecks": 249_900 + n as i64,
        "stock": 12,
    }})
}

async fn post(client: &reqwest::Client, url: &str, token: &str, query: &str, variables: Value) -> Value {
    crate::http::post(
        client,
        url,
        Some(token),
        &json!({ "query": query, "variables": variables }),
    )
    .await
}

/// `createProduct` from `clients` clients for `duration`; returns the ids created too.
pub async fn creates(url: &str, token: &str, clients: usize, duration: Duration) -> (Throughput, Vec<String>) {
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for client_no in 0..clients {
        let (url, token, run) = (url.to_owned(), token.to_owned(), run.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let (mut samples, mut ids) = (Vec::new(), Vec::new());
            let mut n = 0;
            while Instant::now() < deadline {
                let at = Instant::now();
                let body = post(&client, &url, &token, CREATE, create_input(&run, client_no, n)).await;
                samples.push(at.elapsed());
                ids.push(
                    body["data"]["createProduct"]["product"]["id"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                );
                n += 1;
            }
            (Latencies(samples), ids)
        }));
    }
    let mut all = Vec::new();
    let mut ids = Vec::new();
    for task in tasks {
        let (samples, created) = task.await.unwrap();
        all.push(samples);
        ids.extend(created);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let latencies = Latencies::merge(all);
    (
        Throughput {
            per_second: latencies.0.len() as f64 / elapsed,
            latencies,
        },
        ids,
    )
}

/// `changeProductPrice` (no expected version) on `ids`, each client its own share.
pub async fn reprices(url: &str, token: &str, ids: &[String], clients: usize, duration: Duration) -> Throughput {
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for client_no in 0..clients {
        let mine: Vec<String> = ids.iter().skip(client_no).step_by(clients).cloned().collect();
        let (url, token) = (url.to_owned(), token.to_owned());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut samples = Vec::new();
            let mut n = 0usize;
            while Instant::now() < deadline && !mine.is_empty() {
                let at = Instant::now();
                let id = &mine[n % mine.len()];
                post(
                    &client,
                    &url,
                    &token,
                    REPRICE,
                    json!({ "id": id, "price": 100_000 + n }),
                )
                .await;
                samples.push(at.elapsed());
                n += 1;
            }
            Latencies(samples)
        }));
    }
    let latencies = Latencies::merge(futures::future::join_all(tasks).await.into_iter().map(Result::unwrap));
    Throughput {
        per_second: latencies.0.len() as f64 / started.elapsed().as_secs_f64(),
        latencies,
    }
}

/// The pace `pgbench` reported and how long it ran.
pub struct RawPace {
    pub tps: f64,
    pub seconds: f64,
}

/// Single-row inserts into a copy of the events table (indexes included), one per
/// transaction, by `pgbench` from `clients` clients: the store's raw pace on this machine.
pub async fn raw_insert_pace(pool: &PgPool, database_url: &str, clients: usize, duration: Duration) -> RawPace {
    let payload: String = sqlx::query_scalar(
        "SELECT payload::text FROM events WHERE event_type = 'ProductCreated' ORDER BY position DESC LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    pool.execute("DROP TABLE IF EXISTS events_raw_pace").await.unwrap();
    pool.execute("CREATE TABLE events_raw_pace (LIKE events INCLUDING ALL)")
        .await
        .unwrap();
    let script = std::env::temp_dir().join(format!("gomarket-raw-pace-{}.sql", std::process::id()));
    std::fs::write(
        &script,
        format!(
            "INSERT INTO events_raw_pace (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) \
             VALUES ('Product', gen_random_uuid()::text, 1, 'ProductCreated', '1', '{}', \
             '{{\"actor\": \"user:bench\", \"command\": \"CreateProduct\", \"correlation_id\": \"bench\"}}');\n",
            payload.replace('\'', "''")
        ),
    )
    .unwrap();
    let output = Command::new("pgbench")
        .args([
            "-n",
            "-c",
            &clients.to_string(),
            "-j",
            "2",
            "-T",
            &duration.as_secs().to_string(),
            "-f",
        ])
        .arg(&script)
        .arg(database_url)
        .output()
        .expect("pgbench (Debian's postgresql-contrib) runs");
    let _ = std::fs::remove_file(script);
    pool.execute("DROP TABLE events_raw_pace").await.unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let tps = text
        .lines()
        .find_map(|line| line.strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|tps| tps.parse().ok())
        .unwrap_or_else(|| panic!("pgbench said: {text}{}", String::from_utf8_lossy(&output.stderr)));
    RawPace {
        tps,
        seconds: duration.as_secs_f64(),
    }
}

/// Returns once the products projection has applied every event recorded so far.
pub async fn caught_up(pool: &PgPool) {
    let feed = gomarket_infra::event_store::EventFeed::new(pool.clone());
    while gomarket_projections::measure_lag(&feed, "products")
        .await
        .unwrap()
        .events
        > 0
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Write-to-read lag at `rate` creates a second for `duration`: from each mutation's answer
/// to the moment the products projection's checkpoint (polled every millisecond) passes the
/// write's place in the feed.
pub async fn lag_at(pool: &PgPool, url: &str, token: &str, rate: u64, duration: Duration) -> (f64, Latencies) {
    // Start with the projection caught up (the runs before leave it a backlog to drain).
    caught_up(pool).await;
    let seen: Arc<Mutex<Vec<(Instant, FeedPosition)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (pool, seen, stop) = (pool.clone(), seen.clone(), stop.clone());
        tokio::spawn(async move {
            let mut last = FeedPosition::START;
            while !stop.load(Ordering::Relaxed) {
                let (tx_id, position): (i64, i64) =
                    sqlx::query_as("SELECT tx_id, position FROM projection_checkpoints WHERE name = 'products'")
                        .fetch_one(&pool)
                        .await
                        .unwrap();
                let now = FeedPosition { tx_id, position };
                if now != last {
                    seen.lock().await.push((Instant::now(), now));
                    last = now;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
    };
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let client = reqwest::Client::new();
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
    let started = Instant::now();
    let mut writes = Vec::new();
    let mut n = 0;
    while started.elapsed() < duration {
        ticker.tick().await;
        let (client, url, token, input) = (
            client.clone(),
            url.to_owned(),
            token.to_owned(),
            create_input(&run, 0, n),
        );
        writes.push(tokio::spawn(async move {
            let body = post(&client, &url, &token, CREATE, input).await;
            let token = body["data"]["createProduct"]["consistencyToken"].as_str().unwrap();
            (Instant::now(), ConsistencyToken::decode(token).unwrap().position)
        }));
        n += 1;
    }
    let mut answered = Vec::new();
    for write in writes {
        answered.push(write.await.unwrap());
    }
    let achieved = answered.len() as f64 / started.elapsed().as_secs_f64();
    let last = answered.iter().map(|(_, p)| *p).max().unwrap_or_default();
    while seen.lock().await.last().is_none_or(|(_, p)| *p < last) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stop.store(true, Ordering::Relaxed);
    watcher.await.unwrap();
    let seen = seen.lock().await;
    let lags = answered
        .iter()
        .map(|(at, position)| {
            let applied = seen
                .iter()
                .find(|(_, p)| p >= position)
                .map(|(t, _)| *t)
                .expect("applied");
            applied.saturating_duration_since(*at)
        })
        .collect();
    (achieved, Latencies(lags))
}
