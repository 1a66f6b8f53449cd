//! Marketplace queries: `marketplaceAccounts`, `marketplaceAccount`, `categoryMappings`,
//! `listings(accountId, filter)`, `listing(id)`.
//!
//! Accounts and mappings are few and read by folding their events; listings come from the
//! `listings` read model.

mod query;

pub use query::MarketplaceQuery;
