use super::{User, UserCommand, UserEvent, UserRefusal};
use chrono::{DateTime, Utc};

/// Decides what a command does to a user. Pure. Commands that would change nothing (granting
/// a role the user has, disabling a disabled user) record nothing and succeed.
pub fn decide(user: &User, command: UserCommand, now: DateTime<Utc>) -> Result<Vec<UserEvent>, UserRefusal> {
    if let UserCommand::Create { login, roles } = command {
        if let Some(existing) = &user.state {
            return Err(UserRefusal::AlreadyExists {
                login: existing.login.to_string(),
            });
        }
        if roles.is_empty() {
            return Err(UserRefusal::NoRoles);
        }
        let mut roles = roles;
        roles.sort();
        roles.dedup();
        return Ok(vec![UserEvent::UserCreated { login, roles, at: now }]);
    }
    let state = user.state.as_ref().ok_or(UserRefusal::NotFound)?;
    let event = match command {
        UserCommand::Create { .. } => None,
        UserCommand::ChangePassword => Some(UserEvent::PasswordChanged { at: now }),
        UserCommand::GrantRole(role) => {
            (!state.roles.contains(&role)).then_some(UserEvent::RoleGranted { role, at: now })
        }
        UserCommand::RevokeRole(role) => {
            if !state.roles.contains(&role) {
                None
            } else if state.roles.len() == 1 {
                return Err(UserRefusal::LastRole);
            } else {
                Some(UserEvent::RoleRevoked { role, at: now })
            }
        }
        UserCommand::Disable => (!state.disabled).then_some(UserEvent::UserDisabled { at: now }),
        UserCommand::Enable => state.disabled.then_some(UserEvent::UserEnabled { at: now }),
    };
    Ok(event.into_iter().collect())
}
