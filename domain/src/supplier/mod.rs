//! Supplier context: suppliers' feeds and what an import makes of them.
//!
//! - [`normalize`]: pure parsing of feed fields (prices, stock, HTML, titles, sizes).

pub mod normalize;
