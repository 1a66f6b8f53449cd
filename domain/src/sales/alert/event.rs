use super::AlertScope;
use crate::macros::domain_event;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Each event carries the alert's scope, so a reader of the feed filters it by account or
/// product without looking anything up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AlertEvent {
    /// Episode `episode` of the condition began.
    AlertRaised {
        scope: AlertScope,
        episode: u32,
        message: String,
        at: DateTime<Utc>,
    },
    AlertAcknowledged {
        scope: AlertScope,
        episode: u32,
        message: String,
        by: String,
        at: DateTime<Utc>,
    },
    AlertResolved {
        scope: AlertScope,
        episode: u32,
        message: String,
        at: DateTime<Utc>,
    },
}

domain_event!(AlertEvent: AlertRaised, AlertAcknowledged, AlertResolved);

impl AlertEvent {
    pub fn scope(&self) -> &AlertScope {
        match self {
            Self::AlertRaised { scope, .. }
            | Self::AlertAcknowledged { scope, .. }
            | Self::AlertResolved { scope, .. } => scope,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Self::AlertRaised { message, .. }
            | Self::AlertAcknowledged { message, .. }
            | Self::AlertResolved { message, .. } => message,
        }
    }
}
