//! Sync queries: `syncPolicies`, `syncPolicy` (with `explainPrice`), `syncRuns`, `syncRun`;
//! and the types mutations return too. Policies and runs are read by folding their events.

mod progress;
mod query;
mod runs;
mod types;

pub use progress::{SyncRunProgress, SyncSubscription};
pub use query::SyncQuery;
pub use runs::{SyncRunGql, SyncRunQuery};
pub use types::SyncPolicyGql;
