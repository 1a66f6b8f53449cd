use super::{AlertEvent, AlertScope};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The current (or last) episode of an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Episode {
    pub number: u32,
    pub message: String,
    pub raised_at: DateTime<Utc>,
    pub acknowledged: Option<(String, DateTime<Utc>)>,
    pub resolved_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertState {
    pub scope: AlertScope,
    pub episode: Episode,
}

impl AlertState {
    pub fn is_open(&self) -> bool {
        self.episode.resolved_at.is_none()
    }
}

/// The `Alert` aggregate: `None` until first raised.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    pub state: Option<AlertState>,
    pub version: u64,
}

impl Alert {
    pub fn apply_event(&mut self, event: AlertEvent) {
        self.version += 1;
        match event {
            AlertEvent::AlertRaised {
                scope,
                episode,
                message,
                at,
            } => {
                self.state = Some(AlertState {
                    scope,
                    episode: Episode {
                        number: episode,
                        message,
                        raised_at: at,
                        acknowledged: None,
                        resolved_at: None,
                    },
                });
            }
            AlertEvent::AlertAcknowledged { by, at, .. } => {
                if let Some(state) = &mut self.state {
                    state.episode.acknowledged = Some((by, at));
                }
            }
            AlertEvent::AlertResolved { at, .. } => {
                if let Some(state) = &mut self.state {
                    state.episode.resolved_at = Some(at);
                }
            }
        }
    }
}
