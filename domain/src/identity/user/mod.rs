//! The `User` aggregate: a person who logs in, with roles.
//!
//! - [`UserCommand`] / [`UserRefusal`]: what can be asked, and why it may be refused;
//! - [`event`]: the stored facts (no password hashes: see the context's doc);
//! - [`state`]: the fold;
//! - [`decide`]: the pure decision (state, command, now) → events or a refusal;
//! - [`aggregate`]: the thin cqrs-es adapter.

mod aggregate;
mod decide;
mod event;
mod state;

pub use aggregate::UserServices;
pub use decide::decide;
pub use event::UserEvent;
pub use state::{User, UserState};

use super::{LoginName, Role};
use thiserror::Error;

/// What can be asked of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserCommand {
    /// Registers the user. The password hash is stored beside the stream, not in it.
    Create {
        login: LoginName,
        roles: Vec<Role>,
    },
    /// Records that the password changed (the new hash is stored by the caller).
    ChangePassword,
    GrantRole(Role),
    RevokeRole(Role),
    /// The user can no longer log in, and tokens already issued stop working.
    Disable,
    Enable,
}

impl UserCommand {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Create { .. } => "CreateUser",
            Self::ChangePassword => "ChangePassword",
            Self::GrantRole(_) => "GrantRole",
            Self::RevokeRole(_) => "RevokeRole",
            Self::Disable => "DisableUser",
            Self::Enable => "EnableUser",
        }
    }
}

/// Why a user command was refused; each variant's doc names its GraphQL code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UserRefusal {
    /// `ALREADY_EXISTS`: a user with this login exists.
    #[error("a user {login} already exists")]
    AlreadyExists { login: String },
    /// `NOT_FOUND`: no such user.
    #[error("user not found")]
    NotFound,
    /// `BAD_USER_INPUT`: a user needs at least one role.
    #[error("a user needs at least one role")]
    NoRoles,
    /// `FAILED_PRECONDITION`: revoking the last role would leave the user unable to do anything;
    /// disable the user instead.
    #[error("cannot revoke the user's last role; disable the user instead")]
    LastRole,
}

#[cfg(test)]
mod tests;
