//! A flood of logins costs bounded memory and never fails as `INTERNAL` (issue 16, point 2):
//! 200 logins at once had taken the process from 33 MB to 3.7 GB (19 MiB of Argon2 each) and
//! 1 000 exhausted the pool. Alone in its binary: it measures the process's peak RSS.

// Shared with the `it` binary, of which this one uses a part.
#[allow(dead_code)]
#[path = "it/support/mod.rs"]
mod support;

use serde_json::{Value, json};
use std::collections::BTreeMap;
use support::{TestApp, serve_args};

/// Peak resident memory of this process so far, in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_logins_at_once_cost_bounded_memory_and_no_internal_errors() {
    let mut args = serve_args();
    // Many attacker addresses: the per-address lock must not be what saves us here.
    args.api.security.login_address_max_failures = 1_000_000;
    let app = TestApp::spawn_on(gomarket_testkit::TestDatabase::new(gomarket::MIGRATIONS).await, args).await;
    let before = peak_rss_kib();
    let batches: Vec<_> = (0..100)
        .map(|b| {
            let (client, url) = (app.client.clone(), app.url("/graphql"));
            tokio::spawn(async move {
                let batch: Vec<Value> = (0..10)
                    .map(|i| {
                        json!({ "query": "mutation($e: String!) { login(email: $e, password: \"guess\") { accessToken errors { code } } }",
                                "variables": { "e": format!("nobody-{b}-{i}@example.ru") } })
                    })
                    .collect();
                let response = client.post(url).json(&batch).send().await.unwrap();
                let status = response.status().as_u16();
                (status, response.json::<Value>().await.unwrap())
            })
        })
        .collect();
    let mut codes = BTreeMap::<String, usize>::new();
    for batch in batches {
        let (status, body) = batch.await.unwrap();
        assert!(matches!(status, 200 | 429), "{status}: {body}");
        for response in body.as_array().unwrap() {
            for error in response["errors"].as_array().into_iter().flatten() {
                *codes
                    .entry(error["extensions"]["code"].as_str().unwrap_or("?").to_owned())
                    .or_default() += 1;
            }
        }
    }
    let growth_mib = (peak_rss_kib() - before) / 1024;
    eprintln!("1 000 logins: codes {codes:?}, peak RSS growth {growth_mib} MiB");
    assert_eq!(
        codes
            .keys()
            .map(String::as_str)
            .filter(|c| !["UNAUTHENTICATED", "RATE_LIMITED"].contains(c))
            .count(),
        0,
        "{codes:?}"
    );
    assert_eq!(codes.values().sum::<usize>(), 1000, "every login answered: {codes:?}");
    assert!(growth_mib <= 200, "peak RSS grew by {growth_mib} MiB");
    // Another client is served meanwhile and afterwards.
    let products = app.graphql("{ products(first: 1) { totalCount } }", json!({})).await;
    assert!(products["errors"].is_null(), "{products}");
}
