//! Supplier context: suppliers' feeds and what an import makes of them.
//!
//! - [`values`]: supplier ids and names, feed kinds, URLs, encodings, image URL templates;
//! - [`supplier`]: the `Supplier` aggregate (register, update, disable);
//! - [`import`]: the `Import` aggregate (one run: started, progress, completed or failed);
//! - [`normalize`]: pure parsing of feed fields (prices, stock, HTML, titles, sizes).

pub mod import;
pub mod normalize;
// The context and its main aggregate share the name (the context is about suppliers).
#[allow(clippy::module_inception)]
pub mod supplier;
pub mod values;

pub use import::{Import, ImportCommand, ImportCounts, ImportEvent, ImportRefusal, ImportState, ImportStatus};
pub use supplier::{Supplier, SupplierCommand, SupplierEvent, SupplierRefusal, SupplierSettings, SupplierState};
pub use values::{FeedEncoding, FeedKind, FeedUrl, ImageUrlTemplate, SupplierId, SupplierName, SupplierValueError};
