//! What both GraphQL API crates (`query-api`, `command-api`) stand on, so that neither depends
//! on the other:
//!
//! - [`error`]: `extensions.code` values, how errors are built, and [`error::failure`] /
//!   [`OrInternal`]: a failure below the API classified once (database away →
//!   `UPSTREAM_UNAVAILABLE`, else `INTERNAL`), logged with its causes;
//! - [`consistency`]: `consistentWith` (read-your-writes) for any read model;
//! - [`context`]: who is asking and in which request; API settings;
//! - [`access`]: the guards every operation declares (public, authenticated, a permission);
//! - [`command`]: running a command from a resolver; [`payload`]: how mutations report
//!   refusals (`UserError`);
//! - [`paging`]: paging of short in-memory lists; [`ids`]: ids in arguments;
//! - the object types of the platform's nouns, returned by queries and by mutations alike:
//!   [`catalog`] (`Product`, the product filter), [`audit`] (`AuditEvent`), [`identity`]
//!   (`User`, `ApiKey`, `Secret`, `Me`), [`supplier`] (`Supplier`, `Import`), [`marketplace`]
//!   (`MarketplaceAccount`, `CategoryMapping`, `Listing`), [`sync`] (`SyncPolicy`, `SyncRun`),
//!   [`operations`] (`ProjectionFailure`), [`sales`] (`SalesSummary`, `UnmatchedMarketplaceRow`), [`performance`]
//!   (`ProductPerformance`), [`alerts`] (`Alert`, `AlertRules`).
#![forbid(unsafe_code)]

pub mod access;
pub mod alerts;
pub mod audit;
pub mod catalog;
pub mod command;
pub mod consistency;
pub mod context;
pub mod error;
pub mod identity;
pub mod ids;
pub mod listing_analytics;
pub mod marketplace;
pub mod operations;
pub mod paging;
pub mod payload;
pub mod performance;
pub mod read_cache;
pub mod sales;
pub mod supplier;
pub mod sync;

pub use context::{ApiSettings, RequestContext};
pub use error::{ErrorCode, OrInternal, api_error, failure, internal_error, store_failure};
