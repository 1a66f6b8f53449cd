//! `/healthz`, `/readyz` and `/metrics` of a background role (relay, projector, scheduler,
//! worker), for its orchestrator's probes and scrapes (GOMARKET_OPS_LISTEN).
//!
//! The server outlives the role's shutdown signal: while the role drains (finishes its batch,
//! commits its offsets) it stays alive but no longer ready, and it stops after the role.

use anyhow::Context as _;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use gomarket_infra::database;
use gomarket_infra::kafka::RelayHealth;
use gomarket_infra::shutdown::Shutdown;
use gomarket_infra::telemetry::Metrics;
use serde_json::json;
use sqlx::PgPool;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

#[derive(Clone)]
struct OpsState {
    pool: PgPool,
    metrics: Metrics,
    relay: Option<RelayHealth>,
    shutdown: Shutdown,
}

/// The running endpoints of one role; [`OpsServer::stop`] once the role has drained.
pub struct OpsServer {
    address: SocketAddr,
    task: JoinHandle<()>,
}

impl OpsServer {
    /// Serves on `listen` (when set) until stopped. `relay`: the relay's health, for the relay
    /// role, whose readiness also means publishing works.
    pub async fn start(
        listen: Option<SocketAddr>,
        pool: &PgPool,
        metrics: &Metrics,
        relay: Option<RelayHealth>,
        shutdown: &Shutdown,
    ) -> anyhow::Result<Option<Self>> {
        let Some(listen) = listen else { return Ok(None) };
        let state = OpsState {
            pool: pool.clone(),
            metrics: metrics.clone(),
            relay,
            shutdown: shutdown.clone(),
        };
        let router = Router::new()
            .route("/healthz", get(healthz))
            .route("/readyz", get(readyz))
            .route("/metrics", get(metrics_text))
            .with_state(state);
        let listener = TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen} (GOMARKET_OPS_LISTEN)"))?;
        let address = listener.local_addr().context("reading the ops listener's address")?;
        tracing::info!(%address, "health and metrics on http://{address}/healthz");
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, router).await {
                tracing::error!(%error, "ops endpoints failed");
            }
        });
        Ok(Some(Self { address, task }))
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    pub fn stop(self) {
        self.task.abort();
    }
}

async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// Ready while not draining, the database answers and (for the relay) publishing works.
async fn readyz(State(state): State<OpsState>) -> impl IntoResponse {
    if state.shutdown.is_triggered() {
        return (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "draining" })));
    }
    if !database::answers(&state.pool, Duration::from_secs(2)).await {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "not ready", "database": "unreachable" })),
        );
    }
    if state.relay.as_ref().is_some_and(RelayHealth::is_degraded) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "not ready", "database": "ok", "relay": "degraded" })),
        );
    }
    (StatusCode::OK, Json(json!({ "status": "ready", "database": "ok" })))
}

async fn metrics_text(State(state): State<OpsState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(),
    )
}

/// The URL `gomarket healthcheck` asks by default: `/healthz` on GOMARKET_OPS_LISTEN, else
/// GOMARKET_LISTEN, else 127.0.0.1:8080; a wildcard address is asked on loopback.
pub fn default_health_url(ops_listen: Option<&str>, listen: Option<&str>) -> anyhow::Result<String> {
    let raw = ops_listen
        .or(listen)
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .unwrap_or("127.0.0.1:8080");
    let mut address: SocketAddr = raw
        .parse()
        .with_context(|| format!("{raw:?} is not an address such as 0.0.0.0:8080"))?;
    if address.ip().is_unspecified() {
        address.set_ip(if address.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    Ok(format!("http://{address}/healthz"))
}

/// `gomarket healthcheck`: succeeds when `url` answers 2xx within 3 seconds.
pub async fn healthcheck(url: &str) -> anyhow::Result<()> {
    let answer = reqwest::Client::new()
        .get(url)
        .timeout(Duration::from_secs(3))
        .send()
        .await
        .with_context(|| format!("{url} did not answer"))?;
    anyhow::ensure!(answer.status().is_success(), "{url} answered {}", answer.status());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::default_health_url;

    #[test]
    fn the_health_url_follows_the_roles_listen_address() {
        let url = |ops, listen| default_health_url(ops, listen).unwrap();
        assert_eq!(url(None, None), "http://127.0.0.1:8080/healthz");
        assert_eq!(
            url(Some("0.0.0.0:9090"), Some("0.0.0.0:8080")),
            "http://127.0.0.1:9090/healthz"
        );
        assert_eq!(url(None, Some("[::]:8081")), "http://[::1]:8081/healthz");
        assert_eq!(url(None, Some("10.0.0.5:8080")), "http://10.0.0.5:8080/healthz");
        assert!(default_health_url(Some("nonsense"), None).is_err());
    }
}
