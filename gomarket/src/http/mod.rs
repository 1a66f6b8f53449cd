//! The HTTP edge: routes, request ids, limits.
//!
//! - `POST /graphql`, `GET /graphql` (GraphiQL for browsers, GET queries otherwise),
//!   `GET /graphql/ws` (subscriptions, graphql-ws protocols);
//! - `GET /healthz` (process alive), `GET /readyz` (database reachable, projections caught up);
//! - `GET /metrics` (Prometheus).

mod graphql;
mod health;
mod request_id;

pub use request_id::RequestId;

use crate::schema::GoMarketSchema;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use gomarket_infra::kafka::RelayHealth;
use gomarket_infra::telemetry::Metrics;
use sqlx::PgPool;
use std::time::Duration;

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
    pub relay_health: RelayHealth,
}

pub fn router(state: AppState, max_body_bytes: usize) -> Router {
    let subscriptions = async_graphql_axum::GraphQLSubscription::new(state.schema.clone());
    Router::new()
        .route("/graphql", get(graphql::get_graphql).post(graphql::post_graphql))
        .route_service("/graphql/ws", subscriptions)
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(axum::middleware::from_fn(request_id::request_id))
        .with_state(state)
}
