//! One rate-limit bucket per key for every replica: GCRA (the generic cell rate algorithm) in
//! a Lua script, so a check is one atomic round trip and the replicas never race.
//!
//! GCRA keeps one number per key, the theoretical arrival time (TAT) of the next request. A
//! request of `count` operations moves it `count` emission intervals (1 / rate) later; it is
//! allowed when the new TAT is at most `burst` intervals ahead of now. That is a token bucket
//! of `burst` tokens refilled at `rate` a second: a client gets at most
//! `burst + rate × elapsed` operations, whichever replica it reaches. Time is Redis' own
//! (`TIME`), so replicas with skewed clocks agree.

use super::store::{SharedStore, SharedStoreError};
use redis::Script;
use std::time::Duration;

/// KEYS[1]: the bucket. ARGV: emission interval (µs), tolerance (µs), operations.
/// Returns {1, 0} when allowed, {0, µs to wait} when not. Numbers leave Lua through
/// `%.0f`: Lua's own number-to-string conversion keeps 14 digits, and a TAT in µs has 16.
const GCRA: &str = r"
local now = redis.call('TIME')
local now_us = tonumber(now[1]) * 1000000 + tonumber(now[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local count = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now_us then tat = now_us end
local new_tat = tat + interval * count
local allow_at = new_tat - tolerance
if allow_at > now_us then
  return {0, string.format('%.0f', allow_at - now_us)}
end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', string.format('%.0f', math.ceil((new_tat - now_us) / 1000) + 1))
return {1, '0'}
";

/// A limit of `per_second` operations a second with bursts of `burst`, shared through Redis.
#[derive(Debug, Clone)]
pub struct SharedRateLimit {
    store: SharedStore,
    /// Names the limit in its keys (`address`, `principal`).
    scope: &'static str,
    interval_us: u64,
    tolerance_us: u64,
    script: Script,
}

impl SharedRateLimit {
    pub fn new(store: SharedStore, scope: &'static str, per_second: f64, burst: f64) -> Self {
        let interval_us = (1_000_000.0 / per_second.max(0.001)).round().max(1.0) as u64;
        let tolerance_us = (burst.max(1.0) * interval_us as f64).round() as u64;
        Self {
            store,
            scope,
            interval_us,
            tolerance_us,
            script: Script::new(GCRA),
        }
    }

    pub fn metrics(&self) -> &crate::telemetry::Metrics {
        self.store.metrics()
    }

    /// Takes `count` operations for `key` (all or none): `Ok(Ok(()))` when allowed,
    /// `Ok(Err(wait))` when not, `Err` when Redis could not be asked.
    pub async fn check(&self, key: &str, count: usize) -> Result<Result<(), Duration>, SharedStoreError> {
        let bucket = self.store.key(&format!("rl:{}:{key}", self.scope));
        let (allowed, wait_us): (i64, String) = self
            .store
            .run(|mut connection| async move {
                self.script
                    .key(bucket)
                    .arg(self.interval_us)
                    .arg(self.tolerance_us)
                    .arg(count.max(1))
                    .invoke_async(&mut connection)
                    .await
            })
            .await?;
        if allowed == 1 {
            Ok(Ok(()))
        } else {
            let wait_us = wait_us.parse::<u64>().unwrap_or(self.interval_us);
            Ok(Err(Duration::from_micros(wait_us)))
        }
    }
}
