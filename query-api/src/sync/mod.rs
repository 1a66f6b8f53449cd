//! Sync queries: `syncPolicies`, `syncPolicy` (with `explainPrice`); and the policy types
//! mutations return too. Policies are few and read by folding their events.

mod query;
mod types;

pub use query::SyncQuery;
pub use types::SyncPolicyGql;
