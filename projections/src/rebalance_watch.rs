//! Notices a consumer stuck between a revoked assignment and the next one.

use rdkafka::ClientContext;
use rdkafka::consumer::{BaseConsumer, ConsumerContext, Rebalance};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A consumer context that remembers since when the consumer has had its partitions revoked
/// without a new assignment. After a broker outage some brokers leave a rejoining member
/// waiting forever; the projector then replaces the consumer (a new member) to recover.
#[derive(Debug, Default)]
pub struct RebalanceWatch {
    revoked_since: Mutex<Option<Instant>>,
}

impl RebalanceWatch {
    /// Whether the consumer has been without an assignment, after a revocation, for `limit`.
    pub fn stuck_for(&self, limit: Duration) -> bool {
        let since = *self.revoked_since.lock().unwrap_or_else(|p| p.into_inner());
        since.is_some_and(|since| since.elapsed() >= limit)
    }
}

impl ClientContext for RebalanceWatch {}

impl ConsumerContext for RebalanceWatch {
    fn post_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let mut since = self.revoked_since.lock().unwrap_or_else(|p| p.into_inner());
        match rebalance {
            Rebalance::Assign(_) => *since = None,
            Rebalance::Revoke(_) | Rebalance::Error(_) => {
                since.get_or_insert_with(Instant::now);
            }
        }
    }
}
