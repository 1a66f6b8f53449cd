//! Analytics subscriptions: `analyticsEvents` (resumable, filtered, batched business events).
//!
//! - [`events`]: the event types (the `AnalyticsEvent` interface and its implementations);
//! - [`hub`]: the process's shared tail of the store;
//! - [`subscription`]: the subscription itself.

pub mod events;
pub mod hub;
pub mod subscription;

pub use hub::AnalyticsHub;
pub use subscription::AnalyticsSubscription;
