//! `gomarket gateway`: the clients' one `/graphql` when the API's sides are deployed apart.
//! Mutations go to the command side, queries and subscriptions to the query side; the answer
//! comes back unchanged, so a client cannot tell the gateway from `gomarket serve`.
//!
//! The gateway keeps no state and needs no database: authentication, rate limits and
//! request timeouts stay with the sides, which see the client's address in
//! `X-Forwarded-For` and the request id the gateway assigned in `X-Request-Id`. `/metrics`
//! counts what it forwarded, by side and status.

mod forward;
pub mod operation;
mod websocket;

use crate::cli::GatewayArgs;
use crate::http::{RequestId, assign_request_id, auth::client_address};
use anyhow::Context as _;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use forward::{Outgoing, Upstreams, forward, graphql_error};
use gomarket_infra::shutdown::Shutdown;
use gomarket_infra::telemetry::Metrics;
use operation::{Side, side_of_body};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

#[derive(Clone)]
struct GatewayState {
    upstreams: Arc<Upstreams>,
    trust_forwarded_for: bool,
    metrics: Metrics,
}

impl GatewayState {
    fn client_address(&self, peer: SocketAddr, headers: &HeaderMap) -> Option<String> {
        client_address(Some(peer), headers, self.trust_forwarded_for)
    }
}

/// The gateway, bound and ready to run.
pub struct Gateway {
    listener: TcpListener,
    router: Router,
}

impl Gateway {
    /// Binds the listener (port 0 picks a free one); the sides need not be up yet.
    pub async fn bind(args: &GatewayArgs) -> anyhow::Result<Self> {
        // A fresh connection per request: each one is balanced anew across the sides' pods (a
        // pooled connection stays pinned to one), and none is still open to a pod that was
        // taken out of its Service and is about to drain, where a request could cross its
        // close. Inside the cluster, connecting costs well under a millisecond.
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .timeout(Duration::from_millis(args.upstream_timeout_ms))
            .connect_timeout(Duration::from_secs(5))
            .build()
            .context("creating the gateway's HTTP client")?;
        let state = GatewayState {
            upstreams: Arc::new(Upstreams {
                client,
                command: args.command_api_url.clone(),
                query: args.query_api_url.clone(),
            }),
            trust_forwarded_for: args.trust_forwarded_for,
            metrics: Metrics::new(),
        };
        let router = Router::new()
            .merge(crate::http::console::routes())
            .route("/graphql", get(to_query_side).post(post_graphql).options(to_query_side))
            .route("/graphql/ws", get(subscriptions))
            .route("/healthz", get(healthz))
            .route("/readyz", get(readyz))
            .route("/metrics", get(metrics))
            .layer(DefaultBodyLimit::max(args.max_body_bytes))
            .layer(axum::middleware::from_fn(assign_request_id))
            .with_state(state);
        let listener = TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        Ok(Self { listener, router })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// Serves until `shutdown`, then finishes the requests in flight.
    pub async fn run(self, mut shutdown: Shutdown) -> anyhow::Result<()> {
        tracing::info!(address = %self.local_addr(), "gateway serving GraphQL on http://{}/graphql", self.local_addr());
        axum::serve(
            self.listener,
            self.router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move { shutdown.triggered().await })
        .await
        .context("gateway HTTP server failed")
    }
}

/// The request id travels on to the side, so both logs carry the same one.
fn with_request_id(headers: &HeaderMap, id: &str) -> HeaderMap {
    let mut headers = headers.clone();
    if let Ok(value) = HeaderValue::from_str(id) {
        headers.insert("x-request-id", value);
    }
    headers
}

async fn post_graphql(
    State(state): State<GatewayState>,
    Extension(RequestId(id)): Extension<RequestId>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let code = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                "PAYLOAD_TOO_LARGE"
            } else {
                "BAD_REQUEST"
            };
            return graphql_error(rejection.status(), code, &rejection.body_text());
        }
    };
    let side = side_of_body(&body);
    let outgoing = Outgoing {
        method: Method::POST,
        path_and_query: "/graphql",
        headers: &with_request_id(&headers, &id),
        client_address: state.client_address(peer, &headers),
        body,
    };
    forward_counted(&state, side, outgoing).await
}

/// GraphiQL and GET queries (never mutations, by the GraphQL-over-HTTP rules) are reads; CORS
/// preflights are answered by the query side, which has the same allow-list.
async fn to_query_side(
    State(state): State<GatewayState>,
    Extension(RequestId(id)): Extension<RequestId>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let outgoing = Outgoing {
        method,
        path_and_query: uri.path_and_query().map_or("/graphql", |p| p.as_str()),
        headers: &with_request_id(&headers, &id),
        client_address: state.client_address(peer, &headers),
        body: Bytes::new(),
    };
    forward_counted(&state, Side::Query, outgoing).await
}

async fn subscriptions(
    State(state): State<GatewayState>,
    Extension(RequestId(id)): Extension<RequestId>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let address = state.client_address(peer, &headers);
    websocket::bridge(
        upgrade,
        state.upstreams.base(Side::Query),
        &with_request_id(&headers, &id),
        address,
    )
    .await
}

/// Forwards and counts: requests by side and status, and their time.
async fn forward_counted(state: &GatewayState, side: Side, outgoing: Outgoing<'_>) -> Response {
    let started = std::time::Instant::now();
    let response = forward(&state.upstreams, side, outgoing).await;
    state
        .metrics
        .record_gateway_request(side.as_str(), response.status().as_u16(), started.elapsed());
    response
}

async fn metrics(State(state): State<GatewayState>) -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
}

async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// Ready when both sides answer their own `/healthz`: a gateway that can reach neither would
/// only turn every request into a 502.
async fn readyz(State(state): State<GatewayState>) -> impl IntoResponse {
    let check = |side: Side| {
        let url = format!("{}/healthz", state.upstreams.base(side));
        let client = state.upstreams.client.clone();
        async move {
            let answer = client.get(url).timeout(Duration::from_secs(2)).send().await;
            matches!(answer, Ok(a) if a.status().is_success())
        }
    };
    let (command, query) = tokio::join!(check(Side::Command), check(Side::Query));
    let word = |up: bool| if up { "ok" } else { "unreachable" };
    let status = if command && query {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if status == StatusCode::OK { "ready" } else { "not ready" },
        "commandSide": word(command),
        "querySide": word(query),
    });
    (status, Json(body))
}
