use super::UserEvent;
use crate::identity::{LoginName, Permission, Role};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A user that exists, as folded from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserState {
    pub login: LoginName,
    pub roles: BTreeSet<Role>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    /// When the password last changed: access tokens issued before it are refused.
    pub password_changed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl UserState {
    pub fn has(&self, permission: Permission) -> bool {
        !self.disabled && self.roles.iter().any(|r| r.grants(permission))
    }

    /// Every permission the user's roles grant (none when disabled).
    pub fn permissions(&self) -> BTreeSet<Permission> {
        if self.disabled {
            return BTreeSet::new();
        }
        self.roles.iter().flat_map(|r| r.permissions()).collect()
    }
}

/// The `User` aggregate: `None` until created.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub state: Option<UserState>,
    pub version: u64,
}

impl User {
    /// Folds one event. Pure and total.
    pub fn apply_event(&mut self, event: UserEvent) {
        self.version += 1;
        let at = event.at();
        match (event, self.state.as_mut()) {
            (UserEvent::UserCreated { login, roles, at }, _) => {
                self.state = Some(UserState {
                    login,
                    roles: roles.into_iter().collect(),
                    disabled: false,
                    created_at: at,
                    password_changed_at: at,
                    updated_at: at,
                });
            }
            (UserEvent::PasswordChanged { .. }, Some(state)) => {
                state.password_changed_at = at;
                state.updated_at = at;
            }
            (UserEvent::RoleGranted { role, .. }, Some(state)) => {
                state.roles.insert(role);
                state.updated_at = at;
            }
            (UserEvent::RoleRevoked { role, .. }, Some(state)) => {
                state.roles.remove(&role);
                state.updated_at = at;
            }
            (UserEvent::UserDisabled { .. }, Some(state)) => {
                state.disabled = true;
                state.updated_at = at;
            }
            (UserEvent::UserEnabled { .. }, Some(state)) => {
                state.disabled = false;
                state.updated_at = at;
            }
            (_, None) => {}
        }
    }
}
