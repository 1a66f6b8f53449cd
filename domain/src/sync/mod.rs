//! The sync context: policies that tie suppliers to a marketplace account, the rules that
//! turn a supplier's offer into a listing's price and stock, and schedules.
//!
//! - [`policy`]: the `SyncPolicy` aggregate (settings, one run at a time, one run per tick);
//! - [`run`]: the `SyncRun` aggregate, the process manager's record of one run;
//! - [`pricing`], [`stock`], [`exclusions`]: pure rules, each explaining its result;
//! - [`evaluate`]: what a policy makes of one product, and when its pushed item is settled;
//! - [`schedule`]: cron in a time zone; [`percent`]: percentages without floats.

pub mod evaluate;
pub mod exclusions;
pub mod percent;
pub mod policy;
pub mod pricing;
pub mod run;
pub mod schedule;
pub mod stock;

pub use exclusions::Exclusions;
pub use percent::Percent;
pub use policy::{
    PolicyCommand, PolicyEvent, PolicyRefusal, PolicySettings, PolicyState, RunTrigger, SyncPolicy, SyncPolicyId,
};
pub use pricing::{PriceExplanation, PriceStep, PricingRule};
pub use schedule::Schedule;
pub use stock::StockRule;
