//! The HTTP edge: routes, request ids, authentication, limits.
//!
//! - `POST /graphql`, `GET /graphql` (GraphiQL for browsers, GET queries otherwise),
//!   `GET /graphql/ws` (subscriptions, graphql-ws protocols);
//! - `GET /healthz` (process alive), `GET /readyz` (database reachable, projections caught up);
//! - `GET /metrics` (Prometheus).
//!
//! Every GraphQL request is authenticated ([`auth`]) and rate-limited per client address and
//! per principal ([`rate_limit`]); a query sent by hash is looked up ([`persisted`]); CORS
//! follows the configured allow-list.

pub(crate) mod auth;
pub mod console;
mod database_gate;
mod graphql;
mod health;
pub mod limits;
mod persisted;
mod rate_limit;
mod request_id;

pub use database_gate::DatabaseGate;
pub use rate_limit::{EdgeLimiter, RateLimiter};
pub use request_id::{RequestId, request_id as assign_request_id};

use crate::cli::ApiSide;
use crate::schema::GoMarketSchema;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::routing::get;
use gomarket_infra::identity::IdentityService;
use gomarket_infra::kafka::RelayHealth;
use gomarket_infra::shared_state::SharedStore;
use gomarket_infra::shared_state::persisted_queries::PersistedQueries;
use gomarket_infra::telemetry::Metrics;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;

/// Limits of the edge.
#[derive(Debug, Clone)]
pub struct EdgeSettings {
    pub request_timeout: Duration,
    pub trust_forwarded_for: bool,
    /// Origins allowed cross-origin; empty: none.
    pub cors_origins: Vec<String>,
    pub max_body_bytes: usize,
    /// Most operations in one batched request.
    pub max_batch_size: usize,
    /// Complexity (and selections) one HTTP request may spend over all its operations.
    pub max_complexity: usize,
    /// Run registered (allow-listed) query texts only.
    pub persisted_queries_only: bool,
}

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    pub schema: GoMarketSchema,
    pub pool: PgPool,
    pub metrics: Metrics,
    pub graphiql: bool,
    pub ready_max_lag: Duration,
    /// Events flow through Kafka (relay + consumer groups) rather than in-process.
    pub kafka: bool,
    /// The part of the API this process is (reported in the `GoMarket-Side` header).
    pub side: ApiSide,
    pub relay_health: RelayHealth,
    pub identity: Arc<IdentityService>,
    pub edge: Arc<EdgeSettings>,
    pub address_limiter: Arc<EdgeLimiter>,
    pub principal_limiter: Arc<EdgeLimiter>,
    pub database: Arc<DatabaseGate>,
    /// Redis, when configured (its health is reported by `/readyz` and `/metrics`).
    pub shared: Option<SharedStore>,
    pub persisted: Arc<PersistedQueries>,
}

fn cors(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o.trim()).ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                HeaderName::from_static(auth::API_KEY_HEADER),
                HeaderName::from_static(request_id::HEADER),
            ])
            .expose_headers([HeaderName::from_static(request_id::HEADER), header::RETRY_AFTER])
            .max_age(Duration::from_secs(600)),
    )
}

/// Response header naming the side that answered: `both` (`serve`), `command` or `query`.
pub const SIDE_HEADER: &str = "gomarket-side";

pub fn router(state: AppState) -> Router {
    let max_body_bytes = state.edge.max_body_bytes;
    let cors = cors(&state.edge.cors_origins);
    let router = Router::new()
        .merge(console::routes())
        .route("/graphql", get(graphql::get_graphql).post(graphql::post_graphql))
        .route("/graphql/ws", get(graphql::graphql_ws))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .layer(DefaultBodyLimit::max(max_body_bytes));
    let router = match cors {
        Some(cors) => router.layer(cors),
        None => router,
    };
    let side = HeaderValue::from_static(state.side.as_str());
    router
        .layer(axum::middleware::from_fn(request_id::request_id))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static(SIDE_HEADER),
            side,
        ))
        .with_state(state)
}
