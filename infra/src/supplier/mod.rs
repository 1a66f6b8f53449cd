//! Supplier feeds: readers that stream a feed as normalized offers (or rejections), one per
//! format behind one shape, and the generator of realistic test feeds.
//!
//! - [`feed`]: what readers yield: offers, rejections with reasons, fatal feed errors;
//! - [`limits`]: how much of a feed one field and one offer may take (memory stays flat);
//! - [`offer_builder`]: raw fields of one offer → a normalized `SupplierOffer`;
//! - [`yml`]: Yandex Market Language price lists;
//! - [`wholesaler`]: the Wholesaler set of four CSV files joined by `global_id`;
//! - [`an_msc`]: the AN_MSC wide CSV (stock per warehouse), read through the lax CSV dialect;
//! - [`registry`]: the suppliers and their settings (`SupplierRegistry`);
//! - [`import`]: running an import: batches of offers as product commands, rejections,
//!   offers that left the feed;
//! - [`generate`], [`generate_csv`]: deterministic feeds (YML, AN_MSC, Wholesaler) with
//!   Cyrillic text, HTML, variants and broken offers.

pub mod an_msc;
mod bounded_xml;
pub mod feed;
pub mod generate;
pub mod generate_csv;
pub mod generate_words;
pub mod import;
mod lax_csv;
pub mod limits;
pub mod offer_builder;
pub mod registry;
pub mod wholesaler;
pub mod yml;

pub use an_msc::AnMscReader;
pub use feed::{FeedError, FeedItem, RejectReason, Rejection};
pub use offer_builder::ReaderContext;
pub use registry::SupplierRegistry;
pub use yml::YmlReader;

#[cfg(test)]
mod yml_tests;
