//! Catalog queries and the `productChanges` subscription (the `Product` type is in
//! `gomarket_api_core::catalog`).

mod connection;
mod query;
mod subscription;

pub use connection::{PageInfo, ProductConnection, ProductEdge};
pub use query::CatalogQuery;
pub use subscription::CatalogSubscription;
