//! Identity end to end over HTTP: who may do what, tokens that must be refused, refresh token
//! rotation, the actor on every event, failed-login throttling, rate limits, query limits.

use crate::support::{ADMIN_PASSWORD, TestApp, product_input, serve_args, ws};
use serde_json::{Value, json};
use std::time::Duration;

fn code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"].as_str().unwrap_or_default()
}

const CREATE: &str = "mutation($input: CreateProductInput!) { createProduct(input: $input) {
    product { id version } errors { field code message } consistencyToken } }";
const PRODUCTS: &str = "{ products(first: 5) { totalCount } }";

#[tokio::test]
async fn anonymous_is_unauthenticated_and_a_viewer_cannot_write() {
    let app = TestApp::spawn().await;
    let anonymous = app.graphql_as(None, PRODUCTS, json!({})).await;
    assert_eq!(code(&anonymous), "UNAUTHENTICATED", "{anonymous}");
    assert!(anonymous["data"].is_null() || anonymous["data"]["products"].is_null());

    let (_, viewer) = app.user_with_roles("viewer@shop.ru", &["VIEWER"]).await;
    let read = app.graphql_as(Some(&viewer), PRODUCTS, json!({})).await;
    assert_eq!(read["data"]["products"]["totalCount"], 0, "{read}");
    let write = app
        .graphql_as(Some(&viewer), CREATE, json!({ "input": product_input("V-1") }))
        .await;
    assert_eq!(code(&write), "FORBIDDEN", "{write}");
    assert!(
        write["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("catalog:write")
    );
    assert_eq!(app.event_count(None).await, 0, "nothing was written");

    let (_, manager) = app.user_with_roles("manager@shop.ru", &["MANAGER"]).await;
    let written = app
        .graphql_as(Some(&manager), CREATE, json!({ "input": product_input("M-1") }))
        .await;
    assert_eq!(written["data"]["createProduct"]["errors"], json!([]), "{written}");
    let users = app
        .graphql_as(Some(&manager), "{ users { totalCount } }", json!({}))
        .await;
    assert_eq!(code(&users), "FORBIDDEN", "a manager does not manage users: {users}");
}

#[tokio::test]
async fn a_disabled_users_valid_token_is_refused_at_once() {
    let app = TestApp::spawn().await;
    let (id, token) = app.user_with_roles("leaver@shop.ru", &["MANAGER"]).await;
    let before = app.graphql_as(Some(&token), PRODUCTS, json!({})).await;
    assert!(before["errors"].is_null(), "{before}");
    let disabled = app
        .graphql(
            "mutation($id: ID!) { disableUser(userId: $id) { user { disabled } errors { code } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(disabled["data"]["disableUser"]["user"]["disabled"], true, "{disabled}");
    let after = app.graphql_as(Some(&token), PRODUCTS, json!({})).await;
    assert_eq!(code(&after), "UNAUTHENTICATED", "{after}");
    assert!(
        after["errors"][0]["message"].as_str().unwrap().contains("disabled"),
        "{after}"
    );
    let login = app.login_response("leaver@shop.ru", "leaver@shop.ru-password").await;
    assert_eq!(code(&login), "UNAUTHENTICATED", "{login}");
}

#[tokio::test]
async fn expired_forged_and_unsigned_tokens_are_refused() {
    let mut args = serve_args();
    // Expiry has whole-second granularity: 3 s leaves a token issued late in a second time
    // to be used before it expires, even on a busy machine.
    args.api.security.access_token_ttl_seconds = 3;
    args.api.security.jwt_secret = Some("a-test-signing-key-of-at-least-32-bytes!".into());
    let app = TestApp::spawn_on(gomarket_testkit::TestDatabase::new(gomarket::MIGRATIONS).await, args).await;
    let issued = std::time::Instant::now();
    let token = app.login("admin", crate::support::ADMIN_PASSWORD).await;
    let fresh = app.graphql_as(Some(&token), PRODUCTS, json!({})).await;
    assert!(fresh["errors"].is_null(), "{fresh}");

    let (header, rest) = token.split_once('.').unwrap();
    let (claims, signature) = rest.split_once('.').unwrap();
    // Same claims, signature flipped.
    // (The first character: the last one carries padding bits a decoder may refuse.)
    let first = if signature.starts_with('A') { "B" } else { "A" };
    let forged_signature = format!("{first}{}", &signature[1..]);
    // alg: none, no signature.
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let kid: Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    let none_header = b64(&json!({ "alg": "none", "typ": "JWT", "kid": kid["kid"] }).to_string());
    for (bad, why) in [
        (format!("{header}.{claims}.{forged_signature}"), "signature"),
        (format!("{none_header}.{claims}."), "algorithm"),
        ("not-a-jwt".to_owned(), "malformed"),
    ] {
        let response = app.graphql_as(Some(&bad), PRODUCTS, json!({})).await;
        assert_eq!(code(&response), "UNAUTHENTICATED", "{why}: {response}");
        assert!(
            response["errors"][0]["message"].as_str().unwrap().contains(why),
            "{why}: {response}"
        );
    }
    // A token signed with another key (another deployment's).
    let mut other_args = serve_args();
    other_args.api.security.jwt_secret = Some("another-deployments-signing-key-32-bytes".into());
    let other = TestApp::spawn_on(
        gomarket_testkit::TestDatabase::new(gomarket::MIGRATIONS).await,
        other_args,
    )
    .await;
    let foreign = app.graphql_as(Some(&other.admin_token), PRODUCTS, json!({})).await;
    assert_eq!(code(&foreign), "UNAUTHENTICATED", "{foreign}");

    // A fixed wait: the token's 3 s lifetime must run out (whole seconds, hence 4.1 s).
    tokio::time::sleep((issued + Duration::from_millis(4100)).saturating_duration_since(std::time::Instant::now()))
        .await;
    let expired = app.graphql_as(Some(&token), PRODUCTS, json!({})).await;
    assert_eq!(code(&expired), "UNAUTHENTICATED", "{expired}");
    assert!(
        expired["errors"][0]["message"].as_str().unwrap().contains("expired"),
        "{expired}"
    );
}

const REFRESH: &str =
    "mutation($t: String!) { refreshToken(token: $t) { accessToken refreshToken errors { code message } } }";

#[tokio::test]
async fn a_refresh_token_works_once_and_its_reuse_revokes_the_family() {
    let app = TestApp::spawn().await;
    let login = app.login_response("admin", ADMIN_PASSWORD).await;
    let first = login["data"]["login"]["refreshToken"].as_str().unwrap().to_owned();

    let rotated = app.graphql_as(None, REFRESH, json!({ "t": first })).await;
    let second = rotated["data"]["refreshToken"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let access = rotated["data"]["refreshToken"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(first, second);
    assert!(app.graphql_as(Some(&access), PRODUCTS, json!({})).await["errors"].is_null());

    let replayed = app.graphql_as(None, REFRESH, json!({ "t": first })).await;
    assert_eq!(code(&replayed), "UNAUTHENTICATED", "{replayed}");
    assert!(
        replayed["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already used")
    );
    // The thief's reuse ended the session: the legitimate successor is revoked too.
    let successor = app.graphql_as(None, REFRESH, json!({ "t": second })).await;
    assert_eq!(code(&successor), "UNAUTHENTICATED", "{successor}");

    // logout revokes a fresh session's refresh token.
    let again = app.login_response("admin", ADMIN_PASSWORD).await;
    let refresh = again["data"]["login"]["refreshToken"].as_str().unwrap().to_owned();
    let access = again["data"]["login"]["accessToken"].as_str().unwrap().to_owned();
    let logout = app
        .graphql_as(
            Some(&access),
            "mutation($t: String) { logout(refreshToken: $t) { revoked } }",
            json!({ "t": refresh }),
        )
        .await;
    assert_eq!(logout["data"]["logout"]["revoked"], 1, "{logout}");
    let after_logout = app.graphql_as(None, REFRESH, json!({ "t": refresh })).await;
    assert_eq!(code(&after_logout), "UNAUTHENTICATED");
}

#[tokio::test]
async fn history_names_the_acting_user_and_the_request() {
    let app = TestApp::spawn().await;
    let (_, manager) = app.user_with_roles("pricing@shop.ru", &["MANAGER"]).await;
    let created = app.graphql(CREATE, json!({ "input": product_input("AUD-1") })).await;
    let id = created["data"]["createProduct"]["product"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&manager)
        .header("x-request-id", "reprice-77")
        .json(&json!({
            "query": "mutation($id: ID!) { changeProductPrice(id: $id, priceKopecks: 199900) { errors { code } } }",
            "variables": { "id": id }
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "reprice-77");
    let history = app
        .graphql(
            "query($id: ID!) { history(aggregateType: \"Product\", aggregateId: $id, first: 10) {
                nodes { type actor correlationId } } }",
            json!({ "id": id }),
        )
        .await;
    let nodes = &history["data"]["history"]["nodes"];
    assert_eq!(nodes[0]["type"], "ProductCreated", "{history}");
    assert_eq!(nodes[0]["actor"], "user:admin");
    assert_eq!(nodes[1]["type"], "ProductPriceChanged");
    assert_eq!(nodes[1]["actor"], "user:pricing@shop.ru");
    assert_eq!(nodes[1]["correlationId"], "reprice-77");

    // Granting a role is audited the same way.
    let users = app.graphql("{ users { nodes { id email } } }", json!({})).await;
    let pricing = users["data"]["users"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "pricing@shop.ru")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.graphql(
        "mutation($id: ID!) { grantRole(userId: $id, role: OPERATOR) { errors { code } } }",
        json!({ "id": pricing }),
    )
    .await;
    let user_history = app
        .graphql(
            "query($id: ID!) { history(aggregateType: \"User\", aggregateId: $id, first: 10) { nodes { type actor payload } } }",
            json!({ "id": pricing }),
        )
        .await;
    let nodes = &user_history["data"]["history"]["nodes"];
    assert_eq!(nodes[1]["type"], "RoleGranted", "{user_history}");
    assert_eq!(nodes[1]["actor"], "user:admin");
    assert!(
        !user_history.to_string().contains("argon2"),
        "no hash in events: {user_history}"
    );
}

#[tokio::test]
async fn twenty_wrong_passwords_lock_the_account_until_the_window_passes() {
    let mut args = serve_args();
    args.api.security.login_lockout_seconds = 5;
    let app = TestApp::spawn_on(gomarket_testkit::TestDatabase::new(gomarket::MIGRATIONS).await, args).await;
    let mut limited = 0;
    for attempt in 0..20 {
        let response = app
            .client
            .post(app.url("/graphql"))
            .json(&json!({
                "query": "mutation($p: String!) { login(email: \"admin\", password: $p) { accessToken errors { code } } }",
                "variables": { "p": format!("wrong-password-{attempt}") }
            }))
            .send()
            .await
            .unwrap();
        let retry_after = response.headers().get("retry-after").cloned();
        let body: Value = response.json().await.unwrap();
        match code(&body) {
            "UNAUTHENTICATED" => assert!(limited == 0, "failures after the lock are limited, not checked"),
            "RATE_LIMITED" => {
                limited += 1;
                let seconds: u64 = retry_after.expect("Retry-After").to_str().unwrap().parse().unwrap();
                assert!((1..=5).contains(&seconds), "{seconds}");
            }
            other => panic!("attempt {attempt}: {other}: {body}"),
        }
    }
    let rows: Vec<(String, i32, Option<chrono::DateTime<chrono::Utc>>)> =
        sqlx::query_as("SELECT key, failures, locked_until FROM login_throttle")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(limited, 15, "5 failures lock the account: {rows:?}");
    // Even the right password is refused while locked ...
    assert_eq!(code(&app.login_response("admin", ADMIN_PASSWORD).await), "RATE_LIMITED");
    // ... and works once the window has passed (a fixed wait: the 5 s lock runs out).
    tokio::time::sleep(Duration::from_millis(5100)).await;
    app.login("admin", ADMIN_PASSWORD).await;
}

#[tokio::test]
async fn requests_over_the_rate_limit_get_rate_limited_with_retry_after() {
    let mut args = serve_args();
    args.api.edge.rate_limit_per_second = 0.5;
    args.api.edge.rate_limit_burst = 3.0;
    let app = TestApp::spawn_on(gomarket_testkit::TestDatabase::new(gomarket::MIGRATIONS).await, args).await;
    let mut statuses = Vec::new();
    let mut last = None;
    for _ in 0..5 {
        let response = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&app.admin_token)
            .json(&json!({ "query": PRODUCTS }))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
        last = Some(response);
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    let last = last.unwrap();
    assert_eq!(last.headers()["retry-after"], "2");
    let body: Value = last.json().await.unwrap();
    assert_eq!(code(&body), "RATE_LIMITED", "{body}");
}

#[tokio::test]
async fn operations_over_the_depth_or_complexity_limit_are_refused_before_execution() {
    let mut args = serve_args();
    args.api.graphql_max_complexity = 12;
    let app = TestApp::spawn_on(gomarket_testkit::TestDatabase::new(gomarket::MIGRATIONS).await, args).await;
    let complex = app
        .graphql(
            "mutation($input: CreateProductInput!) { createProduct(input: $input) {
                product { id sku title brand description category barcodes priceKopecks stock version }
                errors { field code message } consistencyToken } }",
            json!({ "input": product_input("CX-1") }),
        )
        .await;
    assert_eq!(code(&complex), "BAD_USER_INPUT", "{complex}");
    assert!(
        complex["errors"][0]["message"].as_str().unwrap().contains("complex"),
        "{complex}"
    );
    assert_eq!(app.event_count(None).await, 0, "the mutation never ran");

    // Depth on an app with the default complexity limit, so depth is what refuses it.
    let app = TestApp::spawn().await;
    let deep = app
        .graphql(
            &format!(
                "{{ __schema {{ types {{ fields {{ type {{ {} name {} }} }} }} }} }}",
                "ofType { ".repeat(12),
                "} ".repeat(12)
            ),
            json!({}),
        )
        .await;
    assert_eq!(code(&deep), "BAD_USER_INPUT", "{deep}");
    assert!(
        deep["errors"][0]["message"].as_str().unwrap().contains("deep"),
        "{deep}"
    );
    assert!(deep["data"].is_null(), "nothing was resolved: {deep}");
}

#[tokio::test]
async fn api_keys_act_within_their_scopes_until_revoked() {
    let app = TestApp::spawn().await;
    let created = app
        .graphql(
            "mutation { createApiKey(input: { name: \"price robot\", scopes: [\"catalog:read\"] }) {
                apiKey { id scopes active } key errors { field code message } } }",
            json!({}),
        )
        .await;
    let payload = &created["data"]["createApiKey"];
    assert_eq!(payload["apiKey"]["scopes"], json!(["catalog:read"]), "{created}");
    let key = payload["key"].as_str().unwrap().to_owned();
    let key_id = payload["apiKey"]["id"].as_str().unwrap().to_owned();
    assert!(key.starts_with("gmk_"));

    let with_key = |query: &'static str| {
        let request = app
            .client
            .post(app.url("/graphql"))
            .header("x-api-key", key.clone())
            .json(&json!({ "query": query, "variables": { "input": product_input("KEY-1") } }));
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let read = with_key(PRODUCTS).await;
    assert!(read["errors"].is_null(), "{read}");
    let write = with_key(CREATE).await;
    assert_eq!(code(&write), "FORBIDDEN", "{write}");
    let me = with_key("{ me { actor permissions } }").await;
    assert_eq!(me["data"]["me"]["actor"], format!("api-key:{key_id}"));

    // A viewer cannot mint a key with more than they hold.
    let (_, viewer) = app.user_with_roles("robot-owner@shop.ru", &["VIEWER"]).await;
    let wider = app
        .graphql_as(
            Some(&viewer),
            "mutation { createApiKey(input: { name: \"x\", scopes: [\"catalog:write\"] }) { key errors { field code } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        wider["data"]["createApiKey"]["errors"][0]["code"], "FORBIDDEN",
        "{wider}"
    );
    assert!(wider["data"]["createApiKey"]["key"].is_null());

    let revoked = app
        .graphql(
            "mutation($id: ID!) { revokeApiKey(id: $id) { apiKey { active revokedAt } errors { code } } }",
            json!({ "id": key_id }),
        )
        .await;
    assert_eq!(revoked["data"]["revokeApiKey"]["apiKey"]["active"], false, "{revoked}");
    let after = with_key(PRODUCTS).await;
    assert_eq!(code(&after), "UNAUTHENTICATED", "{after}");
    let tampered = app
        .client
        .post(app.url("/graphql"))
        .header("x-api-key", format!("{key}x"))
        .json(&json!({ "query": PRODUCTS }))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(code(&tampered), "UNAUTHENTICATED");
}

