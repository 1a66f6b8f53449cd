use super::{Import, ImportCommand, ImportEvent, ImportRefusal, ImportStatus};
use chrono::{DateTime, Utc};

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
