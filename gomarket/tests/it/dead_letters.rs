//! An event the projection cannot apply is set aside and shown by `projectionFailures`; the
//! rest of the catalog keeps flowing.

use crate::support::{TestApp, accepted, product_input};
use serde_json::json;

#[tokio::test]
async fn unreadable_events_are_listed_as_projection_failures() {
    let app = TestApp::spawn().await;
    let broken = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
         VALUES ('Product', $1, 1, 'ProductCreated', '1', '{\"ProductCreated\": {\"title\": \"\"}}', '{}')",
    )
    .bind(&broken)
    .execute(&app.db.pool)
    .await
    .unwrap();

    let created = app.create_product(product_input("AFTER-BROKEN")).await;
    let payload = accepted(&created, "createProduct");
    let read = app
        .product(
            payload["product"]["id"].as_str().unwrap(),
            payload["consistencyToken"].as_str(),
        )
        .await;
    assert_eq!(
        read["data"]["product"]["sku"], "AFTER-BROKEN",
        "the projection went on: {read}"
    );

    let failures = app
        .graphql(
            "{ projectionFailures(first: 10) { totalCount nodes { projection aggregateType aggregateId sequence eventType error attempts } } }",
            json!({}),
        )
        .await;
    let connection = &failures["data"]["projectionFailures"];
    assert_eq!(connection["totalCount"], 1, "{failures}");
    let failure = &connection["nodes"][0];
    assert_eq!(failure["projection"], "products");
    assert_eq!(failure["aggregateId"], broken.as_str());
    assert_eq!(failure["eventType"], "ProductCreated");
    assert_eq!(failure["attempts"], 3);
    assert!(
        failure["error"].as_str().unwrap().contains("unreadable payload"),
        "{failure}"
    );
}
