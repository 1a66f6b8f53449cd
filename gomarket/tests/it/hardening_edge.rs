//! What a hostile client tried at the HTTP edge (issue 16): batches that bypassed the login
//! lockout and the rate limits, alias floods, control characters reaching SQL, CORS-simple
//! bodies, mutations by GET, and slow searches starving writes.

use crate::support::{TestApp, product_input, serve_args};
use gomarket_testkit::eventually;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const LOGIN: &str = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
    accessToken errors { field code message } } }";

/// POSTs a JSON body as the admin; the status and the body.
async fn post(app: &TestApp, token: Option<&str>, body: &Value) -> (u16, Value) {
    let mut request = app.client.post(app.url("/graphql")).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn a_batch_of_logins_is_attempts_in_a_row_and_the_lockout_holds() {
    let app = TestApp::spawn().await;
    app.user_with_roles("victim@example.ru", &["VIEWER"]).await;
    let attempt = |password: &str| json!({ "query": LOGIN, "variables": { "e": "victim@example.ru", "p": password } });
    let mut batch: Vec<Value> = (0..9).map(|i| attempt(&format!("guess-{i}"))).collect();
    batch.push(attempt("victim@example.ru-password"));
    let (status, body) = post(&app, None, &Value::Array(batch)).await;
    let codes: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["data"]["login"]["errors"][0]["code"].as_str().unwrap_or("OK"))
        .collect();
    assert_eq!(&codes[..5], ["UNAUTHENTICATED"; 5], "{body}");
    assert_eq!(
        &codes[5..],
        ["RATE_LIMITED"; 5],
        "locked after 5, the right password too: {body}"
    );
    assert!(body[9]["data"]["login"]["accessToken"].is_null(), "{body}");
    assert_eq!(status, 429, "the lockout is a 429 like the token buckets'");
    let failures: i32 =
        sqlx::query_scalar("SELECT failures FROM login_throttle WHERE key = 'account:victim@example.ru'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(failures, 5);
    // One by one, the lock is a 429 with Retry-After as well.
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&attempt("victim@example.ru-password"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn batches_are_bounded_and_counted_per_operation() {
    let mut args = serve_args();
    args.api.edge.rate_limit_per_second = 1.0;
    args.api.edge.rate_limit_burst = 8.0;
    let app = TestApp::spawn_on(gomarket_testkit::TestDatabase::new(gomarket::MIGRATIONS).await, args).await;
    let token = app.admin_token.clone();
    let create = |sku: String| {
        json!({ "query": "mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id } } }",
                "variables": { "i": product_input(&sku) } })
    };
    let thousand: Vec<Value> = (0..1000).map(|i| create(format!("B-{i}"))).collect();
    let (status, body) = post(&app, Some(&token), &Value::Array(thousand)).await;
    assert_eq!((status, code(&body)), (400, "BAD_USER_INPUT"), "{body}");
    assert_eq!(app.event_count(None).await, 0, "nothing written");

    // The principal's bucket (burst 8) pays one token per operation: 10 do not fit, 6 do.
    let ten: Vec<Value> = (0..10).map(|i| create(format!("T-{i}"))).collect();
    let (status, body) = post(&app, Some(&token), &Value::Array(ten)).await;
    assert_eq!((status, code(&body)), (429, "RATE_LIMITED"), "{body}");
    let six: Vec<Value> = (0..6).map(|i| create(format!("S-{i}"))).collect();
    let (status, body) = post(&app, Some(&token), &Value::Array(six)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.as_array().unwrap().iter().all(|r| r["errors"].is_null()), "{body}");
}

#[tokio::test]
async fn alias_floods_and_batch_complexity_are_refused() {
    let app = TestApp::spawn().await;
    let aliases: String = (0..10_000).map(|i| format!("a{i}: __typename ")).collect();
    let flood = app.graphql(&format!("{{ {aliases} }}"), json!({})).await;
    assert_eq!(
        code(&flood),
        "BAD_USER_INPUT",
        "{}",
        &flood.to_string()[..200.min(flood.to_string().len())]
    );
    assert!(flood["data"].is_null());

    // Each operation alone is under the complexity limit (1000); ten of them are not.
    let fields: String = (0..150).map(|i| format!("t{i}: totalCount ")).collect();
    let query = format!("{{ products(first: 1) {{ {fields} }} }}");
    let single = app.graphql(&query, json!({})).await;
    assert!(single["errors"].is_null(), "one is fine: {}", single["errors"]);
    let batch: Vec<Value> = (0..10).map(|_| json!({ "query": query })).collect();
    let (_, body) = post(&app, Some(&app.admin_token), &Value::Array(batch)).await;
    let refused = body
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| code(r) == "BAD_USER_INPUT")
        .count();
    assert!(refused >= 4, "the batch's total is over the limit: {refused} refused");
}

#[tokio::test]
async fn control_characters_and_oversized_logins_are_bad_user_input() {
    let app = TestApp::spawn().await;
    for (query, variables, field) in [
        (
            "query($s: String) { products(filter: {search: $s}) { totalCount } }",
            json!({ "s": "a\u{0}b" }),
            "s",
        ),
        (
            r#"{ products(filter: {brand: "x\u0000"}) { totalCount } }"#,
            json!({}),
            "filter.brand",
        ),
        (
            r#"{ products(filter: {category: "\u0000"}) { totalCount } }"#,
            json!({}),
            "filter.category",
        ),
        (
            r#"{ history(aggregateType: "Product", aggregateId: "\u0000") { totalCount } }"#,
            json!({}),
            "aggregateId",
        ),
        (LOGIN, json!({ "e": "a\u{0}@b.ru", "p": "x" }), "e"),
    ] {
        let response = app.graphql(query, variables).await;
        assert_eq!(code(&response), "BAD_USER_INPUT", "{query}: {response}");
        assert_eq!(response["errors"][0]["extensions"]["field"], field, "{response}");
    }
    let long = format!("{}@example.ru", "x".repeat(2800));
    let response = app.graphql_as(None, LOGIN, json!({ "e": long, "p": "x" })).await;
    assert_eq!(
        response["data"]["login"]["errors"][0]["code"], "BAD_USER_INPUT",
        "{response}"
    );

    use base64::Engine as _;
    let forge = |json: String| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
    let id = uuid::Uuid::now_v7();
    for (sort, cursor) in [
        (
            "CREATED_AT_ASC",
            forge(format!(r#"{{"s":"CREATED_AT_ASC","k":"not a time","id":"{id}"}}"#)),
        ),
        (
            "TITLE_ASC",
            forge(format!(r#"{{"s":"TITLE_ASC","k":"a\u0000","id":"{id}"}}"#)),
        ),
    ] {
        let response = app
            .graphql(
                "query($s: ProductSort, $a: String) { products(sort: $s, after: $a) { totalCount } }",
                json!({ "s": sort, "a": cursor }),
            )
            .await;
        assert_eq!(code(&response), "BAD_USER_INPUT", "{sort}: {response}");
    }
}

#[tokio::test]
async fn only_json_posts_run_and_get_never_mutates() {
    let app = TestApp::spawn().await;
    let body = json!({ "query": "mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id } } }",
                       "variables": { "i": product_input("CSRF-1") } })
    .to_string();
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"] {
        let response = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&app.admin_token)
            .header("content-type", content_type)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 415, "{content_type}");
    }
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&app.admin_token)
        .header("content-type", "application/json; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "JSON with parameters is accepted");

    let response = app
        .client
        .get(app.url("/graphql"))
        .bearer_auth(&app.admin_token)
        .query(&[("query", "mutation { logout(everywhere: true) { revoked } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    let products = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "{ products(first: 1) { totalCount } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(products.status(), 200, "queries still work by GET");
}

#[tokio::test]
async fn slow_searches_do_not_hold_back_writes_or_logins() {
    // A pool of 10: queries get 5 at once, mutations 2, whatever the queries are doing.
    let app = TestApp::spawn().await;
    app.user_with_roles("writer@example.ru", &["MANAGER"]).await;
    let mut lock = gomarket_infra::database::begin(&app.db.pool).await.unwrap();
    sqlx::query("LOCK TABLE products IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .unwrap();
    // 30 searches stuck behind the lock, as searches stuck on a slow plan would be.
    let searches: Vec<_> = (0..30)
        .map(|_| {
            let (client, url, token) = (app.client.clone(), app.url("/graphql"), app.admin_token.clone());
            tokio::spawn(async move {
                client
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({ "query": "{ products(filter: {search: \"x\"}) { totalCount } }" }))
                    .send()
                    .await
                    .unwrap()
                    .json::<Value>()
                    .await
                    .unwrap()
            })
        })
        .collect();
    // The queries' 5 connections are taken by searches waiting on the lock.
    eventually(Duration::from_secs(10), "5 searches wait on the lock", || async {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        if waiting >= 5 { Ok(()) } else { Err(waiting) }
    })
    .await;
    let started = Instant::now();
    let created = app.create_product(product_input("WHILE-SEARCHING")).await;
    assert!(created["errors"].is_null(), "{created}");
    let login = app
        .login_response("writer@example.ru", "writer@example.ru-password")
        .await;
    assert!(login["data"]["login"]["accessToken"].is_string(), "{login}");
    // Before the classes, the searches held every connection and these waited out the pool's
    // 5 s acquire timeout, then failed.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "took {:?}",
        started.elapsed()
    );
    lock.rollback().await.unwrap();
    for search in searches {
        let answer = search.await.unwrap();
        assert!(
            answer["errors"].is_null(),
            "the searches finish once unblocked: {answer}"
        );
    }
}
