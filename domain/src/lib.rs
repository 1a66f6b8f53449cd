//! The pure domain model of GoMarket.
//!
//! Nothing here does I/O: aggregates decide on commands with pure functions and fold events;
//! adapters (event store, GraphQL, projections) live in other crates and depend on this one.
//!
//! - [`catalog`]: the product catalog context: value types (`Sku`, `Barcode`, `Kopecks`, ...)
//!   and the `Product` aggregate.
//! - [`identity`]: users, roles and permissions, API keys.
//! - [`supplier`]: supplier feeds: normalization of their fields.
//! - [`marketplace`]: marketplace accounts, category mappings, card building, listings.
//! - [`sales`]: what the marketplaces report back: orders, buyouts, returns, their warehouse
//!   stock and commission, as facts.
//! - [`sync`]: sync policies and their pricing, stock and exclusion rules, schedules.
//! - [`pure_aggregate`]: the cqrs-es adapter every aggregate shares (pure decide + fold).
//! - [`clock`]: the time source handed to aggregates as a service, so decisions stay pure.
#![forbid(unsafe_code)]

pub mod catalog;
pub mod clock;
pub mod identity;
mod ids;
mod macros;
pub mod marketplace;
pub mod pure_aggregate;
pub mod sales;
pub mod supplier;
pub mod sync;
