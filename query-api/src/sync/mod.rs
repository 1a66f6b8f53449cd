//! Sync queries: `syncPolicies`, `syncPolicy` (with `explainPrice`), `syncRuns`, `syncRun`;
//! and the types mutations return too. Policies and runs are read by folding their events.

mod query;
mod runs;
mod types;

pub use query::SyncQuery;
pub use runs::{SyncRunGql, SyncRunQuery};
pub use types::SyncPolicyGql;
