//! What Redis costs and saves at the edge (issue 21), on the catalog of `benches/scale`:
//!
//!   cargo bench -p gomarket --bench edge_cache                       # 100 000 offers
//!   cargo bench -p gomarket --bench edge_cache -- --offers 1000000   # on demand
//!
//! Needs PostgreSQL and Redis like the tests (GOMARKET_TEST_REDIS_URL, default
//! redis://127.0.0.1:6379). The catalog is the one `scale` loads into `gomarket_bench_<offers>`
//! (loaded here when missing). Prints, for BENCHMARKS.md:
//! 1. `products(first: 20)` and `product(id)` from `--clients` clients for `--seconds` each,
//!    p50/p99: without Redis, with Redis and the read cache, with Redis without the cache;
//! 2. the shared rate-limit check alone (one GCRA script round trip) against the in-process
//!    bucket, and a session's revocation check in Redis against PostgreSQL.

#[path = "scale/http.rs"]
mod http;
// Shared with `scale.rs`, which reads every field of the load report.
#[allow(dead_code)]
#[path = "scale/load.rs"]
mod load;
#[path = "common/rss.rs"]
mod rss;
#[path = "scale/stats.rs"]
mod stats;

use clap::Parser;
use gomarket::app::Application;
use gomarket::cli::ServeArgs;
use gomarket_infra::shared_state::rate_limit::SharedRateLimit;
use gomarket_infra::shared_state::{RedisSettings, SharedStore};
use gomarket_infra::shutdown;
use gomarket_infra::telemetry::Metrics;
use redis::AsyncCommands as _;
use serde_json::{Value, json};
use stats::Latencies;
use std::future::Future;
use std::time::{Duration, Instant};
use uuid::Uuid;

const PASSWORD: &str = "benchmark admin password";

#[derive(Debug, Parser)]
struct Args {
    /// Offers in the generated feed (the catalog `scale` loads).
    #[arg(long, env = "GOMARKET_BENCH_OFFERS", default_value_t = 100_000)]
    offers: usize,
    /// Seconds each read is measured for.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Ignored (cargo bench passes it).
    #[arg(long, hide = true)]
    bench: bool,
}

fn redis_url() -> String {
    std::env::var("GOMARKET_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let url = load::catalog(args.offers, PASSWORD).await;

    println!(
        "## Reads with and without the Redis read cache: {} offers, {} clients, {} s each\n",
        args.offers, args.clients, args.seconds
    );
    println!("| read | mode | requests/s | p50 | p99 |\n|---|---|---|---|---|");
    let prefix = format!("bench{}:", Uuid::now_v7().simple());
    for (mode, redis, cache) in [
        ("no Redis", false, false),
        ("Redis, read cache", true, true),
        ("Redis, no read cache", true, false),
    ] {
        let mut serve = load::serve_args(PASSWORD);
        serve.run_scheduler = false;
        serve.run_ingest = false;
        if redis {
            serve.api.redis.redis_url = Some(redis_url());
            serve.api.redis.redis_key_prefix = prefix.clone();
        }
        serve.api.redis.read_cache = cache;
        measure_reads(&url, &serve, mode, &args).await;
    }

    println!(
        "\n## The edge's Redis round trips, one client then {} at once\n",
        args.clients
    );
    println!("| check | clients | p50 | p99 |\n|---|---|---|---|");
    round_trips(&url, &prefix, args.clients).await;
}

/// Serves the catalog with `serve` and measures both reads.
async fn measure_reads(url: &str, serve: &ServeArgs, mode: &str, args: &Args) {
    let app = Application::build(url, 20, serve).await.unwrap();
    let pool = app.pool().clone();
    let endpoint = format!("http://{}/graphql", app.local_addr());
    let (stop, signal) = shutdown::channel();
    let server = tokio::spawn(app.run(signal));
    let token = http::login(&endpoint, PASSWORD).await;
    let id: Uuid =
        sqlx::query_scalar("SELECT id FROM products ORDER BY id OFFSET (SELECT count(*) / 3 FROM products) LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    let reads = [
        (
            "`products(first: 20)`",
            json!({ "query": "{ products(first: 20) { edges { cursor node { id sku title brand priceKopecks stock } } pageInfo { hasNextPage endCursor } } }" }),
        ),
        (
            "`product(id)`",
            json!({ "query": "query($id: ID!) { product(id: $id) { id sku title brand priceKopecks stock } }", "variables": { "id": id } }),
        ),
    ];
    for (name, request) in reads {
        let seconds = Duration::from_secs(args.seconds);
        let latencies = over_http(&endpoint, &token, &request, args.clients, seconds).await;
        eprintln!("{mode}, {name}: {}", latencies.summary());
        println!(
            "| {name} | {mode} | {:.0} | {:.2} ms | {:.2} ms |",
            latencies.0.len() as f64 / seconds.as_secs_f64(),
            latencies.quantile_ms(0.5),
            latencies.quantile_ms(0.99)
        );
    }
    stop.trigger();
    server.await.unwrap().unwrap();
}

async fn over_http(url: &str, token: &str, request: &Value, clients: usize, duration: Duration) -> Latencies {
    let deadline = Instant::now() + duration;
    let tasks = (0..clients).map(|_| {
        let (url, token, request) = (url.to_owned(), token.to_owned(), request.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut samples = Vec::new();
            while Instant::now() < deadline {
                let started = Instant::now();
                http::post(&client, &url, Some(&token), &request).await;
                samples.push(started.elapsed());
            }
            Latencies(samples)
        })
    });
    Latencies::merge(futures::future::join_all(tasks).await.into_iter().map(Result::unwrap))
}

