//! Replicas sharing one Redis (GOMARKET_REDIS_URL): one rate-limit bucket per client, revoked
//! sessions refused everywhere at once, persisted queries known to all, and a read cache that
//! never serves what a consistency token forbids.

use crate::support::replica::{Replica, metric, post, query};
use crate::support::{ADMIN_PASSWORD, TestApp, codes_of, product_input, serve_args};
use gomarket::cli::ServeArgs;
use gomarket_infra::shared_state::persisted_queries::query_hash;
use gomarket_testkit::TestDatabase;
use gomarket_testkit::redis::{redis_prefix, redis_url};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Serve arguments on the shared test Redis under `prefix`.
fn shared_args(prefix: &str) -> ServeArgs {
    let mut args = serve_args();
    args.api.redis.redis_url = Some(redis_url());
    args.api.redis.redis_key_prefix = prefix.to_owned();
    args
}

/// Two replicas (the first runs the projectors) on one database with `args`.
async fn two_replicas(args: ServeArgs) -> (TestApp, Replica) {
    let a = TestApp::spawn_on(TestDatabase::new(gomarket::MIGRATIONS).await, args.clone()).await;
    let b = a.replica(args).await;
    (a, b)
}

/// Hammers both replicas anonymously for `length` with 4 clients: (answered 200, answered
/// 429, seconds from the first request to the last).
async fn hammer(addresses: [SocketAddr; 2], length: Duration) -> (usize, usize, f64) {
    let (ok, limited) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let start = Instant::now();
    let mut clients = Vec::new();
    for client_index in 0..4 {
        let (ok, limited) = (ok.clone(), limited.clone());
        clients.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut i = client_index;
            while start.elapsed() < length {
                let (status, _) = post(&client, addresses[i % 2], None, json!({ "query": "{ __typename }" })).await;
                match status {
                    200 => ok.fetch_add(1, Ordering::Relaxed),
                    429 => limited.fetch_add(1, Ordering::Relaxed),
                    other => panic!("unexpected status {other}"),
                };
                i += 1;
            }
        }));
    }
    for client in clients {
        client.await.unwrap();
    }
    let elapsed = start.elapsed().as_secs_f64();
    (ok.load(Ordering::Relaxed), limited.load(Ordering::Relaxed), elapsed)
}

#[tokio::test]
async fn a_client_hammering_two_replicas_gets_one_limit_not_two() {
    const RATE: f64 = 10.0;
    const BURST: f64 = 20.0;
    let limited = |mut args: ServeArgs| {
        args.api.edge.rate_limit_ip_per_second = RATE;
        args.api.edge.rate_limit_ip_burst = BURST;
        args
    };
    let (a, b) = two_replicas(limited(shared_args(&redis_prefix()))).await;
    let (ok, refused, elapsed) = hammer([a.address, b.address], Duration::from_secs(2)).await;
    let ceiling = BURST + RATE * elapsed;
    assert!(
        (ok as f64) <= ceiling + 1.0,
        "shared: {ok} answered in {elapsed:.2} s, more than burst + rate × time = {ceiling:.1}"
    );
    assert!(
        ok as f64 >= BURST - 1.0,
        "shared: only {ok} answered ({refused} refused)"
    );
    assert!(refused > 0);
    b.stop().await;
    a.stop().await;

    // The same without Redis: each replica has its own bucket, and the client gets about twice.
    let (a, b) = two_replicas(limited(serve_args())).await;
    let (ok, _, elapsed) = hammer([a.address, b.address], Duration::from_secs(2)).await;
    let ceiling = BURST + RATE * elapsed;
    assert!(
        ok as f64 > ceiling + 1.0,
        "per process: {ok} answered in {elapsed:.2} s, expected more than one bucket's {ceiling:.1}"
    );
    b.stop().await;
    a.stop().await;
}

const ME: &str = "{ me { id } }";

