//! Notices a consumer that a broker left short of partitions after a rebalance.

use rdkafka::ClientContext;
use rdkafka::consumer::{BaseConsumer, ConsumerContext, Rebalance};
use rdkafka::statistics::Statistics;
use rdkafka::topic_partition_list::TopicPartitionList;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

/// A consumer context that watches rebalances for two broker misbehaviours the projector
/// repairs by replacing its consumer (a new member, after the old one left the group):
///
/// - stuck: partitions revoked and no new assignment for a long time (seen after a broker
///   outage: the rejoining member is left waiting);
/// - handed back the same partitions: tansu 0.6 evicts a member whose heartbeats stopped (a
///   killed process) when a survivor heartbeats, asks the survivor to rejoin, and then returns
///   the survivor's *old* assignment, so the dead member's partitions stay orphaned. A clean
///   leave + join makes it compute a fresh assignment. On Apache Kafka this signal is rare
///   (same members, same assignment) and costs one extra rebalance at most.
#[derive(Debug)]
pub struct RebalanceWatch {
    revoked_since: Mutex<Option<Instant>>,
    last_assigned: Mutex<Option<Vec<(String, i32)>>>,
    reassigned_unchanged: AtomicBool,
    /// Records of the assigned partitions not yet committed, from librdkafka's statistics
    /// (`consumer_lag`); negative while unknown.
    lag: AtomicI64,
}

impl Default for RebalanceWatch {
    /// A new member waits for its first assignment like one whose partitions were revoked, so
    /// a join that never completes is noticed too.
    fn default() -> Self {
        Self {
            revoked_since: Mutex::new(Some(Instant::now())),
            last_assigned: Mutex::new(None),
            reassigned_unchanged: AtomicBool::new(false),
            lag: AtomicI64::new(-1),
        }
    }
}

fn sorted_partitions(list: &TopicPartitionList) -> Vec<(String, i32)> {
    let mut partitions: Vec<(String, i32)> = list
        .elements()
        .iter()
        .map(|e| (e.topic().to_owned(), e.partition()))
        .collect();
    partitions.sort();
    partitions
}

impl RebalanceWatch {
    /// Records this member has yet to apply and commit, as of librdkafka's last statistics.
    pub fn lag(&self) -> Option<i64> {
        let lag = self.lag.load(Ordering::Relaxed);
        (lag >= 0).then_some(lag)
    }

    /// Whether the consumer has been without an assignment, after a revocation, for `limit`.
    pub fn stuck_for(&self, limit: Duration) -> bool {
        let since = *self.revoked_since.lock().unwrap_or_else(|p| p.into_inner());
        since.is_some_and(|since| since.elapsed() >= limit)
    }

    /// Whether a rebalance since the last call handed back exactly the partitions the consumer
    /// had before; with how many partitions it holds now. Clears the signal.
    pub fn take_unchanged_reassignment(&self) -> Option<usize> {
        if !self.reassigned_unchanged.swap(false, Ordering::AcqRel) {
            return None;
        }
        let assigned = self.last_assigned.lock().unwrap_or_else(|p| p.into_inner());
        Some(assigned.as_ref().map_or(0, Vec::len))
    }

    fn record_assignment(&self, now: Vec<(String, i32)>) {
        let mut last = self.last_assigned.lock().unwrap_or_else(|p| p.into_inner());
        if last.as_ref() == Some(&now) {
            self.reassigned_unchanged.store(true, Ordering::Release);
        }
        *last = Some(now);
    }
}

impl ClientContext for RebalanceWatch {
    /// Keeps the sum of the assigned partitions' committed lag (librdkafka reports -1 for a
    /// partition it does not consume or has no offsets of yet); never logs the statistics.
    fn stats(&self, statistics: Statistics) {
        let mut known = false;
        let mut total = 0;
        for topic in statistics.topics.values() {
            for (partition, stats) in &topic.partitions {
                if *partition >= 0 && stats.consumer_lag >= 0 {
                    known = true;
                    total += stats.consumer_lag;
                }
            }
        }
        self.lag.store(if known { total } else { -1 }, Ordering::Relaxed);
    }
}

impl ConsumerContext for RebalanceWatch {
    fn post_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let mut since = self.revoked_since.lock().unwrap_or_else(|p| p.into_inner());
        match rebalance {
            Rebalance::Assign(list) => {
                *since = None;
                let partitions = sorted_partitions(list);
                tracing::info!(partitions = ?partitions, "partitions assigned");
                self.record_assignment(partitions);
            }
            Rebalance::Revoke(list) => {
                tracing::info!(partitions = list.count(), "partitions revoked");
                since.get_or_insert_with(Instant::now);
            }
            Rebalance::Error(error) => {
                tracing::warn!(%error, "rebalance failed");
                since.get_or_insert_with(Instant::now);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdkafka::Offset;

    fn list(partitions: &[i32]) -> TopicPartitionList {
        let mut list = TopicPartitionList::new();
        for &p in partitions {
            list.add_partition_offset("t", p, Offset::Invalid).unwrap();
        }
        list
    }

    #[test]
    fn same_partitions_after_a_rebalance_are_noticed_once() {
        let watch = RebalanceWatch::default();
        let record = |l: &TopicPartitionList| watch.record_assignment(sorted_partitions(l));
        record(&list(&[0, 1, 2]));
        assert_eq!(watch.take_unchanged_reassignment(), None);
        record(&list(&[2, 1, 0]));
        assert_eq!(watch.take_unchanged_reassignment(), Some(3));
        assert_eq!(watch.take_unchanged_reassignment(), None);
        record(&list(&[0, 1, 2, 3, 4, 5]));
        assert_eq!(watch.take_unchanged_reassignment(), None);
    }
}
