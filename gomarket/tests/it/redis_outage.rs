//! Redis down for ten seconds under load: the edge keeps serving on its fallbacks (per-process
//! rate limits, PostgreSQL revocation checks, no cache), says so in `/readyz` and `/metrics`,
//! and goes back to shared mode by itself when Redis returns.

use crate::support::replica::{metric, post, query};
use crate::support::{ADMIN_PASSWORD, TestApp, codes_of, serve_args};
use gomarket_testkit::redis::{PrivateRedis, redis_prefix};
use gomarket_testkit::{TestDatabase, eventually};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

async fn readyz(client: &reqwest::Client, address: SocketAddr) -> (u16, Value) {
    let response = client.get(format!("http://{address}/readyz")).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// Waits (up to 5 s) until `/readyz` is 200 with Redis' status `status`; the readiness body.
async fn redis_becomes(client: &reqwest::Client, address: SocketAddr, status: &str) -> Value {
    eventually(
        Duration::from_secs(5),
        &format!("readyz reports redis {status}"),
        || async {
            let (code, ready) = readyz(client, address).await;
            if code == 200 && ready["redis"]["status"] == status {
                Ok(ready)
            } else {
                Err(ready)
            }
        },
    )
    .await
}

#[tokio::test]
async fn ten_seconds_without_redis_cost_no_5xx_and_shared_mode_comes_back_by_itself() {
    let mut redis = PrivateRedis::start();
    let mut args = serve_args();
    args.api.redis.redis_url = Some(redis.url());
    args.api.redis.redis_key_prefix = redis_prefix();
    let a = TestApp::spawn_on(TestDatabase::new(gomarket::MIGRATIONS).await, args.clone()).await;
    let b = a.replica(args).await;
    let client = reqwest::Client::new();
    let (status, ready) = readyz(&client, b.address).await;
    assert_eq!(
        (status, ready["redis"]["status"].as_str()),
        (200, Some("ok")),
        "{ready}"
    );

    // Load on both replicas for the whole test: reads, writes, and a login/logout each round.
    let statuses = Arc::new(Mutex::new(BTreeMap::<u16, usize>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut load = Vec::new();
    for worker in 0..2_usize {
        let (statuses, stop, token) = (statuses.clone(), stop.clone(), a.admin_token.clone());
        let addresses = [a.address, b.address];
        load.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut round = worker;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let address = addresses[round % 2];
                let bodies = [
                    json!({ "query": "{ products(first: 5) { nodes { id } } me { id } }" }),
                    json!({ "query": "mutation($i: CreateProductInput!) { createProduct(input: $i) { errors { code } } }",
                            "variables": { "i": crate::support::product_input(&format!("OUT-{worker}-{round}")) } }),
                ];
                for body in bodies {
                    let (status, _) = post(&client, address, Some(&token), body).await;
                    *statuses.lock().unwrap().entry(status).or_default() += 1;
                }
                round += 1;
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;

    redis.stop();
    let outage = Instant::now();
    // The edge notices and says so, and stays ready.
    let ready = redis_becomes(&client, b.address, "unreachable").await;
    assert!(ready["redis"]["mode"].as_str().unwrap().contains("fallback"), "{ready}");
    assert_eq!(metric(&client, b.address, "gomarket_redis_up ").await, 0.0);

    // Revocation fails closed onto PostgreSQL: a logout on A reaches B within a second.
    let session = a.login("admin", ADMIN_PASSWORD).await;
    let me = |token: String, address: SocketAddr| {
        let client = client.clone();
        async move {
            let body = query(&client, address, Some(&token), "{ me { id } }", json!({})).await;
            codes_of(&body["errors"]).into_iter().next().unwrap_or_default()
        }
    };
    assert_eq!(me(session.clone(), b.address).await, "");
    query(
        &client,
        a.address,
        Some(&session),
        "mutation { logout { revoked } }",
        json!({}),
    )
    .await;
    let logged_out = Instant::now();
    eventually(Duration::from_secs(1), "B refuses the logged-out token", || async {
        let code = me(session.clone(), b.address).await;
        if code == "UNAUTHENTICATED" { Ok(()) } else { Err(code) }
    })
    .await;
    assert!(logged_out.elapsed() <= Duration::from_secs(1));

    let fallbacks_during = metric(
        &client,
        b.address,
        "gomarket_redis_fallbacks_total{purpose=\"rate_limit\"} ",
    )
    .await;
    assert!(fallbacks_during > 0.0, "rate limits fell back to the process");
    tokio::time::sleep(Duration::from_secs(10).saturating_sub(outage.elapsed())).await;

    redis.restart();
    let ready = redis_becomes(&client, b.address, "ok").await;
    assert_eq!(ready["redis"]["mode"], "shared");
    assert_eq!(metric(&client, b.address, "gomarket_redis_up ").await, 1.0);
    // Shared mode again: requests no longer fall back.
    let before = metric(
        &client,
        b.address,
        "gomarket_redis_fallbacks_total{purpose=\"rate_limit\"} ",
    )
    .await;
    for _ in 0..20 {
        post(
            &client,
            b.address,
            Some(&a.admin_token),
            json!({ "query": "{ __typename }" }),
        )
        .await;
    }
    let after = metric(
        &client,
        b.address,
        "gomarket_redis_fallbacks_total{purpose=\"rate_limit\"} ",
    )
    .await;
    assert_eq!(before, after, "rate limits are shared again");
    // And a revocation is immediate again.
    let session = a.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(me(session.clone(), b.address).await, "");
    query(
        &client,
        a.address,
        Some(&session),
        "mutation { logout { revoked } }",
        json!({}),
    )
    .await;
    assert_eq!(me(session, b.address).await, "UNAUTHENTICATED");

    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for worker in load {
        worker.await.unwrap();
    }
    let statuses = statuses.lock().unwrap().clone();
    let answered: usize = statuses.values().sum();
    assert!(answered > 100, "the load ran: {statuses:?}");
    assert!(
        statuses.keys().all(|status| *status < 500),
        "no 5xx while Redis was away: {statuses:?}"
    );
    b.stop().await;
    a.stop().await;
}
