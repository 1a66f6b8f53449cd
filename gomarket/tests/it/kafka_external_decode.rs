//! A consumer in another language, knowing only the `.proto` file, decodes what the relay
//! published: Python with protobuf and confluent-kafka (scripts/decode-envelope.py).

use crate::support::{TestApp, accepted, product_input};
use serde_json::Value;

fn python() -> String {
    std::env::var("GOMARKET_TEST_PYTHON").unwrap_or_else(|_| {
        panic!("this test needs the Python tools: run scripts/test, or set GOMARKET_TEST_PYTHON=$(scripts/ensure-python-tools)")
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn python_decodes_a_published_event_with_only_the_proto_file() {
    let app = TestApp::spawn_with_kafka(3).await;
    let response = app
        .graphql_with_request_id(
            Some("external-1"),
            "mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id } errors { code } consistencyToken } }",
            serde_json::json!({ "i": product_input("EXT-1") }),
        )
        .await;
    let payload = accepted(&response, "createProduct");
    let id = payload["product"]["id"].as_str().unwrap().to_owned();
    // Once the read model has it, the relay has published it.
    app.product(&id, payload["consistencyToken"].as_str()).await;

    let kafka = app.kafka.clone().expect("kafka configured");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/decode-envelope.py");
    let output = tokio::process::Command::new(python())
        .args([script, &kafka.brokers, &kafka.topic("catalog"), &id])
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let decoded: Value = serde_json::from_slice(&output.stdout).unwrap();

    let (event_id, position, sequence, event_type, payload, recorded_at_micros): (
        uuid::Uuid,
        i64,
        i64,
        String,
        Value,
        i64,
    ) = sqlx::query_as(
        "SELECT event_id, position, sequence, event_type, payload, (extract(epoch FROM recorded_at) * 1000000)::bigint
               FROM events WHERE aggregate_id = $1",
    )
    .bind(&id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(decoded["event_id"], event_id.to_string());
    assert_eq!(decoded["aggregate_type"], "Product");
    assert_eq!(decoded["aggregate_id"], id.as_str());
    // protobuf's JSON mapping writes 64-bit integers as strings.
    assert_eq!(decoded["sequence"], sequence.to_string());
    assert_eq!(decoded["global_position"], position.to_string());
    assert_eq!(decoded["recorded_at_unix_micros"], recorded_at_micros.to_string());
    assert_eq!(decoded["event_type"], event_type);
    assert_eq!(decoded["correlation_id"], "external-1");
    assert_eq!(decoded["actor"], "user:admin");
    assert_eq!(decoded["command"], "CreateProduct");
    let decoded_payload: Value = serde_json::from_str(decoded["payload_json"].as_str().unwrap()).unwrap();
    assert_eq!(decoded_payload, payload);
    assert_eq!(decoded["headers"]["event_type"], "ProductCreated");
    assert_eq!(decoded["headers"]["correlation_id"], "external-1");
}
