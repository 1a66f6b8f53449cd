//! The whole pipeline through a real Kafka-protocol broker: HTTP command → event store → relay
//! → Kafka → consumer-group projector → read model → GraphQL.

mod support;

use serde_json::json;
use support::{TestApp, accepted, product_input};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn commands_become_visible_through_kafka() {
    let app = TestApp::spawn_with_kafka(6).await;
    let mut ids = Vec::new();
    let mut tokens = Vec::new();
    for n in 0..200 {
        let created = app.create_product(product_input(&format!("K-{n:04}"))).await;
        let payload = accepted(&created, "createProduct");
        ids.push(payload["product"]["id"].as_str().unwrap().to_owned());
        tokens.push(payload["consistencyToken"].as_str().unwrap().to_owned());
    }
    for (id, _) in ids.iter().zip(&tokens).step_by(7) {
        let price = app.change_price(id, 1_234, None).await;
        let token = accepted(&price, "changeProductPrice")["consistencyToken"]
            .as_str()
            .unwrap()
            .to_owned();
        let read = app.product(id, Some(&token)).await;
        assert_eq!(read["data"]["product"]["priceKopecks"], 1_234, "{read}");
    }
    // Every product arrives, whichever partition carried it.
    for (id, token) in ids.iter().zip(&tokens) {
        let read = app.product(id, Some(token)).await;
        assert_eq!(read["data"]["product"]["id"], id.as_str(), "{read}");
    }
    let listed = app.products(json!({ "first": 1, "token": tokens.last() })).await;
    assert_eq!(listed["data"]["products"]["totalCount"], 200, "{listed}");

    let relayed: i64 = sqlx::query_scalar("SELECT position FROM projection_checkpoints WHERE name = 'kafka-relay'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(relayed > 0, "the relay checkpoint advanced");
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("gomarket_relay_events_published_total"), "{metrics}");
}
