//! The sales context: what the marketplaces report back after GoMarket publishes — orders,
//! buyouts and returns, the stock in their own warehouses, their commission — as facts,
//! idempotent by the marketplace's own keys, each matched to its listing and catalog product
//! where one is found (and kept all the same where none is).
//!
//! - [`values`]: reported amounts (decimal roubles → signed kopecks, exactly), percentages in
//!   hundredths, report times (Moscow time), sale kinds;
//! - [`order`]: the `MarketplaceOrder` aggregate (one per order: placed, cancelled, bought
//!   out, returned);
//! - [`stock`]: the `MarketplaceStock` aggregate (one per article: figures per size and
//!   marketplace warehouse);
//! - [`commission`]: the `SubjectCommission` aggregate (one per marketplace subject);
//! - [`alert`]: the `Alert` aggregate (one per condition and subject: raised once per
//!   episode, acknowledged, resolved);
//! - [`alert_rules`]: the `AlertRules` aggregate (an account's alert thresholds);
//! - [`economics`]: a unit's planned margin at the live price.

pub mod alert;
pub mod alert_rules;
pub mod commission;
pub mod economics;
pub mod order;
pub mod stock;
pub mod values;
