//! Sync policies over GraphQL: `upsertSyncPolicy` creates and changes a policy (the seed
//! pricing rule by default), `syncPolicies` / `syncPolicy` read it back with its schedule,
//! and `explainPrice` shows the rule's computation step by step. Bad input is refused with
//! the field to blame, and nothing is stored.

use crate::support::TestApp;
use crate::support::marketplace::{app_for, connect};
use crate::support::wb_fake::WbFake;
use serde_json::{Value, json};

const UPSERT: &str = "mutation($i: SyncPolicyInput!) { upsertSyncPolicy(input: $i) {
    policy { id name version enabled supplierIds accountId maxAttempts priceDropGuardPercent
             schedule { cron timeZone nextRunAt }
             pricing { commissionPercent markupPercent minMarginKopecks discountPercent
                       bands { upToKopecks marginPercent } delivery { percent minKopecks maxKopecks }
                       rounding { stepKopecks minusKopecks } }
             stock { reserve minToList cap warehouses } exclusions { brands categories withoutBarcode withoutImage } }
    errors { field code message } consistencyToken } }";

async fn supplier(app: &TestApp) -> String {
    let response = app
        .graphql(
            "mutation($i: SupplierInput!) { registerSupplier(input: $i) { supplier { id } errors { message } } }",
            json!({ "i": { "name": "Оптовик", "kind": "YML", "url": "http://127.0.0.1:9/feed.yml" } }),
        )
        .await;
    response["data"]["registerSupplier"]["supplier"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{response}"))
        .to_owned()
}

fn policy(supplier: &str, account: &str) -> Value {
    json!({ "name": "Чайники на WB", "supplierIds": [supplier], "accountId": account,
            "schedule": { "cron": "0 */2 * * *" },
            "stock": { "reserve": 1, "minToList": 2, "cap": 100, "warehouses": ["msk"] },
            "exclusions": { "brands": ["NoName"], "withoutImage": true } })
}

#[tokio::test]
async fn a_policy_is_created_read_explained_and_changed() {
    let fake = WbFake::start().await;
    let app = app_for(&fake).await;
    let supplier = supplier(&app).await;
    let account = connect(&app, "WB", "wb-token.eyJwb2xpY3kiOjF9").await;

    let created = app.graphql(UPSERT, json!({ "i": policy(&supplier, &account) })).await;
    let payload = &created["data"]["upsertSyncPolicy"];
    assert_eq!(payload["errors"], json!([]), "{created}");
    let p = &payload["policy"];
    assert_eq!(p["name"], "Чайники на WB");
    assert_eq!(p["version"], 1);
    assert_eq!(p["supplierIds"], json!([supplier]));
    assert_eq!(p["schedule"]["timeZone"], "Europe/Moscow", "the default time zone");
    assert!(p["schedule"]["nextRunAt"].is_string());
    assert_eq!(p["priceDropGuardPercent"], 50.0);
    assert_eq!(p["maxAttempts"], 5);
    // The seed rule by default.
    assert_eq!(p["pricing"]["commissionPercent"], 23.0);
    assert_eq!(p["pricing"]["markupPercent"], 5.0);
    assert_eq!(
        p["pricing"]["bands"][0],
        json!({ "upToKopecks": 10_000, "marginPercent": 38.0 })
    );
    assert_eq!(
        p["pricing"]["bands"][5],
        json!({ "upToKopecks": null, "marginPercent": 13.0 })
    );
    assert_eq!(
        p["stock"],
        json!({ "reserve": 1, "minToList": 2, "cap": 100, "warehouses": ["msk"] })
    );
    let id = p["id"].as_str().unwrap().to_owned();

    let explained = app
        .graphql(
            "query($id: ID!) { syncPolicy(id: $id) { explainPrice(purchaseKopecks: 100000) {
                priceKopecks priceBeforeDiscountKopecks steps { step detail amountKopecks } } } }",
            json!({ "id": id }),
        )
        .await;
    let e = &explained["data"]["syncPolicy"]["explainPrice"];
    assert_eq!(e["priceKopecks"], 178_978, "{explained}");
    assert_eq!(e["steps"][1]["detail"], "25 % of 1000.00 ₽ (band up to 1000.00 ₽)");
    assert_eq!(e["steps"][2]["amountKopecks"], 6_250);

    // A change: a rule of the seller's own, with rounding and a discount.
    let mut changed = policy(&supplier, &account);
    changed["id"] = json!(id);
    changed["pricing"] = json!({ "bands": [{ "marginPercent": 20 }], "commissionPercent": 15.5,
                                 "rounding": { "stepKopecks": 1000, "minusKopecks": 1 }, "discountPercent": 30 });
    let updated = app.graphql(UPSERT, json!({ "i": changed })).await;
    let p = &updated["data"]["upsertSyncPolicy"]["policy"];
    assert_eq!(p["id"], id.as_str(), "{updated}");
    assert_eq!(p["version"], 2);
    assert_eq!(p["pricing"]["commissionPercent"], 15.5);
    let explained = app
        .graphql(
            "query($id: ID!) { syncPolicy(id: $id) { explainPrice(purchaseKopecks: 100000) { priceKopecks priceBeforeDiscountKopecks } } }",
            json!({ "id": id }),
        )
        .await;
    // 1 000 + 20 % = 1 200 ₽; / 0,845 = 1 420,12 ₽; up to 1 429,99 ₽; / 0,7 = 2 042,85 ₽.
    let e = &explained["data"]["syncPolicy"]["explainPrice"];
    assert_eq!(
        (e["priceKopecks"].as_i64(), e["priceBeforeDiscountKopecks"].as_i64()),
        (Some(142_999), Some(204_285))
    );
    // The same settings again record nothing.
    let again = app.graphql(UPSERT, json!({ "i": changed })).await;
    assert_eq!(again["data"]["upsertSyncPolicy"]["policy"]["version"], 2, "{again}");

    let all = app.graphql("{ syncPolicies { id name } }", json!({})).await;
    assert_eq!(
        all["data"]["syncPolicies"],
        json!([{ "id": id, "name": "Чайники на WB" }])
    );
}

