//! Sales queries: `salesSummary(accountId, from, to, groupBy)` and
//! `unmatchedMarketplaceRows(accountId)`, from the sales read models.

mod query;

pub use query::SalesQuery;
