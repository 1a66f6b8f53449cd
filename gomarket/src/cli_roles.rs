//! Options of the roles that run apart in a deployment: the gateway and the background roles'
//! health endpoints.

use clap::Args;
use std::net::SocketAddr;

/// Where a background role (relay, projector, scheduler, worker) serves `/healthz`, `/readyz`
/// and `/metrics` for its orchestrator.
#[derive(Debug, Clone, Default, Args)]
pub struct OpsArgs {
    /// Address of the role's health and metrics endpoints (e.g. `0.0.0.0:9090`). Unset: none.
    #[arg(long, env = "GOMARKET_OPS_LISTEN", value_name = "ADDRESS")]
    pub ops_listen: Option<SocketAddr>,
}

/// How a stopping process treats the imports it runs (`serve`, `command-api`, `scheduler`).
#[derive(Debug, Clone, Args)]
pub struct DrainArgs {
    /// On SIGTERM, the longest this process waits for the imports it runs to finish, in
    /// seconds; one still running then is interrupted (and marked failed within 30 s by
    /// another process). Keep it under the orchestrator's grace period.
    #[arg(long, env = "GOMARKET_IMPORT_DRAIN_SECONDS", default_value_t = 45)]
    pub import_drain_seconds: u64,
}

impl Default for DrainArgs {
    fn default() -> Self {
        Self {
            import_drain_seconds: 45,
        }
    }
}

impl DrainArgs {
    pub fn import_drain(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.import_drain_seconds)
    }
}

/// `gomarket gateway`: the clients' one `/graphql` in front of separately deployed API sides.
#[derive(Debug, Clone, Args)]
pub struct GatewayArgs {
    /// Address the gateway listens on (`/graphql`, `/graphql/ws`, `/healthz`, `/readyz`).
    #[arg(long, env = "GOMARKET_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Base URL of the command side (`gomarket command-api`), e.g. `http://command-api:8080`.
    /// The default is where `command-api` listens by default.
    #[arg(long, env = "GOMARKET_COMMAND_API_URL", value_name = "URL", value_parser = parse_base_url,
          default_value = "http://127.0.0.1:8081")]
    pub command_api_url: String,

    /// Base URL of the query side (`gomarket query-api`), e.g. `http://query-api:8080`.
    /// The default is where `query-api` listens by default.
    #[arg(long, env = "GOMARKET_QUERY_API_URL", value_name = "URL", value_parser = parse_base_url,
          default_value = "http://127.0.0.1:8082")]
    pub query_api_url: String,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "GOMARKET_MAX_BODY_BYTES", default_value_t = 4 * 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it);
    /// otherwise the gateway's peer is what the sides see as the client.
    #[arg(long, env = "GOMARKET_TRUST_FORWARDED_FOR", default_value_t = false, action = clap::ArgAction::Set)]
    pub trust_forwarded_for: bool,

    /// Longest time one forwarded request may take, in milliseconds (the sides enforce their
    /// own GOMARKET_REQUEST_TIMEOUT_MS; this bounds a side that stopped answering).
    #[arg(long, env = "GOMARKET_GATEWAY_TIMEOUT_MS", default_value_t = 60_000)]
    pub upstream_timeout_ms: u64,
}

/// An `http://` base URL, without a trailing slash. The sides run beside the gateway, inside
/// the deployment's network; TLS ends at the edge in front of the gateway.
fn parse_base_url(raw: &str) -> Result<String, String> {
    let url = raw.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{raw:?} is not an http:// URL"))?;
    if rest.is_empty() || rest.contains('/') {
        return Err(format!("{raw:?} must be a base URL such as http://query-api:8080"));
    }
    Ok(url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::parse_base_url;

    #[test]
    fn base_urls_are_checked_and_trimmed() {
        assert_eq!(parse_base_url("http://q:8080/").unwrap(), "http://q:8080");
        assert!(parse_base_url("https://q").is_err());
        assert!(parse_base_url("q:8080").is_err());
        assert!(parse_base_url("http://q:8080/graphql").is_err());
        assert!(parse_base_url("http://").is_err());
    }
}
