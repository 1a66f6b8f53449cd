//! One supplier, two marketplaces: a policy per marketplace over the same feed (each with its
//! own pricing rule), synced to a scripted Wildberries and a scripted Ozon at once. A change
//! of the feed reaches both with exactly the expected deltas on each.

use crate::support::TestApp;
use crate::support::feeds::FeedServer;
use crate::support::marketplace::{self, connect};
use crate::support::ozon::{self, OZON_WAREHOUSE};
use crate::support::ozon_fake::OzonFake;
use crate::support::sync::{feed, register_supplier, run_when_done, trigger, upsert_policy};
use crate::support::wb_fake::WbFake;
use gomarket_testkit::TestDatabase;
use serde_json::{Value, json};
use std::collections::BTreeSet;

const OFFERS: usize = 6;

/// Offer ids (vendor codes without their account's prefix) named in `items`.
fn codes(items: impl IntoIterator<Item = String>, prefix: &str) -> BTreeSet<String> {
    items
        .into_iter()
        .map(|c| c.trim_start_matches(prefix).to_owned())
        .collect()
}

#[tokio::test]
async fn a_feed_change_reaches_wildberries_and_ozon_with_exactly_its_deltas() {
    let wb = WbFake::start().await;
    let oz = OzonFake::start().await;
    let mut args = marketplace::args_for(&wb);
    args.api.marketplace.ozon_url = oz.url();
    let app = TestApp::spawn_on(TestDatabase::new(gomarket::MIGRATIONS).await, args).await;
    let server = FeedServer::start().await;
    let first: Vec<Option<(i64, i64)>> = (0..OFFERS)
        .map(|i| Some((1_000 + 100 * i as i64, 5 + i as i64)))
        .collect();
    server.set_feed(feed(&first));
    let supplier = register_supplier(&app, &server.url("/feed.yml")).await;
    marketplace::map_category(&app).await;
    ozon::map_category(&app).await;
    let wb_account = connect(&app, "WB", "wb-token.eyJ0d28iOjF9").await;
    let oz_account = ozon::connect(&app, "Ozon", "ozon-key-two-marketplaces").await;
    let wb_policy = upsert_policy(
        &app,
        json!({ "name": "Север → WB", "supplierIds": [supplier], "accountId": wb_account }),
    )
    .await;
    // Ozon's commission and margin differ: its own rule.
    let oz_policy = upsert_policy(
        &app,
        json!({ "name": "Север → Ozon", "supplierIds": [supplier], "accountId": oz_account,
                "pricing": { "bands": [{ "marginPercent": 20 }], "commissionPercent": 15.5 } }),
    )
    .await;
    for policy in [&wb_policy, &oz_policy] {
        let run = run_when_done(&app, &trigger(&app, policy).await).await;
        assert_eq!(run["status"], "COMPLETED", "{run}");
        assert_eq!(run["counts"]["published"], OFFERS, "{run}");
    }
    marketplace::wait_for(&app, &wb_account, "fully pushed", marketplace::fully_pushed).await;
    marketplace::wait_for(&app, &oz_account, "fully pushed", marketplace::fully_pushed).await;
    let wb_nm = |i: usize| wb.nm_id_of(&format!("GM-SV-{i}")).unwrap();
    let oz_price = |i: usize| oz.price_of(&format!("OZ-SV-{i}")).unwrap().0;
    let wb_price = |i: usize| wb.price_of(wb_nm(i)).unwrap().0;
    // Each marketplace got its own rule's price, Ozon's in kopecks.
    assert_ne!(
        wb_price(0) as i64 * 100,
        parse_kopecks(&oz_price(0)),
        "two rules, two prices"
    );
    let (wb_mark, oz_mark) = (wb.log().len(), oz.log().len());
    let oz_before = oz_price(1);

    // The feed changes: offer 1 costs more, offer 2 runs out.
    let mut second = first.clone();
    second[1] = second[1].map(|(p, s)| (p + 500, s));
    second[2] = second[2].map(|(p, _)| (p, 0));
    server.set_feed(feed(&second));
    for policy in [&wb_policy, &oz_policy] {
        let run = run_when_done(&app, &trigger(&app, policy).await).await;
        assert_eq!(run["status"], "COMPLETED", "{run}");
        assert_eq!(run["counts"]["updated"], 2, "{run}");
        assert_eq!(run["counts"]["unchanged"], OFFERS - 2, "{run}");
    }
    let stock_of = |l: &Value| l["stock"]["state"] == "APPLIED" && l["price"]["state"] == "APPLIED";
    let wb_done = |l: &Value| stock_of(l) && (l["vendorCode"] != "GM-SV-2" || l["stock"]["value"] == 0);
    let oz_done = |l: &Value| stock_of(l) && (l["vendorCode"] != "OZ-SV-2" || l["stock"]["value"] == 0);
    marketplace::wait_for(&app, &wb_account, "with the new stock", wb_done).await;
    marketplace::wait_for_within(
        &app,
        &oz_account,
        "with the new stock",
        std::time::Duration::from_secs(90),
        oz_done,
    )
    .await;

    // Wildberries: one price (offer 1), one stock (offer 2, zero), nothing else.
    let wb_new = &wb.log()[wb_mark..];
    let priced: Vec<u64> = wb_new
        .iter()
        .filter(|l| l.path == "/api/v2/upload/task")
        .flat_map(|l| l.body["data"].as_array().cloned().unwrap_or_default())
        .map(|item| item["nmID"].as_u64().unwrap())
        .collect();
    assert_eq!(priced, vec![wb_nm(1)], "Wildberries prices");
    let stocked: Vec<Value> = wb_new
        .iter()
        .filter(|l| l.path.starts_with("/api/v3/stocks/"))
        .flat_map(|l| l.body["stocks"].as_array().cloned().unwrap_or_default())
        .collect();
    assert_eq!(stocked.len(), 1, "Wildberries stocks: {stocked:?}");
    assert_eq!(stocked[0]["amount"], 0);
    assert!(
        wb_new.iter().all(|l| !l.path.starts_with("/content/v2/cards/upload")),
        "no card again"
    );

    // Ozon: the same deltas, in Ozon's terms.
    let oz_new = &oz.log()[oz_mark..];
    let priced: Vec<String> = oz_new
        .iter()
        .filter(|l| l.path == "/v1/product/import/prices")
        .flat_map(|l| l.body["prices"].as_array().cloned().unwrap_or_default())
        .map(|p| p["offer_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes(priced, "OZ-"), BTreeSet::from(["SV-1".to_owned()]), "Ozon prices");
    assert!(parse_kopecks(&oz_price(1)) > parse_kopecks(&oz_before));
    let stocked: Vec<Value> = oz_new
        .iter()
        .filter(|l| l.path == "/v2/products/stocks")
        .flat_map(|l| l.body["stocks"].as_array().cloned().unwrap_or_default())
        .collect();
    assert_eq!(stocked.len(), 1, "Ozon stocks: {stocked:?}");
    assert_eq!(stocked[0]["offer_id"], "OZ-SV-2");
    assert_eq!(stocked[0]["stock"], 0);
    assert_eq!(stocked[0]["warehouse_id"], OZON_WAREHOUSE);
    assert!(
        oz_new.iter().all(|l| l.path != "/v3/product/import"),
        "no product again"
    );
    assert_eq!(oz.breaches(), Vec::<String>::new());
}

/// Ozon's decimal roubles as kopecks.
fn parse_kopecks(text: &str) -> i64 {
    let (roubles, kopecks) = text.split_once('.').unwrap_or((text, "0"));
    roubles.parse::<i64>().unwrap() * 100 + format!("{kopecks:0<2}")[..2].parse::<i64>().unwrap()
}