#[tokio::test]
async fn bad_policies_are_refused_with_the_field_and_nothing_is_stored() {
    let fake = WbFake::start().await;
    let app = app_for(&fake).await;
    let supplier = supplier(&app).await;
    let account = connect(&app, "WB", "wb-token.eyJwb2xpY3kiOjJ9").await;
    let cases = [
        (
            json!({ "schedule": { "cron": "every day" } }),
            "schedule.cron",
            "BAD_USER_INPUT",
        ),
        (
            json!({ "schedule": { "cron": "0 3 * * *", "timeZone": "Mars/Olympus" } }),
            "schedule.timeZone",
            "BAD_USER_INPUT",
        ),
        (
            json!({ "pricing": { "bands": [{ "upToKopecks": 100, "marginPercent": 10 }] } }),
            "pricing",
            "BAD_USER_INPUT",
        ),
        (
            json!({ "pricing": { "bands": [{ "marginPercent": 10.123 }] } }),
            "pricing.bands[0].marginPercent",
            "BAD_USER_INPUT",
        ),
        (
            json!({ "pricing": { "bands": [{ "marginPercent": 10 }], "commissionPercent": 100 } }),
            "pricing",
            "BAD_USER_INPUT",
        ),
        (
            json!({ "supplierIds": ["0190f0f0-0000-7000-8000-000000000000"] }),
            "supplierIds[0]",
            "NOT_FOUND",
        ),
        (json!({ "supplierIds": [] }), "supplierIds", "BAD_USER_INPUT"),
        (json!({ "accountId": "nope" }), "accountId", "BAD_USER_INPUT"),
        (json!({ "name": " " }), "name", "BAD_USER_INPUT"),
        (json!({ "maxAttempts": 0 }), "maxAttempts", "BAD_USER_INPUT"),
        (
            json!({ "id": "0190f0f0-0000-7000-8000-000000000000" }),
            "id",
            "NOT_FOUND",
        ),
    ];
    for (change, field, code) in cases {
        let mut input = policy(&supplier, &account);
        for (key, value) in change.as_object().unwrap() {
            input[key] = value.clone();
        }
        let refused = app.graphql(UPSERT, json!({ "i": input })).await;
        let error = &refused["data"]["upsertSyncPolicy"]["errors"][0];
        assert_eq!(
            (error["field"].as_str(), error["code"].as_str()),
            (Some(field), Some(code)),
            "{change}: {refused}"
        );
        assert_eq!(refused["errors"][0]["extensions"]["code"], code, "{refused}");
    }
    let all = app.graphql("{ syncPolicies { id } }", json!({})).await;
    assert_eq!(all["data"]["syncPolicies"], json!([]), "{all}");
}

#[tokio::test]
async fn a_rule_not_saved_is_explained_and_a_bad_one_is_refused_with_its_field() {
    let app = TestApp::spawn().await;
    let explain = "query($r: PricingRuleInput, $p: Int!) { explainPricing(pricing: $r, purchaseKopecks: $p) {
        priceKopecks priceBeforeDiscountKopecks discountPercent steps { step amountKopecks } } }";
    // No rule: the seed system's (1 000 ₽ → 1 789,78 ₽, as explainPrice of a default policy).
    let seed = app.graphql(explain, json!({ "r": null, "p": 100_000 })).await;
    assert_eq!(seed["data"]["explainPricing"]["priceKopecks"], 178_978, "{seed}");

    // 10 % margin, nothing else, a 50 % discount: 1 100 ₽ to the buyer, 2 200 ₽ before it.
    let rule = json!({ "bands": [{ "marginPercent": 10.0 }], "discountPercent": 50 });
    let explained = app.graphql(explain, json!({ "r": rule, "p": 100_000 })).await;
    let x = &explained["data"]["explainPricing"];
    assert_eq!(x["priceKopecks"], 110_000, "{explained}");
    assert_eq!(x["priceBeforeDiscountKopecks"], 220_000, "{explained}");
    assert_eq!(x["steps"][1]["step"], "margin", "{explained}");
    assert_eq!(x["steps"][1]["amountKopecks"], 10_000, "{explained}");

    for (rule, purchase, field) in [
        (
            json!({ "bands": [{ "marginPercent": -5.0 }] }),
            100_000,
            "pricing.bands[0].marginPercent",
        ),
        (
            json!({ "bands": [{ "marginPercent": 10.0 }], "discountPercent": 100 }),
            100_000,
            "pricing.discountPercent",
        ),
        (json!({ "bands": [{ "marginPercent": 10.0 }] }), -1, "purchaseKopecks"),
    ] {
        let refused = app.graphql(explain, json!({ "r": rule, "p": purchase })).await;
        let error = &refused["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{refused}");
        assert_eq!(error["extensions"]["field"], field, "{refused}");
    }
}
