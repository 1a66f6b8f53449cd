//! Supplier queries: `suppliers`, `supplier`, `imports(supplierId)`, `import(id)` with its
//! rejected offers; and the `Supplier` and `Import` types mutations return too.
//!
//! Suppliers and imports are few and read by folding their events (always current).

mod query;
mod types;

pub use query::SupplierQuery;
pub use types::{FeedEncodingGql, FeedKindGql, ImportGql, ImportStatusGql, SupplierGql};
