use super::{CommissionCommand, CommissionEvent, CommissionRefusal, SubjectCommission};
use chrono::{DateTime, Utc};

/// `CommissionRatesObserved` when the rates differ from those in force (a renamed subject
/// with the same rates is not news).
pub fn decide(
    commission: &SubjectCommission,
    command: CommissionCommand,
    now: DateTime<Utc>,
) -> Result<Vec<CommissionEvent>, CommissionRefusal> {
    let CommissionCommand::Observe(observed) = command;
    let state = commission.state.as_ref();
    if state.is_some_and(|s| s.subject_id != observed.subject_id || s.marketplace != observed.marketplace) {
        return Err(CommissionRefusal::Mismatch);
    }
    let previous = state.map(|s| s.rates);
    if previous == Some(observed.rates) {
        return Ok(vec![]);
    }
    Ok(vec![CommissionEvent::CommissionRatesObserved {
        marketplace: observed.marketplace,
        subject_id: observed.subject_id,
        subject_name: observed.subject_name,
        parent_name: observed.parent_name,
        rates: observed.rates,
        previous,
        at: now,
    }])
}
