//! The HTTP edge: GraphiQL, health, readiness, metrics, body limit, error codes of malformed
//! requests.

mod support;

use serde_json::{Value, json};
use support::{TestApp, accepted, product_input};

#[tokio::test]
async fn graphiql_is_served_to_browsers() {
    let app = TestApp::spawn().await;
    let page = app
        .client
        .get(app.url("/graphql"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("GraphiQL"));
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = TestApp::spawn().await;
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let created = app.create_product(product_input("M-1")).await;
    let token = accepted(&created, "createProduct")["consistencyToken"]
        .as_str()
        .unwrap()
        .to_owned();
    app.product(
        created["data"]["createProduct"]["product"]["id"].as_str().unwrap(),
        Some(&token),
    )
    .await;

    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["projections"]["products"]["lagEvents"], 0, "{body}");

    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"gomarket_commands_total{command="CreateProduct",outcome="accepted"} 1"#),
        "{metrics}"
    );
    assert!(metrics.contains("gomarket_command_duration_seconds_count{command=\"CreateProduct\"} 1"));
    assert!(metrics.contains(r#"gomarket_projection_lag_events{projection="products"} 0"#));
}

#[tokio::test]
async fn malformed_requests_get_bad_user_input() {
    let app = TestApp::spawn().await;
    let unknown_field = app.graphql("{ nope }", json!({})).await;
    assert_eq!(unknown_field["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let wrong_type = app
        .graphql(
            "mutation { changeProductPrice(id: \"x\", priceKopecks: \"ten\") { errors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(wrong_type["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let not_json = app
        .client
        .post(app.url("/graphql"))
        .body("{")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
    let body: Value = not_json.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_with_413() {
    let app = TestApp::spawn().await;
    let huge = "x".repeat(5 * 1024 * 1024);
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(format!(
            "{{\"query\": \"{{ products {{ totalCount }} }}\", \"extensions\": {{ \"pad\": \"{huge}\" }} }}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn query_depth_is_limited() {
    let app = TestApp::spawn().await;
    // 16 levels deep, over the default limit of 12.
    let deep = format!(
        "{{ __schema {{ types {{ fields {{ type {{ {} name {} }} }} }} }}",
        "ofType { ".repeat(12),
        "} ".repeat(12)
    );
    let response = app.graphql(&deep, json!({})).await;
    assert_eq!(
        response["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{response}"
    );
}
