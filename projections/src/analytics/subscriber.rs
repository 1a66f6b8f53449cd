//! One subscriber of the analytics feed: from its cursor it reads the store (catch-up) until
//! nothing more is readable, then takes the tail's batches; a batch it already read is
//! skipped, a batch that starts past its place sends it back to the store, so the switch has
//! no gap and no duplicate. Its buffer is the tail's: a subscriber whose client stops taking
//! facts falls behind the tail's last batches and is closed with [`SubscriberError::TooSlow`].

use super::AnalyticsError;
use super::fact::{AnalyticsFact, FactCursor, FactKind};
use super::reader::read_facts;
use super::tail::{AnalyticsTail, TailBatch};
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use thiserror::Error;
use tokio::sync::broadcast;
use uuid::Uuid;

/// Events read per catch-up query.
const CATCH_UP_EVENTS: i64 = 500;

/// Which facts a subscriber wants: each list given narrows (a fact without the id asked
/// for does not match).
#[derive(Debug, Clone, Default)]
pub struct FactFilter {
    pub kinds: Option<HashSet<FactKind>>,
    pub account_ids: Option<HashSet<Uuid>>,
    pub supplier_ids: Option<HashSet<Uuid>>,
    pub product_ids: Option<HashSet<Uuid>>,
}

impl FactFilter {
    pub fn matches(&self, fact: &AnalyticsFact) -> bool {
        let within = |wanted: &Option<HashSet<Uuid>>, id: Option<Uuid>| {
            wanted
                .as_ref()
                .is_none_or(|wanted| id.is_some_and(|id| wanted.contains(&id)))
        };
        self.kinds.as_ref().is_none_or(|kinds| kinds.contains(&fact.kind))
            && within(&self.account_ids, fact.account_id)
            && within(&self.supplier_ids, fact.supplier_id)
            && within(&self.product_ids, fact.product_id)
    }

    /// The aggregate types a catch-up needs to read (all that make facts when no kinds are
    /// asked for).
    fn aggregate_types(&self) -> Vec<&'static str> {
        match &self.kinds {
            Some(kinds) => FactKind::aggregate_types_of(&kinds.iter().copied().collect::<Vec<_>>()),
            None => FactKind::aggregate_types_of(&FactKind::ALL),
        }
    }
}

#[derive(Debug, Error)]
pub enum SubscriberError {
    /// The client took facts more slowly than they were recorded, and the tail no longer
    /// holds what it has not taken: it resumes after `resume_after`, the last fact it was
    /// given (or the cursor it started from).
    #[error("the subscriber fell more than the server's buffer behind the feed")]
    TooSlow { resume_after: FactCursor },
    /// The process's tail stopped (the process is shutting down).
    #[error("the analytics feed of this process stopped")]
    TailStopped,
    #[error(transparent)]
    Store(#[from] AnalyticsError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Reading the store.
    CatchUp,
    /// Taking the tail's batches; `fresh` until the first one is taken.
    Live { fresh: bool },
}

/// A subscriber's place and buffer.
#[derive(Debug)]
pub struct Subscriber {
    tail: Arc<AnalyticsTail>,
    batches: broadcast::Receiver<Arc<TailBatch>>,
    filter: FactFilter,
    only: Vec<&'static str>,
    batch_size: usize,
    mode: Mode,
    /// Everything up to here was read (and what matched is in `pending` or delivered).
    reached: FactCursor,
    /// The last fact handed out (or the starting cursor): where the client resumes.
    delivered: FactCursor,
    pending: VecDeque<Arc<AnalyticsFact>>,
}

impl Subscriber {
    /// From `after` (catch-up first), or from the tail's current place when `None`.
    pub fn new(tail: Arc<AnalyticsTail>, after: Option<FactCursor>, filter: FactFilter, batch_size: usize) -> Self {
        let (batches, published) = tail.subscribe();
        let (reached, mode) = match after {
            Some(cursor) => (cursor, Mode::CatchUp),
            None => (FactCursor::past(published), Mode::Live { fresh: true }),
        };
        let only = filter.aggregate_types();
        Self {
            tail,
            batches,
            filter,
            only,
            batch_size: batch_size.max(1),
            mode,
            reached,
            delivered: reached,
            pending: VecDeque::new(),
        }
    }

    /// The next facts (at most the batch size, at least one), waiting for them as long as
    /// it takes.
    pub async fn next_batch(&mut self) -> Result<Vec<Arc<AnalyticsFact>>, SubscriberError> {
        loop {
            if !self.pending.is_empty() {
                let take = self.pending.len().min(self.batch_size);
                let batch: Vec<_> = self.pending.drain(..take).collect();
                if let Some(last) = batch.last() {
                    self.delivered = last.cursor;
                }
                return Ok(batch);
            }
            match self.mode {
                Mode::CatchUp => self.catch_up().await?,
                Mode::Live { fresh } => self.take_live(fresh).await?,
            }
        }
    }

    async fn catch_up(&mut self) -> Result<(), SubscriberError> {
        let page = read_facts(self.tail.feed(), self.reached, CATCH_UP_EVENTS, Some(&self.only)).await?;
        let Some(end) = page.end else {
            self.mode = Mode::Live { fresh: true };
            return Ok(());
        };
        let filter = &self.filter;
        self.pending
            .extend(page.facts.into_iter().filter(|f| filter.matches(f)).map(Arc::new));
        self.reached = FactCursor::past(end);
        Ok(())
    }

    async fn take_live(&mut self, fresh: bool) -> Result<(), SubscriberError> {
        match self.batches.recv().await {
            Ok(batch) => {
                self.mode = Mode::Live { fresh: false };
                if FactCursor::past(batch.end) <= self.reached {
                    return Ok(());
                }
                if FactCursor::past(batch.after) > self.reached {
                    // The batch starts past this subscriber's place (it joined while the
                    // tail published nothing, or it came back from the store behind the
                    // tail): read the gap from the store first.
                    self.mode = Mode::CatchUp;
                    return Ok(());
                }
                let (reached, filter) = (self.reached, &self.filter);
                self.pending.extend(
                    batch
                        .facts
                        .iter()
                        .filter(|f| f.cursor.is_after(&reached) && filter.matches(f))
                        .cloned(),
                );
                self.reached = FactCursor::past(batch.end);
                Ok(())
            }
            // Overrun while catching up from the store: nothing was lost, start over from
            // the store with a receiver that holds the newest batches.
            Err(broadcast::error::RecvError::Lagged(_)) if fresh => {
                self.batches = self.tail.subscribe().0;
                self.mode = Mode::CatchUp;
                Ok(())
            }
            Err(broadcast::error::RecvError::Lagged(_)) => Err(SubscriberError::TooSlow {
                resume_after: self.delivered,
            }),
            Err(broadcast::error::RecvError::Closed) => Err(SubscriberError::TailStopped),
        }
    }
}
