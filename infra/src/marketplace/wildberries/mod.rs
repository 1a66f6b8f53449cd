//! The Wildberries seller API client, true to Wildberries' OpenAPI specs
//! (`shared/reference/wildberries/`):
//! - [`adapter`]: Wildberries behind the marketplace port;
//! - [`client`]: base URLs per API, auth, rate limits, retries, error classification;
//! - [`limits`]: its limit groups (the buckets are [`crate::marketplace::rate_limit`]);
//! - [`content`]: card upload, card discovery by vendor code, failed drafts;
//! - [`prices`]: price tasks and their per-item outcome;
//! - [`stocks`]: stocks by `chrtId`, and the token check (`/ping`);
//! - [`statistics`]: the orders, sales and stocks reports, read exactly;
//! - [`tariffs`]: the commission by subject;
//! - [`analytics`]: the stock history report (what running out cost, by Wildberries' count).

pub mod adapter;
pub mod analytics;
pub mod client;
pub mod content;
pub mod limits;
pub mod prices;
pub mod sales_feeds;
pub mod statistics;
pub mod stocks;
pub mod tariffs;

pub use crate::marketplace::rate_limit::RateLimits;
pub use crate::marketplace::retry::RetryPolicy;
pub use adapter::WildberriesAdapter;
pub use client::{WbAccount, WbApi, WbClient, WbEndpoints, WbError};
pub use limits::LimitGroup;
