//! The seller's side of syncing, over GraphQL: a supplier on a local YML feed, a policy,
//! triggering and reading runs.

use super::TestApp;
use gomarket_testkit::eventually;
use serde_json::{Value, json};
use std::time::Duration;

/// A feed of kettles: offer i costs `prices[i]` roubles with `stocks[i]` units; `None` leaves
/// an offer out.
pub fn feed(offers: &[Option<(i64, i64)>]) -> Vec<u8> {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<yml_catalog date=\"2026-11-24 10:00\"><shop>\
         <name>Север</name><currencies><currency id=\"RUR\" rate=\"1\"/></currencies>\
         <categories><category id=\"1\">Бытовая техника</category>\
         <category id=\"2\" parentId=\"1\">Чайники</category></categories><offers>\n",
    );
    for (i, offer) in offers.iter().enumerate() {
        let Some((price, stock)) = offer else { continue };
        xml.push_str(&format!(
            "<offer id=\"K{i}\" available=\"true\"><name>Чайник электрический Север {i}</name>\
             <vendor>Север</vendor><vendorCode>SV-{i}</vendorCode><price>{price}</price>\
             <currencyId>RUR</currencyId><categoryId>2</categoryId>\
             <picture>https://img.example.ru/{i}.jpg</picture>\
             <barcode>{}</barcode><stock_quantity>{stock}</stock_quantity></offer>\n",
            gomarket_infra::supplier::generate::ean13(i as u64 + 1)
        ));
    }
    xml.push_str("</offers></shop></yml_catalog>\n");
    xml.into_bytes()
}

pub const RUN: &str = "query($id: ID!) { syncRun(id: $id) { id status failure scheduledFor
    counts outcomeCounts { total published updated unchanged held failed }
    items(first: 100) { nodes { product listingId outcome reason attempts
        priceExplain priceExplanation { priceKopecks } stockExplain } } } }";

pub async fn run_when_done(app: &TestApp, run_id: &str) -> Value {
    eventually(Duration::from_secs(90), "run never finished", || async {
        let read = app.graphql(RUN, json!({ "id": run_id })).await;
        let run = &read["data"]["syncRun"];
        if run["status"] == "COMPLETED" || run["status"] == "FAILED" {
            Ok(run.clone())
        } else {
            Err(read)
        }
    })
    .await
}

pub async fn runs_of(app: &TestApp, policy: &str) -> Vec<Value> {
    let read = app
        .graphql(
            "query($p: ID!) { syncRuns(policyId: $p) { totalCount nodes { id status scheduledFor } } }",
            json!({ "p": policy }),
        )
        .await;
    read["data"]["syncRuns"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{read}"))
        .clone()
}

/// Registers a YML supplier on `url` and returns its id.
pub async fn register_supplier(app: &TestApp, url: &str) -> String {
    let registered = app
        .graphql(
            "mutation($i: SupplierInput!) { registerSupplier(input: $i) { supplier { id } errors { message } } }",
            json!({ "i": { "name": "Север", "kind": "YML", "url": url } }),
        )
        .await;
    registered["data"]["registerSupplier"]["supplier"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{registered}"))
        .to_owned()
}

pub const UPSERT: &str =
    "mutation($i: SyncPolicyInput!) { upsertSyncPolicy(input: $i) { policy { id } errors { field message } } }";

/// Creates or changes a policy; returns its id.
pub async fn upsert_policy(app: &TestApp, input: Value) -> String {
    let upserted = app.graphql(UPSERT, json!({ "i": input })).await;
    upserted["data"]["upsertSyncPolicy"]["policy"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{upserted}"))
        .to_owned()
}

/// `triggerSync`; returns the run id.
pub async fn trigger(app: &TestApp, policy: &str) -> String {
    let triggered = app
        .graphql(
            "mutation($p: ID!) { triggerSync(policyId: $p) { runId errors { code message } } }",
            json!({ "p": policy }),
        )
        .await;
    triggered["data"]["triggerSync"]["runId"]
        .as_str()
        .unwrap_or_else(|| panic!("{triggered}"))
        .to_owned()
}
