//! GraphQL queries and subscriptions of GoMarket over the read models and the store. The types
//! they return, and the plumbing every resolver uses, are in `gomarket_api_core`, which
//! `command-api` shares.
//!
//! - [`alerts`]: `alerts`, `alert`, `alertRules`;
//! - [`analytics`]: the `analyticsEvents` subscription;
//! - [`catalog`]: `product`, `products`, the `productChanges` subscription;
//! - [`audit`]: `history` of any aggregate and `productAt` (a product as it was);
//! - [`identity`]: `me`, `users`, `user`, `apiKeys`, `secrets`;
//! - [`supplier`]: `suppliers`, `supplier`, `imports`, `import` (with rejected offers);
//! - [`marketplace`]: `marketplaceAccounts`, `categoryMappings`, `listings`, `listing`;
//! - [`sync`]: `syncPolicies`, `syncPolicy` (with `explainPrice`), `syncRuns`, `syncRun`;
//! - [`operations`]: `projectionFailures` (dead-lettered events);
//! - [`sales`]: `salesSummary`, `unmatchedMarketplaceRows`.
#![forbid(unsafe_code)]

pub mod alerts;
pub mod analytics;
pub mod audit;
pub mod catalog;
pub mod identity;
pub mod marketplace;
pub mod operations;
pub mod sales;
pub mod supplier;
pub mod sync;

pub use alerts::AlertsQuery;
pub use analytics::{AnalyticsHub, AnalyticsSubscription, MetricsSubscription};
pub use audit::AuditQuery;
pub use catalog::{CatalogQuery, CatalogSubscription};
pub use identity::IdentityQuery;
pub use marketplace::MarketplaceQuery;
pub use operations::OperationsQuery;
pub use sales::SalesQuery;
pub use supplier::SupplierQuery;
pub use sync::{SyncQuery, SyncRunQuery, SyncSubscription};
