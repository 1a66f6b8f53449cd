//! The catalog's `products` read model.

mod bulk_insert;
mod cursor;
mod product_at;
mod product_count;
mod product_filter;
mod products_projection;
mod products_query;
mod record;

pub use cursor::CursorError;
pub use product_at::{PointInTime, decode_product_event, product_at};
pub use product_count::{EXACT_COUNT_UP_TO, ProductCount, count_products};
pub use products_projection::ProductsProjection;
pub use products_query::{
    MAX_PAGE_SIZE, ProductFilter, ProductPage, ProductQuery, ProductQueryError, ProductSort, get_product,
    search_products, search_products_tier_by_tier,
};
pub use record::ProductRecord;
