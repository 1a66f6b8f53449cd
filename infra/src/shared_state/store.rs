//! The Redis connection every shared-state user goes through, with its health.
//!
//! One multiplexed connection per process (redis-rs' `ConnectionManager`, which reconnects by
//! itself). Every command is bounded by a timeout; after a failure the store answers
//! [`SharedStoreError::Unavailable`] at once, without touching the network, for
//! `retry_interval`, so an outage costs the edge one timeout per interval rather than one per
//! request; the first command after the interval probes Redis again.

use crate::telemetry::Metrics;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How to reach Redis.
#[derive(Clone)]
pub struct RedisSettings {
    /// `redis://[user:password@]host:port/db` or `rediss://…` (TLS).
    pub url: String,
    /// Prepended to every key, so environments can share one Redis.
    pub key_prefix: String,
    /// Longest wait for one command (or for connecting).
    pub command_timeout: Duration,
    /// How long Redis is left alone after a failure before it is tried again.
    pub retry_interval: Duration,
}

impl std::fmt::Debug for RedisSettings {
    // The URL may carry a password: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSettings")
            .field("key_prefix", &self.key_prefix)
            .field("command_timeout", &self.command_timeout)
            .field("retry_interval", &self.retry_interval)
            .finish_non_exhaustive()
    }
}

impl RedisSettings {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            key_prefix: "gomarket:".to_owned(),
            command_timeout: Duration::from_millis(250),
            retry_interval: Duration::from_secs(1),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SharedStoreError {
    /// A recent command failed; Redis is not tried again until the retry interval passes.
    #[error("redis is unavailable (a recent command failed; it is retried shortly)")]
    Unavailable,
    #[error("redis did not answer within {0:?}")]
    Timeout(Duration),
    #[error("redis")]
    Redis(#[source] redis::RedisError),
    #[error("the redis URL is not valid")]
    Url(#[source] redis::RedisError),
}

/// What `/readyz` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreStatus {
    pub up: bool,
    /// The last failure, while down.
    pub last_error: Option<String>,
}

struct Inner {
    manager: ConnectionManager,
    prefix: String,
    timeout: Duration,
    retry_interval: Duration,
    /// Start of the clock `retry_at_ms` counts from.
    epoch: Instant,
    /// Milliseconds after `epoch` before which Redis is not tried (0: try).
    retry_at_ms: AtomicU64,
    up: AtomicBool,
    last_error: Mutex<Option<String>>,
    metrics: Metrics,
}

/// The process's handle on Redis. Cheap to clone.
#[derive(Clone)]
pub struct SharedStore {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SharedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedStore")
            .field("prefix", &self.inner.prefix)
            .field("up", &self.is_up())
            .finish_non_exhaustive()
    }
}

impl SharedStore {
    /// A store for `settings`; connects lazily (a Redis that is down at start is not an error:
    /// the edge starts in fallback and switches to shared mode when Redis answers).
    pub fn connect(settings: &RedisSettings, metrics: Metrics) -> Result<Self, SharedStoreError> {
        let client = redis::Client::open(settings.url.as_str()).map_err(SharedStoreError::Url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(settings.command_timeout))
            .set_response_timeout(Some(settings.command_timeout))
            .set_number_of_retries(1)
            .set_max_delay(settings.retry_interval);
        let manager = ConnectionManager::new_lazy_with_config(client, config).map_err(SharedStoreError::Url)?;
        metrics.set_redis_up(true);
        Ok(Self {
            inner: Arc::new(Inner {
                manager,
                prefix: settings.key_prefix.clone(),
                timeout: settings.command_timeout,
                retry_interval: settings.retry_interval,
                epoch: Instant::now(),
                retry_at_ms: AtomicU64::new(0),
                up: AtomicBool::new(true),
                last_error: Mutex::new(None),
                metrics,
            }),
        })
    }

    /// `name` under the configured prefix.
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.inner.prefix)
    }

    pub fn is_up(&self) -> bool {
        self.inner.up.load(Ordering::Relaxed)
    }

    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    pub fn status(&self) -> StoreStatus {
        StoreStatus {
            up: self.is_up(),
            last_error: self.inner.last_error.lock().unwrap_or_else(|p| p.into_inner()).clone(),
        }
    }

    /// Runs `command` on the shared connection, bounded by the command timeout; while Redis
    /// is marked down, fails at once with [`SharedStoreError::Unavailable`].
    pub async fn run<T, F, Fut>(&self, command: F) -> Result<T, SharedStoreError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let inner = &self.inner;
        let now_ms = self.now_ms();
        if now_ms < inner.retry_at_ms.load(Ordering::Relaxed) {
            return Err(SharedStoreError::Unavailable);
        }
        let outcome = match tokio::time::timeout(inner.timeout, command(inner.manager.clone())).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) if is_reply_error(&error) => {
                // Redis answered (a script error, a wrong type): it is up; the command is wrong.
                return Err(SharedStoreError::Redis(error));
            }
            Ok(Err(error)) => Err(SharedStoreError::Redis(error)),
            Err(_) => Err(SharedStoreError::Timeout(inner.timeout)),
        };
        match outcome {
            Ok(value) => {
                self.mark_up();
                Ok(value)
            }
            Err(error) => {
                self.mark_down(&error);
                Err(error)
            }
        }
    }

    /// Asks Redis whether it answers (readiness and metrics scrapes), updating the health.
    pub async fn ping(&self) -> bool {
        self.run(|mut connection| async move { redis::cmd("PING").query_async::<String>(&mut connection).await })
            .await
            .is_ok()
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.inner.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn mark_up(&self) {
        let inner = &self.inner;
        inner.retry_at_ms.store(0, Ordering::Relaxed);
        if !inner.up.swap(true, Ordering::Relaxed) {
            tracing::info!(
                "redis answers again: shared rate limits, revocations, persisted queries and cache are back"
            );
            *inner.last_error.lock().unwrap_or_else(|p| p.into_inner()) = None;
            inner.metrics.set_redis_up(true);
        }
    }

    fn mark_down(&self, error: &SharedStoreError) {
        let inner = &self.inner;
        let retry_after = u64::try_from(inner.retry_interval.as_millis()).unwrap_or(1_000);
        inner.retry_at_ms.store(self.now_ms() + retry_after, Ordering::Relaxed);
        let text = crate::error_chain::Chain(error).to_string();
        *inner.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(text.clone());
        if inner.up.swap(false, Ordering::Relaxed) {
            tracing::warn!(error = %text, "redis unreachable: falling back to per-process rate limits, PostgreSQL revocation checks, no read cache");
            inner.metrics.set_redis_up(false);
        }
    }
}

/// An error Redis itself answered with (as opposed to a connection that failed).
fn is_reply_error(error: &redis::RedisError) -> bool {
    !(error.is_io_error() || error.is_timeout() || error.is_connection_dropped() || error.is_connection_refusal())
}
