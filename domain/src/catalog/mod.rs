//! Catalog context: the normalized product a seller sells, its price, stock and lifecycle.

pub mod product;
pub mod values;

pub use product::decide as decide_product;
pub use product::{
    NewProduct, Product, ProductCommand, ProductContent, ProductDetails, ProductEvent, ProductRefusal, ProductServices,
    ProductState, ProductStatus, SupplierLink, SupplierOffer,
};
pub use values::{
    Barcode, BarcodeKind, Brand, CategoryPath, Description, Dimensions, Kopecks, ProductId, Quantity, Sku, Title,
    ValueError, parse_dimensions,
};
