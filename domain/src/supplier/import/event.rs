use super::ImportCounts;
use crate::macros::domain_event;
use crate::supplier::values::SupplierId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
