//! The `Import` aggregate: one run of one supplier's feed, from start to its outcome.
//!
//! Per-offer results are not events of the import (a feed has up to millions of offers): the
//! products' own events record what changed, and rejected offers are kept in a table with their
//! line and reason. The import records its counts as it goes and at the end.

use super::values::SupplierId;
use crate::macros::domain_event;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// What an import did with the offers, so far or in the end.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportCounts {
    /// Offers read from the feed (accepted or rejected).
    pub seen: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// Products whose offer left the (full) feed and became unavailable.
    pub unavailable: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ImportStatus {
    Running,
    Completed,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportCommand {
    Start { supplier_id: SupplierId, dry_run: bool },
    Progress(ImportCounts),
    Complete(ImportCounts),
    Fail { reason: String, counts: ImportCounts },
}

impl ImportCommand {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Start { .. } => "StartImport",
            Self::Progress(_) => "RecordImportProgress",
            Self::Complete(_) => "CompleteImport",
            Self::Fail { .. } => "FailImport",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportEvent {
    ImportStarted {
        supplier_id: SupplierId,
        dry_run: bool,
        at: DateTime<Utc>,
    },
    ImportProgressed {
        counts: ImportCounts,
        at: DateTime<Utc>,
    },
    ImportCompleted {
        counts: ImportCounts,
        at: DateTime<Utc>,
    },
    ImportFailed {
        reason: String,
        counts: ImportCounts,
        at: DateTime<Utc>,
    },
}

domain_event!(ImportEvent: ImportStarted, ImportProgressed, ImportCompleted, ImportFailed);

/// Why an import command was refused; each variant's doc names its GraphQL code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ImportRefusal {
    /// `ALREADY_EXISTS`: this import id has started already.
    #[error("the import has started already")]
    AlreadyStarted,
    /// `NOT_FOUND`.
    #[error("import not found")]
    NotFound,
    /// `FAILED_PRECONDITION`: the import has ended.
    #[error("the import has already ended")]
    Finished,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportState {
    pub supplier_id: SupplierId,
    pub dry_run: bool,
    pub status: ImportStatus,
    pub counts: ImportCounts,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub failure: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Import {
    pub state: Option<ImportState>,
    pub version: u64,
}

impl Import {
    pub fn apply_event(&mut self, event: ImportEvent) {
        self.version += 1;
        match (event, self.state.as_mut()) {
            (
                ImportEvent::ImportStarted {
                    supplier_id,
                    dry_run,
                    at,
                },
                _,
            ) => {
                self.state = Some(ImportState {
                    supplier_id,
                    dry_run,
                    status: ImportStatus::Running,
                    counts: ImportCounts::default(),
                    started_at: at,
                    finished_at: None,
                    failure: None,
                });
            }
            (ImportEvent::ImportProgressed { counts, .. }, Some(state)) => state.counts = counts,
            (ImportEvent::ImportCompleted { counts, at }, Some(state)) => {
                state.counts = counts;
                state.status = ImportStatus::Completed;
                state.finished_at = Some(at);
            }
            (ImportEvent::ImportFailed { reason, counts, at }, Some(state)) => {
                state.counts = counts;
                state.status = ImportStatus::Failed;
                state.finished_at = Some(at);
                state.failure = Some(reason);
            }
            (_, None) => {}
        }
    }
}

/// Decides an import command. Pure. Progress that changes no count records nothing; an ended
/// import takes no more commands (a retried `Complete` with the same counts is a no-op).
pub fn decide(import: &Import, command: ImportCommand, now: DateTime<Utc>) -> Result<Vec<ImportEvent>, ImportRefusal> {
    let state = match (&command, &import.state) {
        (ImportCommand::Start { .. }, Some(_)) => return Err(ImportRefusal::AlreadyStarted),
        (ImportCommand::Start { supplier_id, dry_run }, None) => {
            return Ok(vec![ImportEvent::ImportStarted {
                supplier_id: *supplier_id,
                dry_run: *dry_run,
                at: now,
            }]);
        }
        (_, None) => return Err(ImportRefusal::NotFound),
        (_, Some(state)) => state,
    };
    if state.status != ImportStatus::Running {
        return match command {
            ImportCommand::Complete(counts) if state.status == ImportStatus::Completed && counts == state.counts => {
                Ok(vec![])
            }
            _ => Err(ImportRefusal::Finished),
        };
    }
    Ok(match command {
        ImportCommand::Start { .. } => vec![],
        ImportCommand::Progress(counts) if counts == state.counts => vec![],
        ImportCommand::Progress(counts) => vec![ImportEvent::ImportProgressed { counts, at: now }],
        ImportCommand::Complete(counts) => vec![ImportEvent::ImportCompleted { counts, at: now }],
        ImportCommand::Fail { reason, counts } => vec![ImportEvent::ImportFailed {
            reason,
            counts,
            at: now,
        }],
    })
}

crate::pure_aggregate!(Import, "Import", ImportCommand, ImportEvent, ImportRefusal, decide);

#[cfg(test)]
mod tests;
