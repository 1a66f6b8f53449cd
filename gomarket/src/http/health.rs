//! Liveness, readiness and metrics.

use super::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use gomarket_infra::event_store::EventFeed;
use gomarket_projections::catalog::ProductsProjection;
use gomarket_projections::{Projection, measure_lag};
use serde_json::json;
use std::time::Duration;

/// Names of the projections whose lag readiness and metrics report.
fn projection_names() -> [&'static str; 1] {
    [ProductsProjection.name()]
}

/// The process is up and serving HTTP.
pub async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// Ready when the database answers and every projection's oldest unapplied event is younger
/// than the configured bound (so reads are reasonably fresh).
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let database = tokio::time::timeout(Duration::from_secs(2), sqlx::query("SELECT 1").execute(&state.pool)).await;
    if !matches!(database, Ok(Ok(_))) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "database": "unreachable" })),
        );
    }
    let feed = EventFeed::new(state.pool.clone());
    let mut ready = true;
    let mut projections = serde_json::Map::new();
    for name in projection_names() {
        match measure_lag(&feed, name).await {
            Ok(lag) => {
                let caught_up = lag.seconds <= state.ready_max_lag.as_secs_f64();
                ready &= caught_up;
                projections.insert(
                    name.to_owned(),
                    json!({ "lagEvents": lag.events, "lagSeconds": lag.seconds, "caughtUp": caught_up }),
                );
            }
            Err(error) => {
                ready = false;
                tracing::warn!(projection = name, %error, "readiness: cannot measure lag");
                projections.insert(name.to_owned(), json!({ "error": "cannot measure lag" }));
            }
        }
    }
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body =
        json!({ "status": if ready { "ready" } else { "lagging" }, "database": "ok", "projections": projections });
    (status, Json(body))
}

/// Prometheus text format; projection lag is measured at scrape time.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let feed = EventFeed::new(state.pool.clone());
    for name in projection_names() {
        if let Ok(lag) = measure_lag(&feed, name).await {
            state.metrics.set_projection_lag(name, lag.events, lag.seconds);
        }
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(),
    )
}
