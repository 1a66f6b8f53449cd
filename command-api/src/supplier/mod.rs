//! Supplier mutations: `registerSupplier`, `updateSupplier`, `disableSupplier`,
//! `enableSupplier`, and `startImport` (the import runs in the background; poll `import(id)`).

mod imports;
mod suppliers;

use async_graphql::MergedObject;

pub use imports::ImportMutation;
pub use suppliers::SupplierSettingsMutation;

#[derive(MergedObject, Default)]
pub struct SupplierMutation(SupplierSettingsMutation, ImportMutation);
