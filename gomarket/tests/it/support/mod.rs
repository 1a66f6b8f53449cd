//! `TestApp`: the real application on port 0 against its own database, driven over HTTP with
//! one method per operation.

pub mod feeds;
pub mod marketplace;
pub mod ozon;
pub mod ozon_fake;
pub mod replica;
pub mod roles;
pub mod sales_fake;
pub mod sales_history;
pub mod sync;
pub mod wb_fake;
pub mod ws;

use gomarket::app::Application;
use gomarket::cli::ServeArgs;
use gomarket_infra::shutdown::{self, ShutdownTrigger};
use gomarket_testkit::TestDatabase;
use serde_json::{Value, json};
use std::net::SocketAddr;
use tokio::task::JoinHandle;

pub struct TestApp {
    pub address: SocketAddr,
    pub db: TestDatabase,
    /// The Kafka settings when events flow through Kafka.
    pub kafka: Option<gomarket_infra::kafka::KafkaConfig>,
    pub client: reqwest::Client,
    /// The first-run admin's access token, sent with every request of [`TestApp::graphql`].
    pub admin_token: String,
    trigger: ShutdownTrigger,
    server: JoinHandle<anyhow::Result<()>>,
}

/// The first-run admin's password in tests.
pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";

pub fn serve_args() -> ServeArgs {
    let mut args = ServeArgs::default();
    args.api.listen = Some("127.0.0.1:0".parse().unwrap());
    args.api.security.admin_password = Some(ADMIN_PASSWORD.to_owned());
    // Tests drive thousands of requests from one address and one principal.
    args.api.edge.rate_limit_per_second = 1e6;
    args.api.edge.rate_limit_burst = 1e6;
    args.api.edge.rate_limit_ip_per_second = 1e6;
    args.api.edge.rate_limit_ip_burst = 1e6;
    // Only the sales ingest's own tests read statistics reports (from their fake).
    args.run_ingest = false;
    // Tests serve feeds from temporary folders and from servers on this host.
    args.api.import.feed_dir = Some("/".into());
    args.api.import.feed_allow_private = true;
    args
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_on(TestDatabase::new(gomarket::MIGRATIONS).await, serve_args()).await
    }

    /// The application with events flowing through Kafka (relay + consumer groups), on topics
    /// of its own.
    pub async fn spawn_with_kafka(partitions: i32) -> Self {
        let mut args = serve_args();
        args.api.kafka = Some(gomarket_testkit::kafka_config(partitions));
        Self::spawn_on(TestDatabase::new(gomarket::MIGRATIONS).await, args).await
    }

    /// Starts the application on an existing database with the given settings.
    pub async fn spawn_on(db: TestDatabase, args: ServeArgs) -> Self {
        // GOMARKET_TEST_LOG=debug shows the application's logs while a test runs.
        if let Ok(filter) = std::env::var("GOMARKET_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_test_writer()
                .try_init();
        }
        let kafka = args.api.kafka.clone();
        let app = Application::build(&db.url, 10, &args)
            .await
            .expect("application builds");
        let address = app.local_addr();
        let (trigger, shutdown) = shutdown::channel();
        let server = tokio::spawn(app.run(shutdown));
        let mut app = Self {
            address,
            db,
            kafka,
            client: reqwest::Client::new(),
            admin_token: String::new(),
            trigger,
            server,
        };
        if let Some(password) = args.api.security.admin_password.as_deref() {
            app.admin_token = app.login("admin", password).await;
        }
        app
    }

    /// Drives a GoMarket that runs elsewhere (child processes) at `address`, logged in as the
    /// admin created with [`ADMIN_PASSWORD`]; [`TestApp::stop`] leaves it running.
    pub async fn attach(
        address: SocketAddr,
        db: TestDatabase,
        kafka: Option<gomarket_infra::kafka::KafkaConfig>,
    ) -> Self {
        let (trigger, _) = shutdown::channel();
        let mut app = Self {
            address,
            db,
            kafka,
            client: reqwest::Client::new(),
            admin_token: String::new(),
            trigger,
            server: tokio::spawn(async { Ok(()) }),
        };
        app.admin_token = app.login("admin", ADMIN_PASSWORD).await;
        app
    }

    /// Logs in and returns the access token, asserting success.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let response = self.login_response(email, password).await;
        response["data"]["login"]["accessToken"]
            .as_str()
            .unwrap_or_else(|| panic!("login of {email} failed: {response}"))
            .to_owned()
    }

    /// The whole `login` response.
    pub async fn login_response(&self, email: &str, password: &str) -> Value {
        self.graphql_as(
            None,
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
                accessToken refreshToken expiresAt errors { field code message } } }",
            json!({ "e": email, "p": password }),
        )
        .await
    }

    /// Creates a user with the given roles (as admin) and returns (id, access token).
    pub async fn user_with_roles(&self, email: &str, roles: &[&str]) -> (String, String) {
        let password = format!("{email}-password");
        let response = self
            .graphql(
                "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } errors { field code message } } }",
                json!({ "i": { "email": email, "password": password, "roles": roles } }),
            )
            .await;
        let id = response["data"]["createUser"]["user"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("createUser {email}: {response}"))
            .to_owned();
        let token = self.login(email, &password).await;
        (id, token)
    }

    /// Stops the server (gracefully) and hands back its database.
    pub async fn stop(self) -> TestDatabase {
        self.trigger.trigger();
        self.server.await.expect("server task").expect("server ran cleanly");
        self.db
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Posts a GraphQL operation as the admin and returns the whole response body.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.graphql_with_request_id(None, query, variables).await
    }

    /// Posts a GraphQL operation with the given bearer token (anonymously with `None`).
    pub async fn graphql_as(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        self.post_graphql(token, None, query, variables).await
    }

    /// As the admin, sending `X-Request-Id` when given.
    pub async fn graphql_with_request_id(&self, request_id: Option<&str>, query: &str, variables: Value) -> Value {
        let token = (!self.admin_token.is_empty()).then_some(self.admin_token.as_str());
        self.post_graphql(token, request_id, query, variables).await
    }

    async fn post_graphql(
        &self,
        token: Option<&str>,
        request_id: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Value {
        let mut request = self.client.post(self.url("/graphql"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(id) = request_id {
            request = request.header("x-request-id", id);
        }
        request
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request sent")
            .json()
            .await
            .expect("JSON response")
    }

    pub async fn create_product(&self, input: Value) -> Value {
        self.graphql(
            "mutation($input: CreateProductInput!) { createProduct(input: $input) {
                product { id sku title priceKopecks stock version brand barcodes category }
                errors { field code message } consistencyToken } }",
            json!({ "input": input }),
        )
        .await
    }

    pub async fn change_price(&self, id: &str, price_kopecks: i64, expected_version: Option<i64>) -> Value {
        self.graphql(
            "mutation($id: ID!, $price: Int!, $v: Int) { changeProductPrice(id: $id, priceKopecks: $price, expectedVersion: $v) {
                product { id priceKopecks version } errors { field code message } consistencyToken } }",
            json!({ "id": id, "price": price_kopecks, "v": expected_version }),
        )
        .await
    }

    pub async fn change_stock(&self, id: &str, stock: i64, expected_version: Option<i64>) -> Value {
        self.graphql(
            "mutation($id: ID!, $stock: Int!, $v: Int) { changeProductStock(id: $id, stock: $stock, expectedVersion: $v) {
                product { id stock version } errors { field code message } consistencyToken } }",
            json!({ "id": id, "stock": stock, "v": expected_version }),
        )
        .await
    }

    pub async fn archive(&self, id: &str) -> Value {
        self.graphql(
            "mutation($id: ID!) { archiveProduct(id: $id) { product { id status version } errors { field code message } consistencyToken } }",
            json!({ "id": id }),
        )
        .await
    }

    pub async fn product(&self, id: &str, consistent_with: Option<&str>) -> Value {
        self.graphql(
            "query($id: ID!, $token: String) { product(id: $id, consistentWith: $token) {
                id sku title brand description category barcodes priceKopecks stock status version createdAt updatedAt } }",
            json!({ "id": id, "token": consistent_with }),
        )
        .await
    }

    pub async fn products(&self, args: Value) -> Value {
        self.graphql(
            "query($first: Int, $after: String, $filter: ProductFilterInput, $sort: ProductSort, $token: String) {
                products(first: $first, after: $after, filter: $filter, sort: $sort, consistentWith: $token) {
                    totalCount
                    edges { cursor node { id sku title brand priceKopecks stock } }
                    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }",
            args,
        )
        .await
    }

    /// Number of product events stored for one product (or all, with `None`).
    pub async fn event_count(&self, aggregate_id: Option<&str>) -> i64 {
        sqlx::query_scalar(
            "SELECT count(*) FROM events WHERE aggregate_type = 'Product' AND ($1::text IS NULL OR aggregate_id = $1)",
        )
        .bind(aggregate_id)
        .fetch_one(&self.db.pool)
        .await
        .unwrap()
    }
}

