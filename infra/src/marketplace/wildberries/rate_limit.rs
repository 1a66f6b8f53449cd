//! Wildberries' request limits: a token bucket per seller account and limit group, shared by
//! everything in the process that talks to Wildberries for that account (one worker holds an
//! account at a time, so the process-wide bucket is the account-wide one).
//!
//! Each bucket is a GCRA (generic cell rate algorithm): one token every `interval`, up to
//! `burst` at once. A request that would break either waits. A 4xx on the marketplace API
//! costs 10 requests, charged after the fact; a 429 blocks the group for the time Wildberries
//! asked.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;
use uuid::Uuid;

/// The limit groups of `NOTES.md` (per seller account).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitGroup {
    /// `cards/upload`, `cards/update`: 10 a minute, burst 5.
    CardsWrite,
    /// `cards/error/list`: 10 a minute, burst 5.
    CardErrors,
    /// Other content methods (`cards/list`, directories): 100 a minute, burst 5.
    Content,
    /// Prices and discounts: 10 per 6 s, burst 5.
    Prices,
    /// Stocks and warehouses: 300 a minute, burst 20.
    Marketplace,
    /// `/ping`: 3 per 30 s.
    Ping,
    /// Statistics reports, one group per method: 1 a minute, burst 1.
    StatisticsOrders,
    StatisticsSales,
    StatisticsStocks,
    /// Tariffs (commission): 1 a minute, burst 2.
    Tariffs,
    /// Analytics reports: 3 a minute (one per 20 s), burst 3.
    Analytics,
}

impl LimitGroup {
    pub const ALL: [LimitGroup; 11] = [
        Self::CardsWrite,
        Self::CardErrors,
        Self::Content,
        Self::Prices,
        Self::Marketplace,
        Self::Ping,
        Self::StatisticsOrders,
        Self::StatisticsSales,
        Self::StatisticsStocks,
        Self::Tariffs,
        Self::Analytics,
    ];

    /// (interval between tokens, burst).
    pub fn rate(self) -> (Duration, u32) {
        match self {
            Self::CardsWrite | Self::CardErrors => (Duration::from_secs(6), 5),
            Self::Content => (Duration::from_millis(600), 5),
            Self::Prices => (Duration::from_millis(600), 5),
            Self::Marketplace => (Duration::from_millis(200), 20),
            Self::Ping => (Duration::from_secs(10), 3),
            Self::StatisticsOrders | Self::StatisticsSales | Self::StatisticsStocks => (Duration::from_secs(60), 1),
            Self::Tariffs => (Duration::from_secs(60), 2),
            Self::Analytics => (Duration::from_secs(20), 3),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::CardsWrite => "cards-write",
            Self::CardErrors => "card-errors",
            Self::Content => "content",
            Self::Prices => "prices",
            Self::Marketplace => "marketplace",
            Self::Ping => "ping",
            Self::StatisticsOrders => "statistics-orders",
            Self::StatisticsSales => "statistics-sales",
            Self::StatisticsStocks => "statistics-stocks",
            Self::Tariffs => "tariffs",
            Self::Analytics => "analytics",
        }
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
    buckets: Arc<Mutex<HashMap<(Uuid, LimitGroup), Bucket>>>,
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

    /// Runs `f` on the bucket of `account` and `group` (a full one, as of `now`, when new).
    fn with_bucket<T>(&self, account: Uuid, group: LimitGroup, now: Instant, f: impl FnOnce(&mut Bucket) -> T) -> T {
        let mut buckets = self.buckets.lock().expect("rate limit lock");
        let (interval, burst) = group.rate();
        let interval = interval / self.divisor;
        f(buckets
            .entry((account, group))
            .or_insert_with(|| Bucket::new(interval, burst, now)))
    }

    /// Waits until `account` may send one request of `group`, then takes the token.
    pub async fn acquire(&self, account: Uuid, group: LimitGroup) {
        loop {
            let now = Instant::now();
            match self.with_bucket(account, group, now, |bucket| bucket.take(now)) {
                Ok(()) => return,
                Err(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    /// Whether a request of `group` could go now without waiting (nothing is taken).
    pub fn ready(&self, account: Uuid, group: LimitGroup) -> bool {
        let buckets = self.buckets.lock().expect("rate limit lock");
        let now = Instant::now();
        buckets.get(&(account, group)).is_none_or(|bucket| {
            let tat = bucket.tat.max(now);
            tat.checked_sub(bucket.tolerance)
                .is_none_or(|allowed_at| allowed_at <= now)
        })
    }

    /// Charges `requests` more to the group (a 4xx counting as 10 on the marketplace API).
    pub fn charge(&self, account: Uuid, group: LimitGroup, requests: u32) {
        let now = Instant::now();
        self.with_bucket(account, group, now, |bucket| {
            bucket.tat = bucket.tat.max(now) + bucket.interval * requests;
        });
    }

    /// Blocks the group until `until` (Wildberries answered 429 with a retry time): no
    /// request of the group goes out before it, and the burst starts over from one.
    pub fn block_until(&self, account: Uuid, group: LimitGroup, until: Instant) {
        self.with_bucket(account, group, until, |bucket| {
            // A request is allowed when tat - tolerance <= now: make that `until`.
            bucket.tat = bucket.tat.max(until + bucket.tolerance);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_group_allows_its_burst_then_one_request_per_interval() {
        let limits = RateLimits::default();
        let account = Uuid::from_u128(1);
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..8 {
            limits.acquire(account, LimitGroup::CardsWrite).await;
            times.push(Instant::now() - start);
        }
        let secs: Vec<u64> = times.iter().map(Duration::as_secs).collect();
        assert_eq!(secs, [0, 0, 0, 0, 0, 6, 12, 18]);
        // Another account has its own bucket.
        let before = Instant::now();
        limits.acquire(Uuid::from_u128(2), LimitGroup::CardsWrite).await;
        assert_eq!(Instant::now(), before);
    }

    #[tokio::test(start_paused = true)]
    async fn ready_tells_whether_a_request_would_wait() {
        let limits = RateLimits::default();
        let account = Uuid::from_u128(1);
        assert!(limits.ready(account, LimitGroup::CardsWrite));
        for _ in 0..5 {
            limits.acquire(account, LimitGroup::CardsWrite).await;
        }
        assert!(!limits.ready(account, LimitGroup::CardsWrite), "the burst is spent");
        tokio::time::advance(Duration::from_secs(6)).await;
        assert!(limits.ready(account, LimitGroup::CardsWrite));
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_blocks_the_group_until_the_time_asked() {
        let limits = RateLimits::default();
        let account = Uuid::from_u128(1);
        let start = Instant::now();
        limits.block_until(account, LimitGroup::Prices, start + Duration::from_secs(2));
        limits.acquire(account, LimitGroup::Prices).await;
        assert_eq!(Instant::now() - start, Duration::from_secs(2));
        limits.acquire(account, LimitGroup::Prices).await;
        assert_eq!(Instant::now() - start, Duration::from_millis(2600), "burst starts over");
    }

    #[tokio::test(start_paused = true)]
    async fn a_charge_delays_later_requests() {
        let limits = RateLimits::default();
        let account = Uuid::from_u128(1);
        let start = Instant::now();
        limits.acquire(account, LimitGroup::Marketplace).await;
        limits.charge(account, LimitGroup::Marketplace, 9 + 20);
        limits.acquire(account, LimitGroup::Marketplace).await;
        assert_eq!(Instant::now() - start, Duration::from_millis(200 * 30 - 200 * 19));
    }
}
