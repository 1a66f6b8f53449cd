//! Supplier queries: `suppliers`, `supplier`, `imports(supplierId)`, `import(id)` with its
//! rejected offers.
//!
//! Suppliers and imports are few and read by folding their events (always current).

mod query;

pub use query::SupplierQuery;
