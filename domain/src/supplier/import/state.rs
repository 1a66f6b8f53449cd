use super::{ImportCounts, ImportEvent};
use crate::supplier::values::SupplierId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ImportStatus {
    Running,
    Completed,
    Failed,
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
