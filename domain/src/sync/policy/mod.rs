//! The `SyncPolicy` aggregate: which suppliers feed which marketplace account, by which
//! rules, on which schedule. It also guards its runs: a policy has at most one run at a time,
//! and a scheduled tick starts at most one run (two schedulers racing for the same tick meet
//! on the policy's version, and one of them loses).
//!
//! Files: `state` (settings, the fold), `command`, `event`, `refusal`, `decide` (with the
//! settings' validation); the same layout as every aggregate.

mod command;
mod decide;
mod event;
mod refusal;
mod state;
#[cfg(test)]
mod tests;

pub use command::PolicyCommand;
pub use decide::{decide, validate};
pub use event::PolicyEvent;
pub use refusal::PolicyRefusal;
pub use state::{MAX_ATTEMPTS, MAX_NAME_CHARS, PolicySettings, PolicyState, RunTrigger, SyncPolicy};

crate::ids::uuid_id!(
    PolicyRefusal,
    /// A sync policy's id (UUID v7, chosen when it is created).
    SyncPolicyId
);

crate::pure_aggregate!(
    SyncPolicy,
    "SyncPolicy",
    PolicyCommand,
    PolicyEvent,
    PolicyRefusal,
    decide
);
