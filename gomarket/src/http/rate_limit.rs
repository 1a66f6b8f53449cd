//! Rate limits per key (principal or client address).
//!
//! With Redis (`GOMARKET_REDIS_URL`) every replica takes from one bucket per key
//! ([`SharedRateLimit`]); without it, or while Redis does not answer, each process keeps its
//! own token buckets ([`RateLimiter`]), and behind a load balancer spreading requests evenly
//! the effective limit is the configured one times the replica count.

use gomarket_infra::shared_state::rate_limit::SharedRateLimit;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The limit the edge applies: shared when Redis is configured and answers, per process
/// otherwise.
#[derive(Debug)]
pub struct EdgeLimiter {
    local: RateLimiter,
    shared: Option<SharedRateLimit>,
}

impl EdgeLimiter {
    pub fn new(local: RateLimiter, shared: Option<SharedRateLimit>) -> Self {
        Self { local, shared }
    }

    /// Takes `count` operations for `key` (all or none), or says how long to wait.
    pub async fn check_many(&self, key: &str, count: usize) -> Result<(), Duration> {
        if let Some(shared) = &self.shared {
            match shared.check(key, count).await {
                Ok(decision) => return decision,
                Err(_) => shared.metrics().record_redis_fallback("rate_limit"),
            }
        }
        self.local.check_many(key, count)
    }
}

/// Most keys remembered before full (idle) buckets are dropped.
const MAX_KEYS: usize = 100_000;

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    pub fn new(per_second: f64, burst: f64) -> Self {
        Self {
            per_second: per_second.max(0.001),
            burst: burst.max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes `count` tokens at once (one per operation of a batch), or none and says how long
    /// until they are available.
    pub fn check_many(&self, key: &str, count: usize) -> Result<(), Duration> {
        self.check_at(key, Instant::now(), count)
    }

    fn check_at(&self, key: &str, now: Instant, count: usize) -> Result<(), Duration> {
        let needed = count.max(1) as f64;
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_KEYS && !buckets.contains_key(key) {
            let (rate, burst) = (self.per_second, self.burst);
            buckets.retain(|_, b| b.tokens + now.duration_since(b.updated).as_secs_f64() * rate < burst);
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
        let refill = now.duration_since(bucket.updated).as_secs_f64() * self.per_second;
        bucket.tokens = (bucket.tokens + refill).min(self.burst);
        bucket.updated = now;
        if bucket.tokens >= needed {
            bucket.tokens -= needed;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((needed - bucket.tokens) / self.per_second))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_sustained_rate() {
        let limiter = RateLimiter::new(2.0, 3.0);
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at("a", start, 1).is_ok());
        }
        let wait = limiter.check_at("a", start, 1).unwrap_err();
        assert!((wait.as_secs_f64() - 0.5).abs() < 1e-6, "{wait:?}");
        assert!(limiter.check_at("b", start, 1).is_ok(), "keys are independent");
        assert!(limiter.check_at("a", start + Duration::from_millis(500), 1).is_ok());
        assert!(limiter.check_at("a", start + Duration::from_millis(500), 1).is_err());
    }

    #[test]
    fn a_batch_takes_one_token_per_operation_or_none() {
        let limiter = RateLimiter::new(2.0, 3.0);
        let start = Instant::now();
        let wait = limiter.check_at("a", start, 4).unwrap_err();
        assert!((wait.as_secs_f64() - 0.5).abs() < 1e-6, "{wait:?}");
        assert!(limiter.check_at("a", start, 3).is_ok(), "a refused batch took nothing");
        assert!(limiter.check_at("a", start, 1).is_err());
    }
}
