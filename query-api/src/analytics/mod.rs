//! Analytics subscriptions: `analyticsEvents` (resumable, filtered, batched business events)
//! and `metrics` (the seller's KPI tile, live).
//!
//! - [`events`]: the event types (the `AnalyticsEvent` interface and its implementations);
//! - [`hub`]: the process's shared tail of the store;
//! - [`subscription`]: the `analyticsEvents` subscription;
//! - [`metrics`]: the `metrics` subscription.

pub mod events;
pub mod hub;
pub mod metrics;
pub mod subscription;

pub use hub::AnalyticsHub;
pub use metrics::MetricsSubscription;
pub use subscription::AnalyticsSubscription;
