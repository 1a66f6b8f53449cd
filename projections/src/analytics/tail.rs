//! One reader of the store's end per process, handing every batch of facts to all live
//! subscribers: a thousand subscribers cost one query per wake-up, not a thousand.
//!
//! The tail reads the store (woken by its notifications), so any process serves any
//! subscriber whichever process recorded the events: no sticky sessions.

use super::fact::{AnalyticsFact, FactKind};
use super::lookups::Lookups;
use super::translate::facts_of;
use gomarket_infra::event_store::{EventFeed, FeedListener, FeedPosition};
use sqlx::PgPool;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

/// The tail's limits (docs/operations.md, "Analytics subscriptions").
#[derive(Debug, Clone, Copy)]
pub struct TailSettings {
    /// Batches kept for subscribers that have not taken them yet; a subscriber further
    /// behind than this is closed (it resumes from its cursor).
    pub buffered_batches: usize,
    /// Events read at most per batch.
    pub batch_events: i64,
    /// Longest wait for a notification before looking again (rows also become readable when
    /// an older transaction ends, which notifies nobody).
    pub poll_interval: Duration,
}

impl Default for TailSettings {
    fn default() -> Self {
        Self {
            buffered_batches: 256,
            batch_events: 200,
            poll_interval: Duration::from_millis(250),
        }
    }
}

/// The facts of the events in (`after`, `end`] of the feed.
#[derive(Debug)]
pub struct TailBatch {
    pub after: FeedPosition,
    pub end: FeedPosition,
    pub facts: Vec<Arc<AnalyticsFact>>,
}

/// The shared follower of the store's end.
#[derive(Debug)]
pub struct AnalyticsTail {
    /// The sender and the place it has published up to, changed together so a subscriber
    /// joining sees a consistent pair.
    published: Mutex<(broadcast::Sender<Arc<TailBatch>>, FeedPosition)>,
    feed: EventFeed,
}

/// The newest readable event's place: where a tail starts following.
const READABLE_END: &str = "SELECT tx_id::text::bigint, position FROM events
  WHERE events.tx_id < pg_snapshot_xmin(pg_current_snapshot())
  ORDER BY events.tx_id DESC, events.position DESC LIMIT 1";

impl AnalyticsTail {
    /// Starts following from the store's current end; the task stops with the runtime.
    pub async fn start(pool: PgPool, settings: TailSettings) -> Result<Arc<Self>, sqlx::Error> {
        let end: Option<(i64, i64)> = sqlx::query_as(READABLE_END).fetch_optional(&pool).await?;
        let start = end.map_or(FeedPosition::START, |(tx_id, position)| FeedPosition {
            tx_id,
            position,
        });
        let (sender, _) = broadcast::channel(settings.buffered_batches.max(1));
        let tail = Arc::new(Self {
            published: Mutex::new((sender, start)),
            feed: EventFeed::new(pool),
        });
        tokio::spawn(Arc::clone(&tail).follow(start, settings));
        Ok(tail)
    }

    /// A receiver of every batch published from now on, and the place published up to.
    pub fn subscribe(&self) -> (broadcast::Receiver<Arc<TailBatch>>, FeedPosition) {
        let published = self.published.lock().unwrap_or_else(|e| e.into_inner());
        (published.0.subscribe(), published.1)
    }

    pub fn feed(&self) -> &EventFeed {
        &self.feed
    }

    async fn follow(self: Arc<Self>, mut position: FeedPosition, settings: TailSettings) {
        let types = FactKind::aggregate_types_of(&FactKind::ALL);
        let mut listener: Option<FeedListener> = None;
        loop {
            match self.step(position, settings.batch_events, &types).await {
                Ok(Some(end)) => {
                    position = end;
                    continue;
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(%error, "analytics tail: reading the store failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            }
            if listener.is_none() {
                listener = match self.feed.listen().await {
                    Ok(listener) => Some(listener),
                    Err(error) => {
                        // Polling alone still finds everything, a poll interval later.
                        tracing::warn!(%error, "analytics tail: cannot listen for new events; polling");
                        None
                    }
                };
            }
            let waited = match &mut listener {
                Some(listener) => listener.wait(settings.poll_interval).await.is_ok(),
                None => {
                    tokio::time::sleep(settings.poll_interval).await;
                    true
                }
            };
            if !waited {
                listener = None;
            }
        }
    }

    /// Reads and publishes the next batch; the new place, or `None` when nothing was new.
    async fn step(
        &self,
        position: FeedPosition,
        limit: i64,
        types: &[&str],
    ) -> Result<Option<FeedPosition>, super::AnalyticsError> {
        let batch = self.feed.read_batch(position, limit, Some(types)).await?;
        let Some(end) = batch.end else { return Ok(None) };
        let listening = self
            .published
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .0
            .receiver_count()
            > 0;
        // With nobody listening the place just moves on. A subscriber joining meanwhile
        // sees the next batch start after its own place and reads the gap from the store.
        let facts = if listening {
            let lookups = Lookups::gather(self.feed.pool(), &batch.events)
                .await
                .map_err(super::AnalyticsError::Lookup)?;
            Some(
                batch
                    .events
                    .iter()
                    .flat_map(|event| facts_of(event, &lookups))
                    .map(Arc::new)
                    .collect(),
            )
        } else {
            None
        };
        let mut published = self.published.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(facts) = facts {
            let batch = TailBatch {
                after: position,
                end,
                facts,
            };
            // Receivers that left meanwhile are not an error.
            let _ = published.0.send(Arc::new(batch));
        }
        published.1 = end;
        Ok(Some(end))
    }
}
