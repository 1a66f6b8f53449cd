//! Sync mutations: `upsertSyncPolicy`, `triggerSync`, `approveHeldPrices`, `retryFailed`.

mod inputs;
mod policies;
mod runs;

pub use inputs::{
    DeliveryEstimateInput, ExclusionsInput, MarginBandInput, PricingRuleInput, RoundingInput, ScheduleInput,
    StockRuleInput, SyncPolicyInput,
};
pub use policies::{SyncPolicyMutation, SyncPolicyPayload};
pub use runs::{SyncRunMutation, SyncRunPayload, TriggerSyncPayload};
