//! Sync queries: `syncPolicies`, `syncPolicy` (with `explainPrice`), `syncRuns`, `syncRun`;
//! the run progress subscription. Policies and runs are read by folding their events.

mod progress;
mod query;
mod runs;

pub use progress::{SyncRunProgress, SyncSubscription};
pub use query::SyncQuery;
pub use runs::SyncRunQuery;
