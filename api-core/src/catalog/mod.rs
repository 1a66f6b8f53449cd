//! The GraphQL `Product` type and the filter `products` and `publishProducts` select with.

mod filter;
mod product;

pub use filter::{ProductFilterInput, ProductSortGql};
pub use product::{Money, Product, ProductStatusGql};
