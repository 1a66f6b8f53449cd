//! More replicas of the API on one database: what a load balancer spreads clients over.

use super::TestApp;
use gomarket::app::Application;
use gomarket::cli::ServeArgs;
use gomarket_infra::shutdown::{self, ShutdownTrigger};
use serde_json::{Value, json};
use std::net::SocketAddr;
use tokio::task::JoinHandle;

/// One more API process on a [`TestApp`]'s database, running no background role (the first
/// one projects).
pub struct Replica {
    pub address: SocketAddr,
    trigger: ShutdownTrigger,
    server: JoinHandle<anyhow::Result<()>>,
}

impl TestApp {
    pub async fn replica(&self, mut args: ServeArgs) -> Replica {
        args.run_projectors = false;
        args.run_worker = false;
        args.run_scheduler = false;
        args.run_ingest = false;
        let app = Application::build(&self.db.url, 10, &args)
            .await
            .expect("replica builds");
        let address = app.local_addr();
        let (trigger, shutdown) = shutdown::channel();
        let server = tokio::spawn(app.run(shutdown));
        Replica {
            address,
            trigger,
            server,
        }
    }
}

impl Replica {
    pub async fn stop(self) {
        self.trigger.trigger();
        self.server.await.expect("replica task").expect("replica ran cleanly");
    }
}

/// Posts a GraphQL body to `address` with a bearer token (or none): (HTTP status, body).
pub async fn post(client: &reqwest::Client, address: SocketAddr, token: Option<&str>, body: Value) -> (u16, Value) {
    let mut request = client.post(format!("http://{address}/graphql")).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Posts `query` with `variables`.
pub async fn query(
    client: &reqwest::Client,
    address: SocketAddr,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    post(
        client,
        address,
        token,
        json!({ "query": query, "variables": variables }),
    )
    .await
    .1
}

/// A series' value in `/metrics` at `address` (`series` is the line up to the value, e.g.
/// `gomarket_redis_up `); 0 when the series is absent.
pub async fn metric(client: &reqwest::Client, address: SocketAddr, series: &str) -> f64 {
    let text = client
        .get(format!("http://{address}/metrics"))
        .send()
        .await
        .expect("metrics answered")
        .text()
        .await
        .expect("metrics text");
    text.lines()
        .find_map(|line| line.strip_prefix(series))
        .map_or(0.0, |v| v.trim().parse().expect("a number"))
}
