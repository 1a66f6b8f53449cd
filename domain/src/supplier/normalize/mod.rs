//! Pure normalization of supplier feed fields, shared by every feed reader: money, stock,
//! text (HTML, titles), sizes from free text. Each function turns one raw field into a value
//! or says why it cannot.

mod money;
mod stock;
mod text;

pub use crate::catalog::{Dimensions, parse_dimensions};
pub use money::{PriceError, parse_price_kopecks};
pub use stock::{PLENTY_UNITS, StockError, parse_stock};
pub use text::{cut_title, strip_html};
