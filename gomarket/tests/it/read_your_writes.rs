//! Read-your-writes when the projector is not running, and crash safety across a restart.

use crate::support::{TestApp, accepted, product_input, serve_args};
use serde_json::json;

#[tokio::test]
async fn writes_made_while_projection_is_stopped_appear_after_restart() {
    let db = gomarket_testkit::TestDatabase::new(gomarket::MIGRATIONS).await;
    let mut without_projector = serve_args();
    without_projector.run_projectors = false;
    without_projector.api.consistency_timeout_ms = 300;
    let app = TestApp::spawn_on(db, without_projector).await;

    let created = app.create_product(product_input("LATE-1")).await;
    let payload = accepted(&created, "createProduct");
    let id = payload["product"]["id"].as_str().unwrap().to_owned();
    let token = payload["consistencyToken"].as_str().unwrap().to_owned();

    // The read model cannot catch up: a bounded wait, then a clear error.
    let waited = app.product(&id, Some(&token)).await;
    assert_eq!(
        waited["errors"][0]["extensions"]["code"], "UPSTREAM_UNAVAILABLE",
        "{waited}"
    );
    assert_eq!(waited["errors"][0]["extensions"]["field"], "consistentWith");
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    let body: serde_json::Value = ready.json().await.unwrap();
    // The product's event and the first-run admin's `UserCreated`: lag counts the whole feed.
    assert_eq!(body["projections"]["products"]["lagEvents"], 2, "{body}");

    // Restart with the projector: the committed event reaches the read model.
    let db = app.stop().await;
    let app = TestApp::spawn_on(db, serve_args()).await;
    let read = app.product(&id, Some(&token)).await;
    assert_eq!(read["data"]["product"]["sku"], "LATE-1", "{read}");
    let listed = app.products(json!({ "token": token })).await;
    assert_eq!(listed["data"]["products"]["totalCount"], 1);
}

#[tokio::test]
async fn a_token_not_issued_by_the_server_is_bad_input() {
    let app = TestApp::spawn().await;
    let response = app.products(json!({ "token": "yesterday" })).await;
    assert_eq!(response["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(response["errors"][0]["extensions"]["field"], "consistentWith");
}
