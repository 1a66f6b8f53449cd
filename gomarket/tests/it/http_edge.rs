//! The HTTP edge: GraphiQL, health, readiness, metrics, body limit, error codes of malformed
//! requests.

use crate::support::{TestApp, accepted, product_input};
use serde_json::{Value, json};

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
        "{{ __schema {{ types {{ fields {{ type {{ {} name {} }} }} }} }} }}",
        "ofType { ".repeat(12),
        "} ".repeat(12)
    );
    let response = app.graphql(&deep, json!({})).await;
    assert_eq!(
        response["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{response}"
    );
}

#[tokio::test]
async fn cors_answers_only_the_configured_origins() {
    let mut args = crate::support::serve_args();
    args.api.edge.cors_origins = Some("https://admin.shop.ru, https://ops.shop.ru".into());
    let app = TestApp::spawn_on(gomarket_testkit::TestDatabase::new(gomarket::MIGRATIONS).await, args).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization, content-type")
            .send()
    };
    let allowed = preflight("https://admin.shop.ru").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://admin.shop.ru"
    );
    let allowed_headers = allowed.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(allowed_headers.contains("authorization"), "{allowed_headers}");
    let foreign = preflight("https://evil.example").await.unwrap();
    assert!(foreign.headers().get("access-control-allow-origin").is_none());

    // Without an allow-list, no cross-origin access at all.
    let closed = TestApp::spawn().await;
    let response = closed
        .client
        .request(reqwest::Method::OPTIONS, closed.url("/graphql"))
        .header("origin", "https://admin.shop.ru")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn one_address_is_rate_limited_whoever_it_claims_to_be() {
    let mut args = crate::support::serve_args();
    args.api.edge.rate_limit_ip_per_second = 0.5;
    args.api.edge.rate_limit_ip_burst = 4.0; // the test app's own login takes one
    let app = TestApp::spawn_on(gomarket_testkit::TestDatabase::new(gomarket::MIGRATIONS).await, args).await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let response = app
            .client
            .post(app.url("/graphql"))
            .json(&json!({ "query": "{ products { totalCount } }" }))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    // Anonymous requests count against the address too (and are refused as unauthenticated).
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
}

#[tokio::test]
async fn timed_out_requests_are_abandoned_with_upstream_unavailable() {
    let mut args = crate::support::serve_args();
    args.api.edge.request_timeout_ms = 300;
    args.api.consistency_timeout_ms = 2000;
    args.run_projectors = false; // so a read-your-writes wait cannot finish
    let app = TestApp::spawn_on(gomarket_testkit::TestDatabase::new(gomarket::MIGRATIONS).await, args).await;
    let created = app.create_product(crate::support::product_input("SLOW-1")).await;
    let token = created["data"]["createProduct"]["consistencyToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&app.admin_token)
        .json(&json!({
            "query": "query($t: String) { products(consistentWith: $t) { totalCount } }",
            "variables": { "t": token }
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 504);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UPSTREAM_UNAVAILABLE",
        "{body}"
    );
}