#[tokio::test]
async fn changing_the_password_ends_old_tokens() {
    let app = TestApp::spawn().await;
    let (_, token) = app.user_with_roles("rotator@shop.ru", &["VIEWER"]).await;
    // Tokens carry whole seconds: make sure the change is in a later second than the login.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let changed = app
        .graphql_as(
            Some(&token),
            "mutation { changePassword(currentPassword: \"rotator@shop.ru-password\", newPassword: \"a brand new password\") { errors { field code } } }",
            json!({}),
        )
        .await;
    assert_eq!(changed["data"]["changePassword"]["errors"], json!([]), "{changed}");
    let old = app.graphql_as(Some(&token), PRODUCTS, json!({})).await;
    assert_eq!(code(&old), "UNAUTHENTICATED", "{old}");
    app.login("rotator@shop.ru", "a brand new password").await;
    let wrong = app.login_response("rotator@shop.ru", "rotator@shop.ru-password").await;
    assert_eq!(code(&wrong), "UNAUTHENTICATED");
}

#[tokio::test]
async fn subscriptions_authenticate_in_connection_init() {
    let app = TestApp::spawn().await;
    let created = app.create_product(product_input("SUB-1")).await;
    let id = created["data"]["createProduct"]["product"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = created["data"]["createProduct"]["consistencyToken"]
        .as_str()
        .unwrap()
        .to_owned();
    app.product(&id, Some(&token)).await;
    let query = "subscription($id: ID!) { productChanges(id: $id) { priceKopecks version } }";

    let (mut socket, ack) = ws::connect(
        app.address,
        json!({ "Authorization": format!("Bearer {}", app.admin_token) }),
    )
    .await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    ws::subscribe(&mut socket, "1", query, json!({ "id": id })).await;
    let first = ws::next_message(&mut socket).await;
    assert_eq!(first["payload"]["data"]["productChanges"]["version"], 1, "{first}");
    app.change_price(&id, 199_900, None).await;
    let second = ws::next_message(&mut socket).await;
    assert_eq!(
        second["payload"]["data"]["productChanges"]["priceKopecks"], 199_900,
        "{second}"
    );
    assert_eq!(second["payload"]["data"]["productChanges"]["version"], 2);

    // No credentials: every subscription needs some, so the connection is refused at once.
    let (_, refused) = ws::connect(app.address, json!({})).await;
    assert!(refused.get("closed").is_some(), "{refused}");

    // Credentials that are refused close the connection.
    let (_, closed) = ws::connect(app.address, json!({ "Authorization": "Bearer not.a.token" })).await;
    assert!(closed.get("closed").is_some(), "{closed}");
}
