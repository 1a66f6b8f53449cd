//! The `Import` aggregate: one run of one supplier's feed, from start to its outcome.
//!
//! Per-offer results are not events of the import (a feed has up to millions of offers): the
//! products' own events record what changed, and rejected offers are kept in a table with their
//! line and reason. The import records its counts as it goes and at the end.
//!
//! - [`command`]: what can be asked of an import, and its counts;
//! - [`event`]: what can happen to it (the stored facts);
//! - [`state`]: the state folded from events, and its status;
//! - [`decide`]: the pure decision (state, command, now) → events or a refusal.

mod command;
mod decide;
mod event;
mod refusal;
mod state;

pub use command::{ImportCommand, ImportCounts};
pub use decide::decide;
pub use event::ImportEvent;
pub use refusal::ImportRefusal;
pub use state::{Import, ImportState, ImportStatus};

crate::pure_aggregate!(Import, "Import", ImportCommand, ImportEvent, ImportRefusal, decide);

#[cfg(test)]
mod tests;
