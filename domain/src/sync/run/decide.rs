//! Deciding a run's commands: pure.

use super::state::status_name;
use super::*;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Decides a run command. Pure.
pub fn decide(run: &SyncRun, command: RunCommand, now: DateTime<Utc>) -> Result<Vec<RunEvent>, RunRefusal> {
    let at = now;
    let Some(state) = &run.state else {
        return match command {
            RunCommand::Start {
                policy_id,
                trigger,
                imports,
            } => Ok(vec![RunEvent::RunStarted {
                policy_id,
                trigger,
                imports,
                at,
            }]),
            _ => Err(RunRefusal::NotFound),
        };
    };
    let finished = matches!(state.status, RunStatus::Completed | RunStatus::Failed { .. });
    match command {
        RunCommand::Start { .. } => Err(RunRefusal::AlreadyStarted),
        RunCommand::RecordImport { import_id, failure } => {
            let known = state.imports.values().find(|i| i.import_id == import_id);
            Ok(match known {
                Some(import) if import.failure.is_none() => {
                    vec![RunEvent::RunImportFinished { import_id, failure, at }]
                }
                _ => vec![],
            })
        }
        RunCommand::Plan { items } => {
            if finished {
                return Err(RunRefusal::WrongStatus(status_name(&state.status)));
            }
            let new: Vec<PlannedItem> = items
                .into_iter()
                .filter(|i| !state.items.contains_key(&i.product_id))
                .collect();
            Ok(if new.is_empty() && state.status == RunStatus::Pushing {
                vec![]
            } else {
                vec![RunEvent::RunItemsPlanned { items: new, at }]
            })
        }
        RunCommand::Settle { items } => {
            let changed: Vec<SettledItem> = items
                .into_iter()
                .filter(|s| {
                    state
                        .items
                        .get(&s.product_id)
                        .is_some_and(|i| i.outcome != s.outcome || i.attempts != s.attempts)
                })
                .collect();
            Ok(if changed.is_empty() {
                vec![]
            } else {
                vec![RunEvent::RunItemsSettled { items: changed, at }]
            })
        }
        RunCommand::ApproveHeld { product_ids } => {
            if let Some(id) = product_ids
                .iter()
                .find(|id| !matches!(state.items.get(id).map(|i| &i.outcome), Some(ItemOutcome::Held { .. })))
            {
                return Err(RunRefusal::NotHeld(*id));
            }
            Ok(if product_ids.is_empty() {
                vec![]
            } else {
                vec![RunEvent::HeldPricesApproved { product_ids, at }]
            })
        }
        RunCommand::RetryFailed => {
            let failed: Vec<Uuid> = state
                .items
                .iter()
                .filter(|(_, i)| matches!(i.outcome, ItemOutcome::Failed { .. }))
                .map(|(id, _)| *id)
                .collect();
            Ok(if failed.is_empty() {
                vec![]
            } else {
                vec![RunEvent::FailedItemsRetried {
                    product_ids: failed,
                    at,
                }]
            })
        }
        RunCommand::Complete => {
            if finished {
                return Ok(vec![]);
            }
            if !state.imports_done() || !state.all_settled() || state.status != RunStatus::Pushing {
                return Err(RunRefusal::WrongStatus(status_name(&state.status)));
            }
            Ok(vec![RunEvent::RunCompleted { at }])
        }
        RunCommand::Fail { reason } => Ok(if finished {
            vec![]
        } else {
            vec![RunEvent::RunFailed { reason, at }]
        }),
    }
}
