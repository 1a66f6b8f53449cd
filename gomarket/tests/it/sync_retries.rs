//! Sync runs when Wildberries misbehaves, and what the seller does about it:
//! - the prices API down for the first attempts: items retry with growing delays, then succeed;
//! - down for good: items end `FAILED` after the policy's attempts, and `retryFailed` later
//!   succeeds;
//! - a held price cut goes out after `approveHeldPrices`;
//! - a `syncRunProgress` subscriber sees the counts change and the final state.

use crate::support::feeds::FeedServer;
use crate::support::marketplace::{args_for, connect, map_category};
use crate::support::sync::{feed, register_supplier, run_when_done, trigger, upsert_policy};
use crate::support::wb_fake::{Fault, WbFake};
use crate::support::{TestApp, ws};
use gomarket_testkit::eventually;
use serde_json::{Value, json};
use std::time::Duration;

const PRICES: &str = "/api/v2/upload/task";

/// The app against the fake, each worker attempt one request, retries after 400 ms × 2ⁿ.
async fn app_for(fake: &WbFake) -> TestApp {
    let mut args = args_for(fake);
    args.api.marketplace.wb_attempts = 1;
    args.api.marketplace.wb_retry_base_ms = 400;
    args.scheduler.scheduler_interval_ms = 200;
    TestApp::spawn_on(gomarket_testkit::TestDatabase::new(gomarket::MIGRATIONS).await, args).await
}

struct Setup {
    app: TestApp,
    fake: WbFake,
    server: FeedServer,
    policy: String,
}

async fn setup(offers: &[Option<(i64, i64)>]) -> Setup {
    let fake = WbFake::start().await;
    let app = app_for(&fake).await;
    let server = FeedServer::start().await;
    server.set_feed(feed(offers));
    let supplier = register_supplier(&app, &server.url("/feed.yml")).await;
    map_category(&app).await;
    let account = connect(&app, "WB", "wb-token.eyJyZXRyeSI6MX0").await;
    let policy = upsert_policy(
        &app,
        json!({ "name": "Север → WB", "supplierIds": [supplier], "accountId": account, "maxAttempts": 3 }),
    )
    .await;
    Setup {
        app,
        fake,
        server,
        policy,
    }
}

fn items(run: &Value) -> Vec<Value> {
    run["items"]["nodes"].as_array().unwrap().clone()
}

#[tokio::test]
async fn prices_that_cannot_reach_wildberries_retry_then_fail_and_retry_failed_recovers() {
    // One product, so every prices request is its own: the waits between them show.
    let offers = vec![Some((1_000, 5))];
    let Setup {
        app,
        fake,
        server,
        policy,
    } = setup(&offers).await;

    // Down for the first two attempts: the third goes through.
    fake.fail_next(PRICES, [Fault::unavailable(), Fault::unavailable()]);
    let run = run_when_done(&app, &trigger(&app, &policy).await).await;
    assert_eq!(run["status"], "COMPLETED", "{run}");
    assert_eq!(run["counts"]["published"], 1, "{run}");
    assert!(
        items(&run).iter().all(|i| i["attempts"] == 3),
        "two failures, then success: {run}"
    );
    let sent: Vec<_> = fake.requests_to(PRICES).iter().map(|l| (l.at, l.status)).collect();
    assert_eq!(sent.iter().map(|s| s.1).collect::<Vec<_>>(), [503, 503, 200]);
    let (first_wait, second_wait) = (sent[1].0 - sent[0].0, sent[2].0 - sent[1].0);
    assert!(first_wait >= Duration::from_millis(300), "{first_wait:?}");
    assert!(
        second_wait > first_wait,
        "the delay grows: {first_wait:?} then {second_wait:?}"
    );

    // Down for good: after 3 attempts the item is FAILED with the reason.
    let dearer: Vec<Option<(i64, i64)>> = offers.iter().map(|o| o.map(|(p, s)| (p + 200, s))).collect();
    server.set_feed(feed(&dearer));
    fake.fail_next(PRICES, (0..1_000).map(|_| Fault::unavailable()));
    let failing = trigger(&app, &policy).await;
    let run = run_when_done(&app, &failing).await;
    assert_eq!(run["counts"]["failed"], 1, "{run}");
    for item in items(&run) {
        assert_eq!(item["attempts"], 3, "{item}");
        assert!(item["reason"].as_str().unwrap().contains("503"), "{item}");
    }

    // Wildberries is back: retryFailed pushes it again, and it goes through.
    fake.clear_faults(PRICES);
    let retried = app
        .graphql(
            "mutation($r: ID!) { retryFailed(runId: $r) { run { status counts } errors { code } } }",
            json!({ "r": failing }),
        )
        .await;
    assert_eq!(
        retried["data"]["retryFailed"]["run"]["counts"]["pending"], 1,
        "{retried}"
    );
    // The retried run is its policy's active run again: no other run starts beside it.
    let beside = app
        .graphql(
            "mutation($p: ID!) { triggerSync(policyId: $p) { runId errors { code } } }",
            json!({ "p": policy }),
        )
        .await;
    assert_eq!(
        beside["data"]["triggerSync"]["errors"][0]["code"], "CONFLICT",
        "{beside}"
    );
    let run = run_when_done(&app, &failing).await;
    assert_eq!(run["status"], "COMPLETED", "{run}");
    assert_eq!(run["counts"]["updated"], 1, "{run}");
    eventually(Duration::from_secs(10), "the policy is freed", || async {
        let active = app
            .graphql(
                "query($p: ID!) { syncPolicy(id: $p) { activeRunId } }",
                json!({ "p": policy }),
            )
            .await;
        if active["data"]["syncPolicy"]["activeRunId"].is_null() {
            Ok(())
        } else {
            Err(active)
        }
    })
    .await;
    assert_eq!(run["counts"]["failed"], 0, "{run}");
}

