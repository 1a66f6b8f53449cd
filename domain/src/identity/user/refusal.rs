use thiserror::Error;

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
