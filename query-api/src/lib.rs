//! GraphQL queries of GoMarket over the read models, plus the pieces every GraphQL module
//! shares: error codes, the per-request context, API settings.
//!
//! - [`access`]: the guards every operation declares (public, authenticated, a permission);
//! - [`error`]: `extensions.code` values and how errors are built;
//! - [`context`]: who is asking and in which request; API settings;
//! - [`catalog`]: `product`, `products`, the `productChanges` subscription and the `Product`
//!   type (also returned by mutations);
//! - [`audit`]: `history` of any aggregate and `productAt` (a product as it was);
//! - [`identity`]: `me`, `users`, `user`, `apiKeys`, `secrets`;
//! - [`supplier`]: `suppliers`, `supplier`, `imports`, `import` (with rejected offers);
//! - [`marketplace`]: `marketplaceAccounts`, `categoryMappings`, `listings`, `listing`;
//! - [`sync`]: `syncPolicies`, `syncPolicy` (with `explainPrice`), `syncRuns`, `syncRun`;
//! - [`paging`]: paging of short in-memory lists;
//! - [`operations`]: `projectionFailures` (dead-lettered events).
#![forbid(unsafe_code)]

pub mod access;
pub mod audit;
pub mod catalog;
pub mod context;
pub mod error;
pub mod identity;
pub mod marketplace;
pub mod operations;
pub mod paging;
pub mod supplier;
pub mod sync;

pub use audit::AuditQuery;
pub use catalog::{CatalogQuery, CatalogSubscription};
pub use context::{ApiSettings, RequestContext};
pub use error::{ErrorCode, api_error, internal_error, store_failure};
pub use identity::IdentityQuery;
pub use marketplace::MarketplaceQuery;
pub use operations::OperationsQuery;
pub use supplier::SupplierQuery;
pub use sync::{SyncQuery, SyncRunQuery, SyncSubscription};