#[tokio::test]
async fn a_held_price_cut_goes_out_once_approved_and_progress_is_streamed() {
    let offers: Vec<Option<(i64, i64)>> = (0..4).map(|i| Some((2_000 + 100 * i, 5))).collect();
    let Setup {
        app,
        fake,
        server,
        policy,
    } = setup(&offers).await;
    let first = trigger(&app, &policy).await;

    // A subscriber sees the counts move and the final state.
    let (mut socket, ack) = ws::connect(
        app.address,
        json!({ "Authorization": format!("Bearer {}", app.admin_token) }),
    )
    .await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    ws::subscribe(
        &mut socket,
        "1",
        "subscription($r: ID!) { syncRunProgress(runId: $r) { status finished counts } }",
        json!({ "r": first }),
    )
    .await;
    let mut seen = Vec::new();
    loop {
        let message = ws::next_message(&mut socket).await;
        if message["type"] == "complete" {
            break;
        }
        let progress = message["payload"]["data"]["syncRunProgress"].clone();
        assert!(progress.is_object(), "{message}");
        seen.push(progress);
    }
    let last = seen.last().unwrap();
    assert_eq!(last["status"], "COMPLETED", "{seen:?}");
    assert_eq!(last["finished"], true);
    assert_eq!(last["counts"]["published"], 4);
    assert!(seen.len() >= 2, "updates during the run, not only the end: {seen:?}");
    assert!(seen[..seen.len() - 1].iter().all(|p| p["finished"] == false));

    // One price cut by 80 %: held, then approved by the seller, then live.
    let mut cut = offers.clone();
    cut[2] = cut[2].map(|(p, s)| (p / 5, s));
    server.set_feed(feed(&cut));
    let second = trigger(&app, &policy).await;
    let run = run_when_done(&app, &second).await;
    assert_eq!(run["counts"]["held"], 1, "{run}");
    let held = items(&run).into_iter().find(|i| i["outcome"] == "HELD").unwrap();
    let nm = fake.nm_id_of("GM-SV-2").unwrap();
    let live = fake.price_of(nm).unwrap().0;
    let refused = app
        .graphql(
            "mutation($r: ID!, $p: [ID!]!) { approveHeldPrices(runId: $r, productIds: $p) { errors { field code } } }",
            json!({ "r": second, "p": [items(&run).iter().find(|i| i["outcome"] != "HELD").unwrap()["product"]] }),
        )
        .await;
    assert_eq!(
        refused["data"]["approveHeldPrices"]["errors"][0]["code"], "BAD_USER_INPUT",
        "{refused}"
    );
    let approved = app
        .graphql(
            "mutation($r: ID!, $p: [ID!]!) { approveHeldPrices(runId: $r, productIds: $p) { run { counts } errors { code } } }",
            json!({ "r": second, "p": [held["product"]] }),
        )
        .await;
    assert_eq!(
        approved["data"]["approveHeldPrices"]["run"]["counts"]["held"], 0,
        "{approved}"
    );
    let run = run_when_done(&app, &second).await;
    assert_eq!(run["counts"]["updated"], 1, "{run}");
    let now = fake.price_of(nm).unwrap().0;
    assert!(now * 3 < live, "the cut is live: {live} → {now}");
}
