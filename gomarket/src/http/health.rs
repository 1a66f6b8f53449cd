//! Liveness, readiness and metrics.

use super::AppState;
use crate::cli::ApiSide;
use crate::roles::PROJECTIONS;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use gomarket_infra::database;
use gomarket_infra::event_store::EventFeed;
use gomarket_infra::kafka::RELAY_CHECKPOINT;
use gomarket_projections::measure_lag;
use serde_json::json;
use std::time::Duration;

/// What readiness and metrics measure lag of: the projections' feed checkpoints when they are
/// fed in-process, the relay's when events go through Kafka.
fn lag_readers(state: &AppState) -> Vec<&'static str> {
    if state.side == ApiSide::Commands {
        // Commands are checked against the event store, not read models: a lagging
        // projection must not take the command side out of service.
        Vec::new()
    } else if state.kafka {
        vec![RELAY_CHECKPOINT]
    } else {
        PROJECTIONS.to_vec()
    }
}

/// The process is up and serving HTTP.
pub async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// Redis' part of `/readyz`: it is asked (which also moves the edge back to shared mode
/// when it answers again). Redis down does not make the process unready: the edge serves on
/// its fallbacks, and says so here.
async fn redis_detail(state: &AppState) -> serde_json::Value {
    let Some(store) = &state.shared else {
        return json!({ "status": "not configured", "mode": "per-process" });
    };
    if store.ping().await {
        json!({ "status": "ok", "mode": "shared" })
    } else {
        json!({
            "status": "unreachable",
            "mode": "fallback: per-process rate limits, PostgreSQL revocation checks, no read cache, no shared automatic persisted queries",
            "error": store.status().last_error,
        })
    }
}

/// Ready when the database answers, the relay (with Kafka) is not degraded, and the oldest
/// event not yet applied (in-process) or not yet published (Kafka) is younger than the bound.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if !database::answers(&state.pool, Duration::from_secs(2)).await {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "database": "unreachable" })),
        );
    }
    let feed = EventFeed::new(state.pool.clone());
    let mut ready = !(state.kafka && state.relay_health.is_degraded());
    let mut projections = serde_json::Map::new();
    for name in lag_readers(&state) {
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
    let relay = if !state.kafka {
        "in-process"
    } else if state.relay_health.is_degraded() {
        "degraded"
    } else {
        "ok"
    };
    let body = json!({
        "status": if ready { "ready" } else { "not ready" },
        "database": "ok",
        "relay": relay,
        "redis": redis_detail(&state).await,
        "projections": projections,
    });
    (status, Json(body))
}

/// Prometheus text format; projection lag is measured at scrape time.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    if let Some(store) = &state.shared {
        // Sets `gomarket_redis_up` as of now, not as of the last command.
        store.ping().await;
    }
    let feed = EventFeed::new(state.pool.clone());
    for name in lag_readers(&state) {
        if let Ok(lag) = measure_lag(&feed, name).await {
            if name == RELAY_CHECKPOINT {
                state.metrics.set_relay_lag(lag.events, lag.seconds);
            } else {
                state.metrics.set_projection_lag(name, lag.events, lag.seconds);
            }
        }
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(),
    )
}
