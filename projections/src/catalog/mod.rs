//! The catalog's `products` read model.

mod bulk_insert;
mod cursor;
mod product_at;
mod products_projection;
mod products_query;
mod record;

pub use cursor::CursorError;
pub use product_at::{PointInTime, decode_product_event, product_at};
pub use products_projection::ProductsProjection;
pub use products_query::{ProductFilter, ProductPage, ProductQueryError, ProductSort, get_product, search_products};
pub use record::ProductRecord;
