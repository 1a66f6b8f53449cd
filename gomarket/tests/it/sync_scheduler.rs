//! Two `gomarket scheduler` processes on one database: exactly one run per due tick; the
//! leader is killed (SIGKILL) and the standby takes over with no tick lost or doubled.

use crate::support::feeds::FeedServer;
use crate::support::marketplace::connect;
use crate::support::sync::{feed, register_supplier, upsert_policy};
use crate::support::wb_fake::WbFake;
use crate::support::{TestApp, serve_args};
use gomarket_testkit::eventually;
use serde_json::{Value, json};
use std::process::Stdio;
use std::time::Duration;

/// Seconds between ticks.
const EVERY: i64 = 3;

fn scheduler(app: &TestApp, name: &str, fake: &WbFake) -> tokio::process::Child {
    let separator = if app.db.url.contains('?') { '&' } else { '?' };
    tokio::process::Command::new(env!("CARGO_BIN_EXE_gomarket"))
        .arg("scheduler")
        .env(
            "DATABASE_URL",
            format!("{}{separator}application_name={name}", app.db.url),
        )
        .env_remove("GOMARKET_DATABASE_URL")
        .env("GOMARKET_SCHEDULER_INTERVAL_MS", "200")
        .env("GOMARKET_WB_COMMON_URL", fake.url())
        .env("GOMARKET_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("gomarket scheduler starts")
}

async fn runs(app: &TestApp, policy: &str) -> Vec<Value> {
    let read = app
        .graphql(
            "query($p: ID!) { syncRuns(policyId: $p, first: 100) { nodes { id status scheduledFor } } }",
            json!({ "p": policy }),
        )
        .await;
    let mut runs = read["data"]["syncRuns"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{read}"))
        .clone();
    runs.reverse(); // oldest first
    runs
}

/// Waits until the policy has `n` completed runs.
async fn completed(app: &TestApp, policy: &str, n: usize) -> Vec<Value> {
    let what = format!("{n} runs never completed");
    eventually(Duration::from_secs(60), &what, || async {
        let all = runs(app, policy).await;
        if all.iter().filter(|r| r["status"] == "COMPLETED").count() >= n {
            Ok(all)
        } else {
            Err(all)
        }
    })
    .await
}

/// The scheduler leading in this test's database (advisory locks are per database, and other
/// tests' schedulers lead in theirs).
async fn leader(app: &TestApp) -> Option<String> {
    sqlx::query_scalar(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.classid = $1::oid AND l.granted
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .bind(0x5343_4844_i64)
    .fetch_optional(&app.db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn two_schedulers_run_each_tick_once_and_the_standby_takes_over() {
    let fake = WbFake::start().await;
    let mut args = serve_args();
    args.run_scheduler = false;
    args.api.marketplace.wb_common_url = fake.url();
    let app = TestApp::spawn_on(gomarket_testkit::TestDatabase::new(gomarket::MIGRATIONS).await, args).await;
    let server = FeedServer::start().await;
    server.set_feed(feed(&[Some((1_000, 3))]));
    let supplier = register_supplier(&app, &server.url("/feed.yml")).await;
    let account = connect(&app, "WB", "wb-token.eyJzY2hlZHVsZXIiOjF9").await;
    let mut a = scheduler(&app, "scheduler-a", &fake);
    let mut b = scheduler(&app, "scheduler-b", &fake);
    // Nothing to push (the only brand is excluded): each run is its import and its plan.
    let policy = upsert_policy(
        &app,
        json!({ "name": "каждые 3 с", "supplierIds": [supplier], "accountId": account,
                "exclusions": { "brands": ["Север"] },
                "schedule": { "cron": format!("*/{EVERY} * * * * *"), "timeZone": "UTC" } }),
    )
    .await;

    completed(&app, &policy, 2).await;
    let before = leader(&app).await.expect("one scheduler leads");
    let standby = if before == "scheduler-a" {
        "scheduler-b"
    } else {
        "scheduler-a"
    };
    // Kill the leader right after a run, then let the standby run the next ticks.
    let done = runs(&app, &policy).await.len();
    completed(&app, &policy, done).await;
    let (killed, survivor) = if before == "scheduler-a" {
        (&mut a, &mut b)
    } else {
        (&mut b, &mut a)
    };
    killed.kill().await.unwrap();
    let all = completed(&app, &policy, done + 3).await;
    assert_eq!(leader(&app).await.as_deref(), Some(standby), "the standby leads");
    survivor.kill().await.unwrap();

    let ticks: Vec<chrono::DateTime<chrono::Utc>> = all
        .iter()
        .filter(|r| r["status"] == "COMPLETED")
        .map(|r| r["scheduledFor"].as_str().unwrap().parse().unwrap())
        .collect();
    for pair in ticks.windows(2) {
        assert_eq!(
            (pair[1] - pair[0]).num_seconds(),
            EVERY,
            "each tick once, none lost: {ticks:?}"
        );
    }
    assert!(ticks.len() >= done + 3, "{ticks:?}");

    // No scheduler for three ticks and more: on recovery, one run catches up (the latest
    // missed tick), not one per missed tick.
    let last = *ticks.last().unwrap();
    let down_since = runs(&app, &policy).await.len();
    tokio::time::sleep(Duration::from_secs(EVERY as u64 * 3 + 1)).await;
    let restarted_at = chrono::Utc::now();
    let mut c = scheduler(&app, "scheduler-c", &fake);
    let after = completed(&app, &policy, down_since + 1).await;
    c.kill().await.unwrap();
    let caught_up: Vec<chrono::DateTime<chrono::Utc>> = after[down_since..]
        .iter()
        .map(|r| r["scheduledFor"].as_str().unwrap().parse().unwrap())
        .filter(|t| *t <= restarted_at)
        .collect();
    assert_eq!(caught_up.len(), 1, "one catch-up run: {caught_up:?}");
    assert!(
        (caught_up[0] - last).num_seconds() >= 3 * EVERY,
        "the catch-up run is for the latest missed tick: {last} → {}",
        caught_up[0]
    );
}