/// A valid product input with the given SKU.
pub fn product_input(sku: &str) -> Value {
    json!({
        "sku": sku,
        "title": format!("Чайник электрический {sku}"),
        "brand": "Vitek",
        "description": "Стеклянная колба, 1,7 л, 2200 Вт",
        "category": "Бытовая техника/Чайники",
        "barcodes": [],
        "priceKopecks": 249_900,
        "stock": 5
    })
}

/// The payload of a mutation response, asserting it has no refusal.
pub fn accepted<'a>(response: &'a Value, mutation: &str) -> &'a Value {
    let payload = &response["data"][mutation];
    assert_eq!(payload["errors"], json!([]), "refused: {response}");
    payload
}

/// The first refusal of a mutation response: (code, field), checked to agree between the
/// payload's `errors` and the top-level `errors` extensions.
pub fn refusal(response: &Value, mutation: &str) -> (String, String) {
    let payload_error = &response["data"][mutation]["errors"][0];
    let top_level = &response["errors"][0]["extensions"];
    assert_eq!(payload_error["code"], top_level["code"], "{response}");
    assert_eq!(payload_error["field"], top_level["field"], "{response}");
    (
        payload_error["code"].as_str().unwrap_or_default().to_owned(),
        payload_error["field"].as_str().unwrap_or_default().to_owned(),
    )
}

/// The `extensions.code` of each GraphQL error in `errors` (none when it is not a list).
pub fn codes_of(errors: &Value) -> Vec<String> {
    errors
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["extensions"]["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
