//! The analytics feed: the store's events as business facts (a price published, an order
//! placed, an alert raised…), each with its cursor, for subscribers that resume where they
//! left off with nothing missed and nothing doubled.
//!
//! - [`fact`]: a fact, its kinds and its cursor;
//! - [`lookups`]: what a fact needs from other streams (a listing's account, a price's value);
//! - [`translate`]: events into facts;
//! - [`reader`]: a page of facts after a cursor, straight from the store (catch-up);
//! - [`tail`]: one reader per process that follows the store's end and hands each batch to
//!   every live subscriber;
//! - [`subscriber`]: one subscriber: catch-up from its cursor, then the tail, with no gap and
//!   no duplicate at the switch, and a bounded buffer.

pub mod fact;
pub mod lookups;
pub mod reader;
pub mod subscriber;
pub mod tail;
pub mod translate;

pub use fact::{AnalyticsFact, CursorError, FactCursor, FactDetail, FactKind, FinishStatus, ListingFactState};
pub use subscriber::{FactFilter, Subscriber, SubscriberError};
pub use tail::{AnalyticsTail, TailSettings};

use gomarket_infra::event_store::FeedError;
use thiserror::Error;

/// Reading the analytics feed failed.
#[derive(Debug, Error)]
pub enum AnalyticsError {
    #[error(transparent)]
    Feed(#[from] FeedError),
    #[error("looking up what facts refer to")]
    Lookup(#[source] sqlx::Error),
}
