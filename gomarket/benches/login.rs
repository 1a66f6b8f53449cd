//! Login benchmark: `login(email, password)` over HTTP against the real application
//! (Argon2id verification, throttle bookkeeping, access JWT and refresh token issue).
//!
//! Needs PostgreSQL like the tests:
//!   cargo bench -p gomarket --bench login
//! Prints the figures recorded in BENCHMARKS.md: latency percentiles of 200 sequential logins,
//! and of 200 logins from 4 concurrent clients (the 2 cores then share four Argon2 hashes).

use gomarket::app::Application;
use gomarket::cli::ServeArgs;
use gomarket_infra::shutdown;
use gomarket_testkit::TestDatabase;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const LOGINS: usize = 200;
const CONCURRENT_CLIENTS: usize = 4;
const PASSWORD: &str = "benchmark admin password";

async fn login(client: &reqwest::Client, url: &str) -> Duration {
    let started = Instant::now();
    let body: Value = client
        .post(url)
        .json(&json!({
            "query": "mutation($p: String!) { login(email: \"admin\", password: $p) { accessToken errors { code } } }",
            "variables": { "p": PASSWORD }
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body["data"]["login"]["accessToken"].is_string(), "{body}");
    started.elapsed()
}

fn report(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1e3;
    println!(
        "{label}: {} logins, p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        samples.len(),
        at(0.5),
        at(0.95),
        at(0.99),
        at(1.0)
    );
}

#[tokio::main]
async fn main() {
    let db = TestDatabase::new(gomarket::MIGRATIONS).await;
    let mut args = ServeArgs::default();
    args.api.listen = Some("127.0.0.1:0".parse().unwrap());
    args.api.security.admin_password = Some(PASSWORD.to_owned());
    args.api.edge.rate_limit_ip_per_second = 1e6;
    args.api.edge.rate_limit_ip_burst = 1e6;
    let app = Application::build(&db.url, 10, &args).await.unwrap();
    let url = format!("http://{}/graphql", app.local_addr());
    let (trigger, signal) = shutdown::channel();
    let server = tokio::spawn(app.run(signal));
    let client = reqwest::Client::new();
    login(&client, &url).await; // warm up connections and caches

    let mut sequential = Vec::with_capacity(LOGINS);
    for _ in 0..LOGINS {
        sequential.push(login(&client, &url).await);
    }
    report("sequential", sequential);

    let mut clients = Vec::new();
    for _ in 0..CONCURRENT_CLIENTS {
        let (client, url) = (client.clone(), url.clone());
        clients.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            for _ in 0..LOGINS / CONCURRENT_CLIENTS {
                samples.push(login(&client, &url).await);
            }
            samples
        }));
    }
    let mut concurrent = Vec::new();
    for client in clients {
        concurrent.extend(client.await.unwrap());
    }
    report(&format!("{CONCURRENT_CLIENTS} concurrent clients"), concurrent);

    trigger.trigger();
    server.await.unwrap().unwrap();
}
