//! Supplier imports: one run reads a supplier's feed and turns its offers into product
//! commands, a batch of offers per transaction.
//!
//! - [`runner`]: the [`Importer`]: start an import, run it to its outcome, list imports;
//! - [`reading`]: the readers of each format over the downloaded files, and the two passes;
//! - [`offers`]: applying a batch of offers (only what changed produces events), and marking
//!   offers that left a full feed unavailable;
//! - [`freshness`]: the `.inf` rule: CSV feeds are downloaded only when newer;
//! - [`source`]: opening the feed (file, or a bounded, retried HTTP download);
//! - [`feed_policy`]: which files and addresses a feed may be read from;
//! - [`liveness`]: telling a running import from one whose process died;
//! - [`rejections`]: rejected offers, stored with line and reason.

pub mod feed_policy;
pub mod freshness;
pub mod liveness;
pub mod offers;
pub mod reading;
pub mod rejections;
mod runner;
mod running;
pub mod source;

pub use runner::{FeedChange, ImportError, ImportRun, Importer, ImporterSettings, StartError};
