//! A sync end to end: a YML feed served locally → a policy with the seed formula →
//! `triggerSync` → the products are published to the scripted Wildberries → the run completes
//! with correct counts and explained prices. Then the feed changes (3 prices up, 2 stocks to
//! zero, 1 offer removed, 1 price cut by 70 %) and the next *scheduled* run pushes exactly those
//! deltas, holds the 70 % cut, and zeroes the removed offer.

use crate::support::feeds::FeedServer;
use crate::support::marketplace::{app_for, connect, map_category};
use crate::support::sync::{feed, run_when_done, runs_of};
use crate::support::wb_fake::WbFake;
use gomarket_testkit::eventually;
use serde_json::{Value, json};
use std::time::Duration;

const OFFERS: usize = 10;

#[tokio::test]
async fn a_feed_is_synced_to_wildberries_then_only_its_deltas_follow_on_schedule() {
    let fake = WbFake::start().await;
    let app = app_for(&fake).await;
    let server = FeedServer::start().await;
    // Purchase prices 1 000 ₽ + 100 ₽ × i, stock 5 + i.
    let first: Vec<Option<(i64, i64)>> = (0..OFFERS)
        .map(|i| Some((1_000 + 100 * i as i64, 5 + i as i64)))
        .collect();
    server.set_feed(feed(&first));
    let supplier = app
        .graphql(
            "mutation($i: SupplierInput!) { registerSupplier(input: $i) { supplier { id } errors { message } } }",
            json!({ "i": { "name": "Север", "kind": "YML", "url": server.url("/feed.yml") } }),
        )
        .await["data"]["registerSupplier"]["supplier"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    map_category(&app).await;
    let account = connect(&app, "WB", "wb-token.eyJzeW5jIjoxfQ").await;
    let upsert =
        "mutation($i: SyncPolicyInput!) { upsertSyncPolicy(input: $i) { policy { id } errors { field message } } }";
    let policy_input = json!({ "name": "Север → WB", "supplierIds": [supplier], "accountId": account });
    let created = app.graphql(upsert, json!({ "i": policy_input })).await;
    let policy = created["data"]["upsertSyncPolicy"]["policy"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();

    // 1. Triggered by hand: everything is published, every price explained.
    let triggered = app
        .graphql(
            "mutation($p: ID!) { triggerSync(policyId: $p) { runId errors { code message } } }",
            json!({ "p": policy }),
        )
        .await;
    let run_id = triggered["data"]["triggerSync"]["runId"]
        .as_str()
        .unwrap_or_else(|| panic!("{triggered}"))
        .to_owned();
    let busy = app
        .graphql(
            "mutation($p: ID!) { triggerSync(policyId: $p) { runId errors { code } } }",
            json!({ "p": policy }),
        )
        .await;
    assert_eq!(
        busy["data"]["triggerSync"]["errors"][0]["code"], "CONFLICT",
        "one run at a time: {busy}"
    );
    let run = run_when_done(&app, &run_id).await;
    assert_eq!(run["status"], "COMPLETED", "{run}");
    assert_eq!(run["counts"]["total"], OFFERS);
    assert_eq!(run["counts"]["published"], OFFERS, "{run}");
    assert_eq!(run["outcomeCounts"]["published"], OFFERS, "the typed counts agree");
    let first_item = &run["items"]["nodes"][0];
    assert_eq!(
        first_item["priceExplanation"]["priceKopecks"], first_item["priceExplain"]["priceKopecks"],
        "{first_item}"
    );
    assert!(
        first_item["stockExplain"].as_str().unwrap().contains("units"),
        "{first_item}"
    );
    assert_eq!(run["scheduledFor"], Value::Null);
    // The seed formula for 1 000 ₽ (worked out in the pricing tests): 1 789,78 ₽.
    let items = run["items"]["nodes"].as_array().unwrap();
    let explained: Vec<i64> = items
        .iter()
        .map(|i| i["priceExplain"]["priceKopecks"].as_i64().unwrap())
        .collect();
    assert!(explained.contains(&178_978), "{explained:?}");
    assert_eq!(items[0]["priceExplain"]["steps"][0]["step"], "purchase");
    assert_eq!(fake.uploads_by_vendor_code().len(), OFFERS);
    let nm_of = |i: usize| {
        let code = format!("GM-SV-{i}");
        fake.nm_id_of(&code)
            .unwrap_or_else(|| panic!("card {code}: {:?}", fake.uploads_by_vendor_code()))
    };
    assert_eq!(
        fake.price_of(nm_of(0)),
        Some((1_790, 0)),
        "1 789,78 ₽ rounded up to whole roubles"
    );
    let before_cut = fake.price_of(nm_of(7));

    // 2. The feed changes; the policy gets a schedule, and its next tick runs by itself.
    let mut second = first.clone();
    for i in [1, 2, 3] {
        second[i] = second[i].map(|(p, s)| (p + 500, s)); // prices up
    }
    for i in [4, 5] {
        second[i] = second[i].map(|(p, _)| (p, 0)); // stocks to zero
    }
    second[6] = None; // removed
    second[7] = second[7].map(|(p, s)| (p * 3 / 10, s)); // a 70 % cut
    server.set_feed(feed(&second));
    let sent_before = fake.log().len();
    let mut scheduled = policy_input.clone();
    scheduled["id"] = json!(policy);
    scheduled["schedule"] = json!({ "cron": "*/2 * * * * *", "timeZone": "UTC" });
    app.graphql(upsert, json!({ "i": scheduled })).await;
    let next = eventually(Duration::from_secs(30), "no scheduled run", || async {
        let runs = runs_of(&app, &policy).await;
        match runs.iter().position(|r| r["id"] != run_id.as_str()) {
            Some(i) => Ok(runs[i].clone()),
            None => Err(runs),
        }
    })
    .await;
    assert!(next["scheduledFor"].is_string(), "{next}");
    // Stop the schedule so no third run starts while we look.
    app.graphql(
        upsert,
        json!({ "i": { "id": policy, "name": "Север → WB", "supplierIds": [supplier], "accountId": account } }),
    )
    .await;
    let run = run_when_done(&app, next["id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "COMPLETED", "{run}");
    let counts = &run["counts"];
    assert_eq!(counts["updated"], 6, "3 prices, 2 stocks, 1 removed: {run}");
    assert_eq!(counts["held"], 1, "{run}");
    assert_eq!(counts["unchanged"], OFFERS - 7, "{run}");
    assert_eq!(counts["published"], 0);
    let held: Vec<&Value> = run["items"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["outcome"] == "HELD")
        .collect();
    assert!(held[0]["reason"].as_str().unwrap().contains("50 %"), "{held:?}");
    // On Wildberries: new prices for 1–3, the held one unchanged, stocks zeroed for 4–6.
    let price = |i: usize| fake.price_of(nm_of(i)).unwrap().0;
    assert!(price(1) > 1_790 + 800, "{}", price(1));
    let stocks = fake.stocks();
    let stock = |i: usize| {
        stocks
            .iter()
            .find(|((_, chrt), _)| *chrt == 500_000_000 + nm_of(i) - 100_000_000)
            .map(|(_, n)| *n)
    };
    for i in [4, 5, 6] {
        assert_eq!(stock(i), Some(0), "SV-{i}");
    }
    assert_eq!(stock(0), Some(5));
    assert_eq!(
        fake.price_of(nm_of(7)),
        before_cut,
        "the held cut did not reach Wildberries"
    );
    // Exactly the deltas went out: 3 prices, 3 stocks, no card.
    let sent = &fake.log()[sent_before..];
    let items = |path: &str, key: &str| -> usize {
        sent.iter()
            .filter(|l| l.path.starts_with(path) && l.status < 300)
            .map(|l| l.body[key].as_array().map_or(0, Vec::len))
            .sum()
    };
    assert_eq!(items("/api/v2/upload/task", "data"), 3, "price items pushed");
    assert_eq!(items("/api/v3/stocks/", "stocks"), 3, "stock items pushed");
    assert!(
        sent.iter().all(|l| l.path != "/content/v2/cards/upload"),
        "no card uploaded again"
    );
}
