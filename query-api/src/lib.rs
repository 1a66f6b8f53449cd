//! GraphQL queries of GoMarket over the read models, plus the pieces every GraphQL module
//! shares: error codes, the per-request context, API settings.
//!
//! - [`error`]: `extensions.code` values and how errors are built;
//! - [`context`]: who is asking and in which request; API settings;
//! - [`catalog`]: `product`, `products` and the `Product` type (also returned by mutations).
#![forbid(unsafe_code)]

pub mod catalog;
pub mod context;
pub mod error;

pub use catalog::CatalogQuery;
pub use context::{ApiSettings, RequestContext};
pub use error::{ErrorCode, api_error, internal_error};
