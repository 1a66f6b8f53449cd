//! Options of the state replicas share through Redis.

use clap::Args;
use gomarket_infra::shared_state::{RedisSettings, SharedStore};
use gomarket_infra::telemetry::Metrics;
use std::time::Duration;

/// Redis, for what the replicas of a scaled-out deployment must share.
#[derive(Debug, Clone, Args)]
pub struct RedisArgs {
    /// Redis for state the replicas share: rate limits, revoked sessions, persisted queries,
    /// the hot-read cache (`redis://host:6379/0`, `rediss://` for TLS, credentials in the URL).
    /// Unset: each process keeps its own (the right choice for one `serve`).
    #[arg(long, env = "GOMARKET_REDIS_URL", value_name = "URL", hide_env_values = true)]
    pub redis_url: Option<String>,

    /// Prefix of every key GoMarket writes, so several environments can share one Redis.
    #[arg(long, env = "GOMARKET_REDIS_KEY_PREFIX", default_value = "gomarket:")]
    pub redis_key_prefix: String,

    /// Longest wait for one Redis command, in milliseconds; past it the edge falls back.
    #[arg(long, env = "GOMARKET_REDIS_TIMEOUT_MS", default_value_t = 250,
          value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub redis_timeout_ms: u64,

    /// Cache `products` and `product` in Redis, invalidated by the projectors' progress (only
    /// with GOMARKET_REDIS_URL; see BENCHMARKS.md for what it saves).
    #[arg(long, env = "GOMARKET_READ_CACHE", default_value_t = true, action = clap::ArgAction::Set)]
    pub read_cache: bool,
}

impl Default for RedisArgs {
    fn default() -> Self {
        Self {
            redis_url: None,
            redis_key_prefix: "gomarket:".to_owned(),
            redis_timeout_ms: 250,
            read_cache: true,
        }
    }
}

impl RedisArgs {
    /// The shared store, when Redis is configured.
    pub fn store(&self, metrics: &Metrics) -> anyhow::Result<Option<SharedStore>> {
        let Some(url) = self.redis_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(None);
        };
        let settings = RedisSettings {
            key_prefix: self.redis_key_prefix.clone(),
            command_timeout: Duration::from_millis(self.redis_timeout_ms),
            ..RedisSettings::new(url)
        };
        let store =
            SharedStore::connect(&settings, metrics.clone()).map_err(|e| anyhow::anyhow!("GOMARKET_REDIS_URL: {e}"))?;
        tracing::info!(prefix = %self.redis_key_prefix, "shared state in redis");
        Ok(Some(store))
    }
}
