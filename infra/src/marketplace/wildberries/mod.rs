//! The Wildberries seller API client, true to Wildberries' OpenAPI specs
//! (`shared/reference/wildberries/`):
//! - [`client`]: base URLs per API, auth, rate limits, retries, error classification;
//! - [`rate_limit`]: the token buckets per account and limit group;
//! - [`content`]: card upload, card discovery by vendor code, failed drafts;
//! - [`prices`]: price tasks and their per-item outcome;
//! - [`stocks`]: stocks by `chrtId`, and the token check (`/ping`);
//! - [`statistics`]: the orders, sales and stocks reports, read exactly;
//! - [`tariffs`]: the commission by subject;
//! - [`analytics`]: the stock history report (what running out cost, by Wildberries' count).

pub mod analytics;
pub mod client;
pub mod content;
pub mod prices;
pub mod rate_limit;
pub mod statistics;
pub mod stocks;
pub mod tariffs;

pub use client::{RetryPolicy, WbAccount, WbApi, WbClient, WbEndpoints, WbError};
pub use rate_limit::{LimitGroup, RateLimits};
