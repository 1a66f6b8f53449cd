//! Read models of GoMarket and the projectors that build them from the event feed.
//!
//! - [`projection`]: the [`EventConsumer`] trait (apply events inside the transaction that
//!   advances the consumer's checkpoint), the rebuildable [`Projection`], and the
//!   [`ProjectionRunner`] that feeds any consumer from the feed;
//! - [`kafka_feed`]: the same, as a member of a Kafka consumer group;
//! - [`failures`]: dead-lettered events (`projection_failures`);
//! - [`rebuild`]: replaying a projection into shadow tables and swapping them in;
//! - [`sequence`]: events applied in their aggregate's order, once each, gaps healed;
//! - [`consistency`]: read-your-writes: wait until a projection has applied a token;
//! - [`alerts`]: the `alerts` read model (each alert's current or last episode);
//! - [`analytics`]: the store's events as business facts, for resumable subscriptions;
//! - [`catalog`]: the `products` read model: projection, records and search queries;
//! - [`marketplace`]: the `listings` read model, also the marketplace worker's queues;
//! - [`sales`]: the sales facts and the figures per account, article and day.
#![forbid(unsafe_code)]

pub mod alerts;
pub mod analytics;
pub mod catalog;
pub mod consistency;
mod error;
pub mod failures;
pub mod kafka_feed;
pub mod marketplace;
pub mod projection;
mod rebalance_watch;
pub mod rebuild;
pub mod sales;
pub mod sequence;

pub use error::ProjectionError;
/// Checkpoints live with the feed in `infra`; re-exported for projection code.
pub use gomarket_infra::event_store::checkpoint;
pub use projection::{
    Bookkeeping, EventConsumer, MAX_ATTEMPTS, Outcome, Projection, ProjectionLag, ProjectionRunner, apply_isolated,
    apply_together, measure_lag,
};

use gomarket_infra::migrations::EmbeddedMigration;

/// Migrations of every read model in this crate.
pub const READ_MODEL_MIGRATIONS: &[EmbeddedMigration] = &[
    (
        20261123000101,
        "products read model",
        include_str!("../migrations/20261123000101_products.sql"),
    ),
    (
        20261123000102,
        "projection failures and applied sequences",
        include_str!("../migrations/20261123000102_projection_failures.sql"),
    ),
    (
        20261124000101,
        "supplier products in the products read model",
        include_str!("../migrations/20261124000101_supplier_products.sql"),
    ),
    (
        20261124000102,
        "marketplace listings read model",
        include_str!("../migrations/20261124000102_listings.sql"),
    ),
    (
        20261124000103,
        "listing retry times",
        include_str!("../migrations/20261124000103_listing_retry.sql"),
    ),
    (
        20261203000101,
        "catalog search at scale",
        include_str!("../migrations/20261203000101_catalog_search.sql"),
    ),
    (
        20261204000101,
        "listings matched by report rows",
        include_str!("../migrations/20261204000101_listing_report_matching.sql"),
    ),
    (
        20261204000102,
        "sales read models",
        include_str!("../migrations/20261204000102_sales.sql"),
    ),
    (
        20261204000103,
        "sales figures per account and day",
        include_str!("../migrations/20261204000103_sales_account_daily.sql"),
    ),
    (
        20261204000104,
        "stock cover and product performance",
        include_str!("../migrations/20261204000104_sales_performance.sql"),
    ),
    (
        20261204000105,
        "listing price history",
        include_str!("../migrations/20261204000105_listing_price_history.sql"),
    ),
    (
        20261204000106,
        "subject commissions",
        include_str!("../migrations/20261204000106_subject_commissions.sql"),
    ),
    (
        20261204000107,
        "marketplace lost sales",
        include_str!("../migrations/20261204000107_marketplace_lost_sales.sql"),
    ),
    (
        20261204000108,
        "alerts read model",
        include_str!("../migrations/20261204000108_alerts.sql"),
    ),
    (
        20261204000109,
        "indexes of the KPI tile",
        include_str!("../migrations/20261204000109_kpi_indexes.sql"),
    ),
    (
        20261204000110,
        "the area of a listing's waiting push",
        include_str!("../migrations/20261204000110_listing_retry_area.sql"),
    ),
];