/// Times `call` 5 000 times per client from `clients` clients.
async fn timed<F, Fut>(clients: usize, call: F) -> Latencies
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let tasks = (0..clients).map(|_| {
        let call = call.clone();
        tokio::spawn(async move {
            let mut samples = Vec::with_capacity(5_000);
            for _ in 0..5_000 {
                let started = Instant::now();
                call().await;
                samples.push(started.elapsed());
            }
            Latencies(samples)
        })
    });
    Latencies::merge(futures::future::join_all(tasks).await.into_iter().map(Result::unwrap))
}

async fn round_trips(url: &str, prefix: &str, clients: usize) {
    let settings = RedisSettings {
        key_prefix: prefix.to_owned(),
        ..RedisSettings::new(redis_url())
    };
    let store = SharedStore::connect(&settings, Metrics::new()).unwrap();
    let limit = SharedRateLimit::new(store.clone(), "bench", 1e9, 1e9);
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let session = Uuid::now_v7();
    let admin: String = sqlx::query_scalar("SELECT aggregate_id FROM events WHERE aggregate_type = 'User' LIMIT 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    let state = serde_json::to_vec(&json!({
        "login": "admin", "roles": ["ADMIN"], "disabled": false,
        "password_changed_at": "2026-12-04T00:00:00Z", "created_at": "2026-12-04T00:00:00Z",
    }))
    .unwrap();
    let key = store.key("bench:user-state");
    store
        .run(|mut connection| async move { connection.set_ex::<_, _, ()>(key, state, 3600).await })
        .await
        .unwrap();
    for concurrency in [1, clients] {
        let rate_limit = {
            let limit = limit.clone();
            timed(concurrency, move || {
                let limit = limit.clone();
                async move {
                    assert!(limit.check("client", 1).await.unwrap().is_ok());
                }
            })
            .await
        };
        let in_redis = {
            let store = store.clone();
            let key = store.key(&format!("revoked:session:{}", session.simple()));
            timed(concurrency, move || {
                let (store, key) = (store.clone(), key.clone());
                async move {
                    let revoked: bool = store
                        .run(|mut connection| async move { connection.exists(key).await })
                        .await
                        .unwrap();
                    assert!(!revoked);
                }
            })
            .await
        };
        let in_postgres = {
            let pool = pool.clone();
            timed(concurrency, move || {
                let pool = pool.clone();
                async move {
                    let revoked: bool = sqlx::query_scalar(
                        "SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE family_id = $1 AND revoked_at IS NOT NULL)",
                    )
                    .bind(session)
                    .fetch_one(&pool)
                    .await
                    .unwrap();
                    assert!(!revoked);
                }
            })
            .await
        };
        // The per-request user lookup (roles, disabled, password change): the user's events
        // from PostgreSQL (what a cache miss costs), against a stored state in Redis.
        let user_events = {
            let (pool, user) = (pool.clone(), admin.clone());
            timed(concurrency, move || {
                let (pool, user) = (pool.clone(), user.clone());
                async move {
                    let events: Vec<serde_json::Value> = sqlx::query_scalar(
                        "SELECT payload FROM events WHERE aggregate_type = 'User' AND aggregate_id = $1 ORDER BY sequence",
                    )
                    .bind(user)
                    .fetch_all(&pool)
                    .await
                    .unwrap();
                    assert!(!events.is_empty());
                }
            })
            .await
        };
        let user_in_redis = {
            let store = store.clone();
            let key = store.key("bench:user-state");
            timed(concurrency, move || {
                let (store, key) = (store.clone(), key.clone());
                async move {
                    let state: Option<Vec<u8>> = store
                        .run(|mut connection| async move { connection.get(key).await })
                        .await
                        .unwrap();
                    assert!(state.is_some());
                }
            })
            .await
        };
        for (name, latencies) in [
            ("rate limit: GCRA script in Redis", rate_limit),
            ("session revoked? `EXISTS` in Redis", in_redis),
            ("session revoked? `refresh_tokens` in PostgreSQL", in_postgres),
            ("user state: the user's events from PostgreSQL", user_events),
            ("user state: a stored state from Redis (`GET`)", user_in_redis),
        ] {
            println!(
                "| {name} | {concurrency} | {:.3} ms | {:.3} ms |",
                latencies.quantile_ms(0.5),
                latencies.quantile_ms(0.99)
            );
        }
    }
}
