//! Sync mutations: `upsertSyncPolicy`.

mod inputs;
mod policies;

pub use inputs::{
    DeliveryEstimateInput, ExclusionsInput, MarginBandInput, PricingRuleInput, RoundingInput, ScheduleInput,
    StockRuleInput, SyncPolicyInput,
};
pub use policies::{SyncPolicyMutation, SyncPolicyPayload};
