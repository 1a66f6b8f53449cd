use crate::identity::{LoginName, Role};
use crate::macros::domain_event;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Facts about a user. Never change a variant in place; add a new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserEvent {
    UserCreated {
        login: LoginName,
        roles: Vec<Role>,
        at: DateTime<Utc>,
    },
    /// The password was set to a new value (its hash is kept outside the event store).
    PasswordChanged {
        at: DateTime<Utc>,
    },
    RoleGranted {
        role: Role,
        at: DateTime<Utc>,
    },
    RoleRevoked {
        role: Role,
        at: DateTime<Utc>,
    },
    UserDisabled {
        at: DateTime<Utc>,
    },
    UserEnabled {
        at: DateTime<Utc>,
    },
}

impl UserEvent {
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::UserCreated { .. } => "UserCreated",
            Self::PasswordChanged { .. } => "PasswordChanged",
            Self::RoleGranted { .. } => "RoleGranted",
            Self::RoleRevoked { .. } => "RoleRevoked",
            Self::UserDisabled { .. } => "UserDisabled",
            Self::UserEnabled { .. } => "UserEnabled",
        }
    }

    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Self::UserCreated { at, .. }
            | Self::PasswordChanged { at }
            | Self::RoleGranted { at, .. }
            | Self::RoleRevoked { at, .. }
            | Self::UserDisabled { at }
            | Self::UserEnabled { at } => *at,
        }
    }
}

domain_event!(UserEvent);
