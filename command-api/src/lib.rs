//! GraphQL mutations of GoMarket: parse input into domain values, run commands on the command
//! bus, answer with a payload (`entity`, `errors`, `consistencyToken`).
//!
//! - [`payload`]: the shared `UserError` type and how refusals are reported;
//! - [`catalog`]: product mutations.
#![forbid(unsafe_code)]

pub mod catalog;
pub mod payload;

pub use catalog::CatalogMutation;
