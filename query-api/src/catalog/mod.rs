//! Catalog queries, the `productChanges` subscription and the GraphQL `Product` type.

mod connection;
mod product;
mod query;
mod subscription;

pub use connection::{PageInfo, ProductConnection, ProductEdge};
pub use product::{Money, Product, ProductStatusGql};
pub use query::{CatalogQuery, ProductFilterInput, ProductSortGql, parse_uuid};
pub use subscription::CatalogSubscription;
