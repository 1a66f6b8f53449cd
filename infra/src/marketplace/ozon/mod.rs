//! The Ozon Seller API client and adapter, true to Ozon's OpenAPI spec
//! (`shared/reference/ozon/seller-api.json`; every call a POST with `Client-Id` and `Api-Key`):
//! - [`client`]: the transport (auth headers, rate limits, 429s waited out, 5xx retried,
//!   errors in Ozon's words);
//! - [`limits`]: Ozon's documented limits per seller account;
//! - [`money`]: kopecks as Ozon's decimal strings, and its rule on discounts;
//! - [`cards`]: product import, its task, the daily quota, products by offer id, a
//!   category's attributes;
//! - [`pushes`]: prices and stocks;
//! - [`postings`]: FBS and FBO postings as sales facts;
//! - [`adapter`]: Ozon behind the marketplace port.

pub mod adapter;
pub mod cards;
pub mod client;
pub mod limits;
pub mod money;
pub mod postings;
pub mod pushes;

pub use adapter::OzonAdapter;
pub use client::{OzonClient, OzonEndpoint};
