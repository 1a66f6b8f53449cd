//! A secret stored through the API, a marketplace API token (connected, then used by the push
//! worker) and the passwords of users never appear in the events table, any other table, the
//! application's log, or any GraphQL response.

// Shared with the `it` binary, of which this one uses a part.
#[allow(dead_code)]
#[path = "it/support/mod.rs"]
mod support;

use gomarket_testkit::eventually;
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};
use support::wb_fake::WbFake;
use support::{ADMIN_PASSWORD, TestApp, serve_args};
use tracing_subscriber::fmt::MakeWriter;

/// Everything the application logs, at debug level, kept for grepping.
#[derive(Clone, Default)]
struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl Write for CapturedLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for CapturedLog {
    type Writer = CapturedLog;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn secrets_and_passwords_never_leak() {
    let log = CapturedLog::default();
    tracing_subscriber::fmt()
        .with_env_filter("debug")
        .with_writer(log.clone())
        .init();
    let fake = WbFake::start().await;
    let mut args = serve_args();
    args.api.marketplace.wb_content_url = fake.url();
    args.api.marketplace.wb_prices_url = fake.url();
    args.api.marketplace.wb_marketplace_url = fake.url();
    args.api.marketplace.wb_common_url = fake.url();
    args.api.marketplace.worker_interval_ms = 100;
    let app = TestApp::spawn_on(gomarket_testkit::TestDatabase::new(gomarket::MIGRATIONS).await, args).await;
    let wb_token = format!("wb-api-token-{}", uuid::Uuid::new_v4().simple());
    let secret = format!("wb-token-{}", uuid::Uuid::new_v4().simple());
    let user_password = "a manager's own password";
    let mut responses = Vec::new();

    let stored = app
        .graphql(
            "mutation($i: StoreSecretInput!) { storeSecret(input: $i) { secret { id name keyId createdBy } errors { code } } }",
            json!({ "i": { "name": "WB token, main account", "value": secret } }),
        )
        .await;
    let id = stored["data"]["storeSecret"]["secret"]["id"]
        .as_str()
        .expect("stored")
        .to_owned();
    responses.push(stored);
    responses.push(
        app.graphql(
            "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id email roles } errors { code } } }",
            json!({ "i": { "email": "m@shop.ru", "password": user_password, "roles": ["MANAGER"] } }),
        )
        .await,
    );
    responses.push(app.login_response("m@shop.ru", user_password).await);
    responses.push(
        app.graphql(
            "{ secrets { totalCount nodes { id name keyId createdAt createdBy } } }",
            json!({}),
        )
        .await,
    );
    responses.push(
        app.graphql("{ me { actor permissions user { email } } }", json!({}))
            .await,
    );
    responses.push(app.graphql("{ users { nodes { id email roles } } }", json!({})).await);
    let users = responses.last().unwrap()["data"]["users"]["nodes"].clone();
    for user in users.as_array().unwrap() {
        responses.push(
            app.graphql(
                "query($id: ID!) { history(aggregateType: \"User\", aggregateId: $id, first: 20) { nodes { payload actor } } }",
                json!({ "id": user["id"] }),
            )
            .await,
        );
    }
    assert_eq!(responses[3]["data"]["secrets"]["totalCount"], 1, "{}", responses[3]);

    // A marketplace account: its token is checked, stored, and used by the worker.
    let product = app
        .graphql(
            "mutation { createProduct(input: { sku: \"LEAK-1\", title: \"Чайник\", category: \"Чайники\", priceKopecks: 100000, stock: 2 }) { product { id } } }",
            json!({}),
        )
        .await;
    let product = product["data"]["createProduct"]["product"]["id"].clone();
    app.graphql(
        "mutation { setCategoryMapping(input: { marketplace: WILDBERRIES, category: \"Чайники\", subjectId: 7771 }) { errors { message } } }",
        json!({}),
    )
    .await;
    let connected = app
        .graphql(
            "mutation($t: String!) { connectMarketplaceAccount(input: { name: \"WB\", marketplace: WILDBERRIES, token: $t, warehouseIds: [507] }) { account { id status } errors { message } } }",
            json!({ "t": wb_token }),
        )
        .await;
    let account = connected["data"]["connectMarketplaceAccount"]["account"]["id"].clone();
    responses.push(connected);
    responses.push(
        app.graphql(
            "mutation($a: ID!, $p: [ID!]!) { publishProducts(accountId: $a, productIds: [$p]) { listings { id state } } }",
            json!({ "a": account, "p": product }),
        )
        .await,
    );
    // Every read while waiting is checked too.
    let reads = std::cell::RefCell::new(Vec::<serde_json::Value>::new());
    eventually(std::time::Duration::from_secs(30), "the listing was never pushed", || async {
        let read = app
            .graphql(
                "query($a: ID!) { listings(accountId: $a) { nodes { state stock { state } history { payload actor } } } }",
                json!({ "a": account }),
            )
            .await;
        let stock = read["data"]["listings"]["nodes"][0]["stock"]["state"].clone();
        reads.borrow_mut().push(read);
        if stock == "APPLIED" { Ok(()) } else { Err(stock) }
    })
    .await;
    responses.extend(reads.into_inner());
    responses.push(
        app.graphql("{ marketplaceAccounts { id name status } }", json!({}))
            .await,
    );
    assert!(
        fake.log().iter().any(|l| l.path == "/api/v3/stocks/507"),
        "the worker used the token"
    );

    // Every table of the database, rendered as text (bytea as hex).
    let tables: Vec<String> = sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert!(tables.contains(&"events".to_owned()) && tables.contains(&"secrets".to_owned()));
    let mut database = String::new();
    for table in &tables {
        let dump: Option<String> = sqlx::query_scalar(&format!("SELECT string_agg(t::text, E'\\n') FROM {table} t"))
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        database.push_str(&dump.unwrap_or_default());
    }
    assert!(database.contains(&id), "the secret's id is stored");
    let log = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("secret stored"), "the log was captured");
    let responses = serde_json::to_string(&responses).unwrap();
    for needle in [secret.as_str(), wb_token.as_str(), user_password, ADMIN_PASSWORD] {
        for (place, text) in [("database", &database), ("log", &log), ("responses", &responses)] {
            assert!(!text.contains(needle), "{needle:?} leaked into the {place}");
            assert!(
                !text.contains(&hex(needle)),
                "{needle:?} (as hex) leaked into the {place}"
            );
        }
    }
}
