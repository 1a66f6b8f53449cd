//! Marketplace request limits: a token bucket per seller account and limit, shared by
//! everything in the process that talks to the marketplace for that account (one worker holds
//! an account at a time, so the process-wide bucket is the account-wide one). Each adapter
//! names its limits ([`Limit`]); the machinery is the same for every marketplace.
//!
//! Each bucket is a GCRA (generic cell rate algorithm): one token every `interval`, up to
//! `burst` at once. A request that would break either waits. A request can be charged more
//! after the fact (a Wildberries 4xx counts as 10); a 429 blocks the limit for the time the
//! marketplace asked.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;
use uuid::Uuid;

/// One limit of a marketplace API: a token every `interval`, up to `burst` at once. Its
/// `name` keys the buckets, so it is unique across marketplaces (and shows in logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limit {
    pub name: &'static str,
    pub interval: Duration,
    pub burst: u32,
}

impl Limit {
    /// `requests` per `per`, up to `burst` at once.
    pub const fn per(requests: u32, per: Duration, burst: u32) -> Self {
        Self {
            name: "",
            interval: Duration::from_nanos((per.as_nanos() / requests as u128) as u64),
            burst,
        }
    }

    pub const fn named(self, name: &'static str) -> Self {
        Self { name, ..self }
    }
}

/// One GCRA bucket: `tat` is the theoretical arrival time of the next request.
#[derive(Debug)]
struct Bucket {
    interval: Duration,
    tolerance: Duration,
    tat: Instant,
}

impl Bucket {
    fn new(interval: Duration, burst: u32, now: Instant) -> Self {
        Self {
            interval,
            tolerance: interval * burst.saturating_sub(1),
            tat: now,
        }
    }

    /// Takes one token now, or says how long to wait for it.
    fn take(&mut self, now: Instant) -> Result<(), Duration> {
        let tat = self.tat.max(now);
        let allowed_at = tat.checked_sub(self.tolerance).unwrap_or(now);
        if allowed_at > now {
            return Err(allowed_at - now);
        }
        self.tat = tat + self.interval;
        Ok(())
    }
}

/// The buckets of every account and group, shared by the process.
#[derive(Debug, Clone)]
pub struct RateLimits {
    buckets: Arc<Mutex<HashMap<(Uuid, &'static str), Bucket>>>,
    /// Every interval divided by this: 1 in production; tests of long paces (a report a
    /// minute) run the same logic faster.
    divisor: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self::with_divisor(1)
    }
}

impl RateLimits {
    /// Limits whose every interval is divided by `divisor` (≥ 1): for tests only.
    pub fn with_divisor(divisor: u32) -> Self {
        Self {
            buckets: Arc::default(),
            divisor: divisor.max(1),
        }
    }

    /// `period` as these limits pace it (divided like every interval).
    pub fn scaled(&self, period: Duration) -> Duration {
        period / self.divisor
    }

    /// Runs `f` on the bucket of `account` and `group` (a full one, as of `now`, when new).
    fn with_bucket<T>(&self, account: Uuid, limit: Limit, now: Instant, f: impl FnOnce(&mut Bucket) -> T) -> T {
        let mut buckets = self.buckets.lock().expect("rate limit lock");
        let interval = limit.interval / self.divisor;
        f(buckets
            .entry((account, limit.name))
            .or_insert_with(|| Bucket::new(interval, limit.burst, now)))
    }

    /// Waits until `account` may send one request of `group`, then takes the token.
    pub async fn acquire(&self, account: Uuid, limit: Limit) {
        loop {
            let now = Instant::now();
            match self.with_bucket(account, limit, now, |bucket| bucket.take(now)) {
                Ok(()) => return,
                Err(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    /// Whether a request of `group` could go now without waiting (nothing is taken).
    pub fn ready(&self, account: Uuid, limit: Limit) -> bool {
        let buckets = self.buckets.lock().expect("rate limit lock");
        let now = Instant::now();
        buckets.get(&(account, limit.name)).is_none_or(|bucket| {
            let tat = bucket.tat.max(now);
            tat.checked_sub(bucket.tolerance)
                .is_none_or(|allowed_at| allowed_at <= now)
        })
    }

    /// Charges `requests` more to the group (a 4xx counting as 10 on the marketplace API).
    pub fn charge(&self, account: Uuid, limit: Limit, requests: u32) {
        let now = Instant::now();
        self.with_bucket(account, limit, now, |bucket| {
            bucket.tat = bucket.tat.max(now) + bucket.interval * requests;
        });
    }

    /// Blocks the limit until `until` (the marketplace answered 429 with a retry time): no
    /// request of the group goes out before it, and the burst starts over from one.
    pub fn block_until(&self, account: Uuid, limit: Limit, until: Instant) {
        self.with_bucket(account, limit, until, |bucket| {
            // A request is allowed when tat - tolerance <= now: make that `until`.
            bucket.tat = bucket.tat.max(until + bucket.tolerance);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marketplace::wildberries::LimitGroup;

    #[tokio::test(start_paused = true)]
    async fn a_group_allows_its_burst_then_one_request_per_interval() {
        let limits = RateLimits::default();
        let account = Uuid::from_u128(1);
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..8 {
            limits.acquire(account, LimitGroup::CardsWrite.limit()).await;
            times.push(Instant::now() - start);
        }
        let secs: Vec<u64> = times.iter().map(Duration::as_secs).collect();
        assert_eq!(secs, [0, 0, 0, 0, 0, 6, 12, 18]);
        // Another account has its own bucket.
        let before = Instant::now();
        limits.acquire(Uuid::from_u128(2), LimitGroup::CardsWrite.limit()).await;
        assert_eq!(Instant::now(), before);
    }

    #[tokio::test(start_paused = true)]
    async fn ready_tells_whether_a_request_would_wait() {
        let limits = RateLimits::default();
        let account = Uuid::from_u128(1);
        assert!(limits.ready(account, LimitGroup::CardsWrite.limit()));
        for _ in 0..5 {
            limits.acquire(account, LimitGroup::CardsWrite.limit()).await;
        }
        assert!(
            !limits.ready(account, LimitGroup::CardsWrite.limit()),
            "the burst is spent"
        );
        tokio::time::advance(Duration::from_secs(6)).await;
        assert!(limits.ready(account, LimitGroup::CardsWrite.limit()));
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_blocks_the_group_until_the_time_asked() {
        let limits = RateLimits::default();
        let account = Uuid::from_u128(1);
        let start = Instant::now();
        limits.block_until(account, LimitGroup::Prices.limit(), start + Duration::from_secs(2));
        limits.acquire(account, LimitGroup::Prices.limit()).await;
        assert_eq!(Instant::now() - start, Duration::from_secs(2));
        limits.acquire(account, LimitGroup::Prices.limit()).await;
        assert_eq!(Instant::now() - start, Duration::from_millis(2600), "burst starts over");
    }

    #[tokio::test(start_paused = true)]
    async fn a_charge_delays_later_requests() {
        let limits = RateLimits::default();
        let account = Uuid::from_u128(1);
        let start = Instant::now();
        limits.acquire(account, LimitGroup::Marketplace.limit()).await;
        limits.charge(account, LimitGroup::Marketplace.limit(), 9 + 20);
        limits.acquire(account, LimitGroup::Marketplace.limit()).await;
        assert_eq!(Instant::now() - start, Duration::from_millis(200 * 30 - 200 * 19));
    }
}
