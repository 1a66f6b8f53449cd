//! Catalog queries and the GraphQL `Product` type.

mod connection;
mod product;
mod query;

pub use connection::{PageInfo, ProductConnection, ProductEdge};
pub use product::{Money, Product, ProductStatusGql};
pub use query::{CatalogQuery, ProductFilterInput, ProductSortGql, parse_uuid};
