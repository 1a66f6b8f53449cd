//! `gomarket replay --projection products` against a running application's database.

use crate::support::{TestApp, accepted, product_input};
use serde_json::json;

#[tokio::test]
async fn replay_rebuilds_while_the_app_serves() {
    let app = TestApp::spawn().await;
    let mut token = String::new();
    for n in 0..3 {
        let created = app.create_product(product_input(&format!("RP-{n}"))).await;
        token = accepted(&created, "createProduct")["consistencyToken"]
            .as_str()
            .unwrap()
            .to_owned();
    }
    let before = app
        .products(json!({ "first": 10, "sort": "SKU_ASC", "token": token }))
        .await;

    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_gomarket"))
        .args(["replay", "--projection", "products"])
        .env("DATABASE_URL", &app.db.url)
        .env("GOMARKET_LOG", "warn")
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        // Three product events and the first-run admin's `UserCreated` (the feed is global).
        stderr.contains("replay products: 4/4 events"),
        "progress shown: {stderr}"
    );

    let after = app.products(json!({ "first": 10, "sort": "SKU_ASC" })).await;
    assert_eq!(after, before, "same rows after the swap");
    let created = app.create_product(product_input("RP-after")).await;
    let token = accepted(&created, "createProduct")["consistencyToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let later = app.products(json!({ "first": 10, "token": token })).await;
    assert_eq!(
        later["data"]["products"]["totalCount"], 4,
        "the live projector carries on after the swap: {later}"
    );

    let unknown = tokio::process::Command::new(env!("CARGO_BIN_EXE_gomarket"))
        .args(["replay", "--projection", "nope"])
        .env("DATABASE_URL", &app.db.url)
        .output()
        .await
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unknown projection"));
}
