//! Value types of the catalog. Each has a private representation and a fallible constructor,
//! so a value that exists is valid ("parse, don't validate"). Serde goes through the same
//! constructors, so a stored event can never smuggle in an invalid value.

mod barcode;
mod dimensions;
mod error;
mod money;
mod product_id;
mod quantity;
mod sku;
mod text;

pub use barcode::{Barcode, BarcodeKind};
pub use dimensions::{Dimensions, parse_dimensions};
pub use error::ValueError;
pub use money::Kopecks;
pub use product_id::ProductId;
pub use quantity::Quantity;
pub use sku::Sku;
pub use text::{Brand, CategoryPath, Description, Title};
