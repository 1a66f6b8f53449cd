//! Marketplace queries: `marketplaceAccounts`, `marketplaceAccount`, `categoryMappings`,
//! `listings(accountId, filter)`, `listing(id)`; and the types mutations return too.
//!
//! Accounts and mappings are few and read by folding their events; listings come from the
//! `listings` read model.

mod query;
mod types;

pub use query::MarketplaceQuery;
pub use types::{AccountGql, CardStateGql, CategoryMappingGql, ListingGql, MarketplaceGql};
