//! GraphQL mutations of GoMarket: parse input into domain values, run commands on the command
//! bus, answer with a payload (`entity`, `errors`, `consistencyToken`). The types they answer
//! with, `UserError` and the command runner are in `gomarket_api_core`, shared with
//! `query-api` (this crate does not depend on it).
//!
//! - [`catalog`]: product mutations;
//! - [`identity`]: sessions, users, API keys, secrets;
//! - [`supplier`]: suppliers and imports;
//! - [`marketplace`]: marketplace accounts, category mappings, publishing, listing targets;
//! - [`sync`]: sync policies and runs (approve held prices, retry failed items);
//! - [`alerts`]: acknowledging alerts, setting an account's alert thresholds.
#![forbid(unsafe_code)]

pub mod alerts;
pub mod catalog;
pub mod identity;
pub mod marketplace;
pub mod supplier;
pub mod sync;

pub use alerts::AlertMutation;
pub use catalog::CatalogMutation;
pub use identity::IdentityMutation;
pub use marketplace::MarketplaceMutation;
pub use supplier::SupplierMutation;
pub use sync::{SyncPolicyMutation, SyncRunMutation};
