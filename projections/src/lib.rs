//! Read models of GoMarket and the projectors that build them from the event feed.
//!
//! - [`projection`]: the [`Projection`] trait (apply one event inside a transaction) and the
//!   [`ProjectionRunner`] that feeds a projection from the feed, advancing its checkpoint in the
//!   same transaction as its rows;
//! - [`checkpoint`]: reading and writing projection checkpoints;
//! - [`consistency`]: read-your-writes: wait until a projection has applied a token;
//! - [`catalog`]: the `products` read model: projection, records and search queries.
#![forbid(unsafe_code)]

pub mod catalog;
pub mod checkpoint;
pub mod consistency;
mod error;
pub mod projection;

pub use error::ProjectionError;
pub use projection::{Projection, ProjectionLag, ProjectionRunner, measure_lag};

use gomarket_infra::migrations::EmbeddedMigration;

/// Migrations of every read model in this crate.
pub const READ_MODEL_MIGRATIONS: &[EmbeddedMigration] = &[(
    20261123000101,
    "products read model",
    include_str!("../migrations/20261123000101_products.sql"),
)];
