//! Deciding a policy's commands, and checking its settings: pure.

use super::*;
use chrono::{DateTime, Utc};

fn invalid(field: &'static str, message: impl Into<String>) -> PolicyRefusal {
    PolicyRefusal::Invalid {
        field,
        message: message.into(),
    }
}

/// Checks settings the types alone do not.
pub fn validate(settings: &PolicySettings) -> Result<(), PolicyRefusal> {
    let name = settings.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(invalid("name", format!("give 1 to {MAX_NAME_CHARS} characters")));
    }
    if settings.supplier_ids.is_empty() {
        return Err(invalid("supplierIds", "give at least one supplier"));
    }
    settings
        .pricing
        .validate()
        .map_err(|e| invalid("pricing", e.to_string()))?;
    if settings.price_drop_guard.basis_points() > 10_000 {
        return Err(invalid("priceDropGuardPercent", "must be between 0 and 100 %"));
    }
    if !(1..=MAX_ATTEMPTS).contains(&settings.max_attempts) {
        return Err(invalid("maxAttempts", format!("must be between 1 and {MAX_ATTEMPTS}")));
    }
    Ok(())
}

/// Decides a policy command. Pure; upserting the same settings records nothing.
pub fn decide(
    policy: &SyncPolicy,
    command: PolicyCommand,
    now: DateTime<Utc>,
) -> Result<Vec<PolicyEvent>, PolicyRefusal> {
    let at = now;
    match (command, &policy.state) {
        (PolicyCommand::Upsert(mut settings), state) => {
            settings.name = settings.name.trim().to_owned();
            validate(&settings)?;
            Ok(match state {
                None => vec![PolicyEvent::PolicyCreated { settings, at }],
                Some(state) if state.settings == *settings => vec![],
                Some(_) => vec![PolicyEvent::PolicyUpdated { settings, at }],
            })
        }
        (_, None) => Err(PolicyRefusal::NotFound),
        (PolicyCommand::StartRun { run_id, trigger }, Some(state)) => {
            if state.active_run == Some(run_id) {
                return Ok(vec![]);
            }
            if let Some(active) = state.active_run {
                return Err(PolicyRefusal::RunInProgress(active));
            }
            if let RunTrigger::Schedule { tick } = trigger {
                if !state.settings.enabled {
                    return Err(PolicyRefusal::Disabled);
                }
                if state.last_tick.is_some_and(|last| tick <= last) {
                    return Err(PolicyRefusal::TickAlreadyRun);
                }
            }
            Ok(vec![PolicyEvent::PolicyRunStarted { run_id, trigger, at }])
        }
        (PolicyCommand::FinishRun { run_id }, Some(state)) => Ok(if state.active_run == Some(run_id) {
            vec![PolicyEvent::PolicyRunFinished { run_id, at }]
        } else {
            vec![]
        }),
    }
}
