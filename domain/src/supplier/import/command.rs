use crate::supplier::values::SupplierId;
use serde::{Deserialize, Serialize};

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