/// The `extensions.code` of the first error, or "" when the query was answered.
async fn me_code(client: &reqwest::Client, address: SocketAddr, token: Option<&str>, key: Option<&str>) -> String {
    let mut request = client
        .post(format!("http://{address}/graphql"))
        .json(&json!({ "query": ME }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    let body: Value = request.send().await.unwrap().json().await.unwrap();
    codes_of(&body["errors"]).into_iter().next().unwrap_or_default()
}

#[tokio::test]
async fn logout_disable_revoke_and_reuse_are_refused_on_the_other_replica_at_once() {
    let (a, b) = two_replicas(shared_args(&redis_prefix())).await;
    let client = reqwest::Client::new();

    // Logout on A: the very next request on B is refused (B had just checked the session and
    // would otherwise trust that answer for a while).
    let token = a.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(me_code(&client, b.address, Some(&token), None).await, "");
    let logout = query(
        &client,
        a.address,
        Some(&token),
        "mutation { logout { revoked } }",
        json!({}),
    )
    .await;
    assert_eq!(logout["data"]["logout"]["revoked"], 1, "{logout}");
    assert_eq!(me_code(&client, b.address, Some(&token), None).await, "UNAUTHENTICATED");
    assert_eq!(me_code(&client, a.address, Some(&token), None).await, "UNAUTHENTICATED");
    // Other sessions of the same user live on.
    assert_eq!(me_code(&client, b.address, Some(&a.admin_token), None).await, "");

    // disableUser on A.
    let (user_id, user_token) = a.user_with_roles("leaver@shop.ru", &["MANAGER"]).await;
    assert_eq!(me_code(&client, b.address, Some(&user_token), None).await, "");
    let disabled = a
        .graphql(
            "mutation($id: ID!) { disableUser(userId: $id) { errors { code } } }",
            json!({ "id": user_id }),
        )
        .await;
    assert_eq!(disabled["data"]["disableUser"]["errors"], json!([]), "{disabled}");
    assert_eq!(
        me_code(&client, b.address, Some(&user_token), None).await,
        "UNAUTHENTICATED"
    );

    // revokeApiKey on A.
    let created = a
        .graphql(
            "mutation { createApiKey(input: { name: \"ci\", scopes: [\"catalog:read\"] }) { apiKey { id } key } }",
            json!({}),
        )
        .await;
    let key = created["data"]["createApiKey"]["key"].as_str().expect("key").to_owned();
    let key_id = created["data"]["createApiKey"]["apiKey"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(me_code(&client, b.address, None, Some(&key)).await, "");
    a.graphql(
        "mutation($id: ID!) { revokeApiKey(id: $id) { errors { code } } }",
        json!({ "id": key_id }),
    )
    .await;
    assert_eq!(me_code(&client, b.address, None, Some(&key)).await, "UNAUTHENTICATED");

    // A replayed refresh token on A: the session's access tokens go too, on B at once.
    let session = a.login_response("admin", ADMIN_PASSWORD).await;
    let first_refresh = session["data"]["login"]["refreshToken"].as_str().unwrap().to_owned();
    let first_access = session["data"]["login"]["accessToken"].as_str().unwrap().to_owned();
    const REFRESH: &str = "mutation($t: String!) { refreshToken(token: $t) { accessToken errors { code } } }";
    let rotated = query(&client, a.address, None, REFRESH, json!({ "t": first_refresh })).await;
    let second_access = rotated["data"]["refreshToken"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(me_code(&client, b.address, Some(&second_access), None).await, "");
    let replayed = query(&client, a.address, None, REFRESH, json!({ "t": first_refresh })).await;
    assert_eq!(codes_of(&replayed["errors"]), ["UNAUTHENTICATED"], "{replayed}");
    for token in [&first_access, &second_access] {
        assert_eq!(me_code(&client, b.address, Some(token), None).await, "UNAUTHENTICATED");
    }

    // A new password on A.
    let (_, changer) = a.user_with_roles("changer@shop.ru", &["VIEWER"]).await;
    assert_eq!(me_code(&client, b.address, Some(&changer), None).await, "");
    let changed = query(
        &client,
        a.address,
        Some(&changer),
        "mutation { changePassword(currentPassword: \"changer@shop.ru-password\", newPassword: \"a-new-long-password\") { errors { code } } }",
        json!({}),
    )
    .await;
    assert_eq!(changed["data"]["changePassword"]["errors"], json!([]), "{changed}");
    assert_eq!(
        me_code(&client, b.address, Some(&changer), None).await,
        "UNAUTHENTICATED"
    );
    b.stop().await;
    a.stop().await;
}

/// Extensions naming a persisted query by its hash.
fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

#[tokio::test]
async fn automatic_persisted_queries_are_known_to_every_replica_and_the_allow_list_is_enforced() {
    let prefix = redis_prefix();
    let (a, b) = two_replicas(shared_args(&prefix)).await;
    let client = reqwest::Client::new();
    let text = "query Newest { products(first: 3) { totalCount } }";
    let hash = query_hash(text);
    let token = Some(a.admin_token.as_str());

    let (status, unknown) = post(&client, b.address, token, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(status, 200, "{unknown}");
    assert_eq!(codes_of(&unknown["errors"]), ["PERSISTED_QUERY_NOT_FOUND"], "{unknown}");
    assert_eq!(unknown["errors"][0]["message"], "PersistedQueryNotFound");

    // Registered on A with its text, then known on B by hash alone (POST and GET).
    let (_, registered) = post(
        &client,
        a.address,
        token,
        json!({ "query": text, "extensions": persisted(&hash) }),
    )
    .await;
    assert_eq!(registered["data"]["products"]["totalCount"], 0, "{registered}");
    let (status, by_hash) = post(&client, b.address, token, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(status, 200);
    assert_eq!(by_hash["data"]["products"]["totalCount"], 0, "{by_hash}");
    let by_get: Value = client
        .get(format!("http://{}/graphql", b.address))
        .bearer_auth(&a.admin_token)
        .query(&[("extensions", persisted(&hash).to_string())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_get["data"]["products"]["totalCount"], 0, "{by_get}");

    // A text that does not match its hash is refused.
    let (_, mismatch) = post(
        &client,
        a.address,
        token,
        json!({ "query": "{ __typename }", "extensions": persisted(&hash) }),
    )
    .await;
    assert_eq!(codes_of(&mismatch["errors"]), ["BAD_USER_INPUT"], "{mismatch}");

    // A mutation sent with its hash runs but is not remembered (its text may inline a secret).
    let logout = "mutation { logout { revoked } }";
    let (_, ran) = post(
        &client,
        a.address,
        token,
        json!({ "query": logout, "extensions": persisted(&query_hash(logout)) }),
    )
    .await;
    assert_eq!(ran["data"]["logout"]["revoked"], 1, "{ran}");
    let relogin = a.login("admin", ADMIN_PASSWORD).await;
    let (_, forgotten) = post(
        &client,
        b.address,
        Some(&relogin),
        json!({ "extensions": persisted(&query_hash(logout)) }),
    )
    .await;
    assert_eq!(
        codes_of(&forgotten["errors"]),
        ["PERSISTED_QUERY_NOT_FOUND"],
        "{forgotten}"
    );

    // Allow-list mode: only registered texts run, by hash or in full.
    let mut only = shared_args(&prefix);
    only.api.edge.persisted_queries_only = true;
    let c = a.replica(only).await;
    let admin = Some(relogin.as_str());
    let (_, ad_hoc) = post(&client, c.address, admin, json!({ "query": "{ __typename }" })).await;
    assert_eq!(codes_of(&ad_hoc["errors"]), ["PERSISTED_QUERY_NOT_IN_LIST"], "{ad_hoc}");
    let (_, automatic) = post(&client, c.address, admin, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(
        codes_of(&automatic["errors"]),
        ["PERSISTED_QUERY_NOT_IN_LIST"],
        "an automatically persisted text is not registered: {automatic}"
    );
    let registered_hash = gomarket::app::register_persisted_query(&a.db.pool, text).await.unwrap();
    assert_eq!(registered_hash, hash);
    let (_, by_hash) = post(&client, c.address, admin, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(by_hash["data"]["products"]["totalCount"], 0, "{by_hash}");
    let (_, in_full) = post(&client, c.address, admin, json!({ "query": text })).await;
    assert_eq!(in_full["data"]["products"]["totalCount"], 0, "{in_full}");
    assert!(
        gomarket::app::register_persisted_query(&a.db.pool, "{ not graphql")
            .await
            .is_err()
    );
    c.stop().await;
    b.stop().await;
    a.stop().await;
}

const PRODUCT: &str = "query($id: ID!, $t: String) { product(id: $id, consistentWith: $t) { priceKopecks version } }";
const NEWEST: &str = "{ products(first: 20) { nodes { id priceKopecks } } }";
const REPRICE: &str = "mutation($id: ID!, $p: Int!) { changeProductPrice(id: $id, priceKopecks: $p) { consistencyToken errors { code } } }";

/// The read-cache hits `/metrics` counted for `query` on `address`.
async fn cache_hits(client: &reqwest::Client, address: SocketAddr, query: &str) -> f64 {
    let series = format!("gomarket_read_cache_lookups_total{{query=\"{query}\",outcome=\"hit\"}} ");
    metric(client, address, &series).await
}

#[tokio::test]
async fn a_read_with_a_consistency_token_never_sees_a_cached_older_value_on_either_replica() {
    let (a, b) = two_replicas(shared_args(&redis_prefix())).await;
    let client = reqwest::Client::new();
    let token = Some(a.admin_token.as_str());
    let created = a.create_product(product_input("CACHE-1")).await;
    let id = created["data"]["createProduct"]["product"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let replicas = [a.address, b.address];
    for round in 0..1_000_usize {
        let (writer, reader) = (replicas[round % 2], replicas[(round + 1) % 2]);
        // Warm both caches with the current value.
        for address in replicas {
            query(&client, address, token, PRODUCT, json!({ "id": id })).await;
            query(&client, address, token, NEWEST, json!({})).await;
        }
        let price = 100_000 + i64::try_from(round).unwrap();
        let written = query(&client, writer, token, REPRICE, json!({ "id": id, "p": price })).await;
        let consistency = written["data"]["changeProductPrice"]["consistencyToken"]
            .as_str()
            .unwrap_or_else(|| panic!("round {round}: {written}"))
            .to_owned();
        let read = query(&client, reader, token, PRODUCT, json!({ "id": id, "t": consistency })).await;
        assert_eq!(read["data"]["product"]["priceKopecks"], price, "round {round}: {read}");
        // After that read, nothing older is served from the cache, on either replica.
        for address in replicas {
            let read = query(&client, address, token, PRODUCT, json!({ "id": id })).await;
            assert_eq!(read["data"]["product"]["priceKopecks"], price, "round {round}: {read}");
            let newest = query(&client, address, token, NEWEST, json!({})).await;
            assert_eq!(
                newest["data"]["products"]["nodes"][0]["priceKopecks"], price,
                "round {round}: {newest}"
            );
        }
    }
    // The cache was in play all along (the warm-up reads were answered from it).
    for address in replicas {
        assert!(cache_hits(&client, address, "product").await > 100.0);
        assert!(cache_hits(&client, address, "products").await > 100.0);
    }
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn persisted_queries_register_prints_each_hash_and_refuses_what_is_not_graphql() {
    let db = TestDatabase::new(gomarket::MIGRATIONS).await;
    let dir = std::env::temp_dir().join(format!("pq-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let (good, bad) = (dir.join("newest.graphql"), dir.join("broken.graphql"));
    let text = "query Newest { products(first: 20) { nodes { id } } }\n";
    std::fs::write(&good, text).unwrap();
    std::fs::write(&bad, "query { products(").unwrap();
    let run = |file: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_gomarket"))
            .args(["persisted-queries", "register"])
            .arg(file)
            .env("DATABASE_URL", &db.url)
            .env_remove("GOMARKET_DATABASE_URL")
            .env("GOMARKET_LOG", "off")
            .output()
            .unwrap()
    };
    let registered = run(&good);
    assert!(registered.status.success(), "{registered:?}");
    let stdout = String::from_utf8(registered.stdout).unwrap();
    assert_eq!(stdout, format!("{}  {}\n", query_hash(text), good.display()));
    let stored: String = sqlx::query_scalar("SELECT query FROM persisted_queries WHERE hash = $1")
        .bind(query_hash(text))
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(stored, text, "the exact bytes, trailing newline included");

    let refused = run(&bad);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8(refused.stderr)
            .unwrap()
            .contains("not a GraphQL document"),
        "the reason is said"
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM persisted_queries")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(count, 1, "nothing half-registered");
    std::fs::remove_dir_all(&dir).unwrap();
}
