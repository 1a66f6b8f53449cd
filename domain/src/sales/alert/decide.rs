use super::{Alert, AlertCommand, AlertEvent, AlertRefusal};
use chrono::{DateTime, Utc};

/// Raise opens an episode unless one is open; acknowledge marks the current episode seen
/// (once); resolve closes the open episode. Anything else is no news.
pub fn decide(alert: &Alert, command: AlertCommand, now: DateTime<Utc>) -> Result<Vec<AlertEvent>, AlertRefusal> {
    let state = alert.state.as_ref();
    match command {
        AlertCommand::Raise { scope, message } => {
            if let Some(state) = state {
                if state.scope.condition != scope.condition || state.scope.subject != scope.subject {
                    return Err(AlertRefusal::Mismatch);
                }
                if state.is_open() {
                    return Ok(vec![]);
                }
            }
            let episode = state.map_or(1, |s| s.episode.number + 1);
            Ok(vec![AlertEvent::AlertRaised {
                scope,
                episode,
                message,
                at: now,
            }])
        }
        AlertCommand::Acknowledge { by } => {
            let state = state.ok_or(AlertRefusal::Unknown)?;
            if state.episode.acknowledged.is_some() {
                return Ok(vec![]);
            }
            Ok(vec![AlertEvent::AlertAcknowledged {
                scope: state.scope.clone(),
                episode: state.episode.number,
                message: state.episode.message.clone(),
                by,
                at: now,
            }])
        }
        AlertCommand::Resolve { message } => match state {
            Some(state) if state.is_open() => Ok(vec![AlertEvent::AlertResolved {
                scope: state.scope.clone(),
                episode: state.episode.number,
                message,
                at: now,
            }]),
            _ => Ok(vec![]),
        },
    }
}
