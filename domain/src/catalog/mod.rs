//! Catalog context: the normalized product a seller sells, its price, stock and lifecycle.

pub mod product;
pub mod values;

pub use product::{
    NewProduct, Product, ProductCommand, ProductDetails, ProductEvent, ProductRefusal, ProductServices, ProductState,
    ProductStatus,
};
pub use values::{
    Barcode, BarcodeKind, Brand, CategoryPath, Description, Kopecks, ProductId, Quantity, Sku, Title, ValueError,
};
