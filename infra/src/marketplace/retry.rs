//! How marketplace clients retry: 5xx answers and timeouts with full-jitter exponential
//! backoff and bounded attempts; 429s waited out (as long as the marketplace asks, or the
//! same backoff when it does not say), a bounded number of times.

use rand::Rng as _;
use std::time::Duration;

/// Retries of 5xx answers and timeouts.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, for 5xx and timeouts.
    pub attempts: u32,
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    /// Retries of 429 answers (each waits what the marketplace asked).
    pub max_rate_limited: u32,
    pub request_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 5,
            first_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_rate_limited: 20,
            request_timeout: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Full-jitter exponential backoff: uniform in [0, min(max, first × 2^(n-1))], at least
    /// a tenth of that so retries never hammer.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .first_backoff
            .saturating_mul(1 << attempt.saturating_sub(1).min(16))
            .min(self.max_backoff);
        let floor = ceiling / 10;
        let jitter = rand::thread_rng().gen_range(0..=ceiling.as_millis() as u64);
        floor.max(Duration::from_millis(jitter))
    }
}
