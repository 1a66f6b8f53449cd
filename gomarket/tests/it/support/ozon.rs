//! The seller's side of publishing to Ozon, over GraphQL: an app whose Ozon is a scripted
//! fake, an Ozon category mapping (category and type), a connected Ozon account.

use super::ozon_fake::OzonFake;
use super::{TestApp, serve_args};
use serde_json::json;

/// The category and product type of the test products on Ozon.
pub const OZON_CATEGORY: i64 = 17_028_922;
pub const OZON_TYPE: i64 = 94_765;
/// The seller's FBS warehouse on Ozon (its ids are large).
pub const OZON_WAREHOUSE: i64 = 22_142_605_386_000;
pub const CLIENT_ID: &str = "836412";

/// Settings of an app whose Ozon is `fake` (and whose Wildberries is nowhere), with a quick
/// worker.
pub fn args_for(fake: &OzonFake) -> gomarket::cli::ServeArgs {
    let mut args = serve_args();
    let m = &mut args.api.marketplace;
    m.ozon_url = fake.url();
    m.worker_interval_ms = 100;
    m.wb_backoff_ms = 50;
    args
}

pub async fn app_for(fake: &OzonFake) -> TestApp {
    TestApp::spawn_on(
        gomarket_testkit::TestDatabase::new(gomarket::MIGRATIONS).await,
        args_for(fake),
    )
    .await
}

/// Maps the test category to Ozon's category and type.
pub async fn map_category(app: &TestApp) {
    let mapped = app
        .graphql(
            "mutation($i: CategoryMappingInput!) { setCategoryMapping(input: $i) { mapping { subjectId typeId } errors { message } } }",
            json!({ "i": { "marketplace": "OZON", "category": super::marketplace::CATEGORY,
                           "subjectId": OZON_CATEGORY, "typeId": OZON_TYPE } }),
        )
        .await;
    assert_eq!(
        mapped["data"]["setCategoryMapping"]["mapping"]["typeId"], OZON_TYPE,
        "{mapped}"
    );
}

/// Connects an Ozon account whose offer ids start with `OZ-`.
pub async fn connect(app: &TestApp, name: &str, api_key: &str) -> String {
    let connected = app
        .graphql(
            "mutation($i: ConnectMarketplaceAccountInput!) { connectMarketplaceAccount(input: $i) {
                account { id status marketplace clientId } errors { field code message } } }",
            json!({ "i": { "name": name, "marketplace": "OZON", "clientId": CLIENT_ID, "token": api_key,
                           "warehouseIds": [OZON_WAREHOUSE], "vendorCodePrefix": "OZ-" } }),
        )
        .await;
    let account = &connected["data"]["connectMarketplaceAccount"]["account"];
    assert_eq!(account["status"], "ACTIVE", "{connected}");
    assert_eq!(account["clientId"], CLIENT_ID, "{connected}");
    account["id"].as_str().unwrap().to_owned()
}
