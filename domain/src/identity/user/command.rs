use crate::identity::{LoginName, Role};

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
