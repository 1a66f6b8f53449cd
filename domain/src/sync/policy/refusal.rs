//! Why a policy command is refused.

use thiserror::Error;
use uuid::Uuid;

/// Why a policy command was refused; each variant's doc names its GraphQL code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PolicyRefusal {
    /// `BAD_USER_INPUT`.
    #[error("not a valid id")]
    BadId,
    /// `BAD_USER_INPUT`: `field` names the input field.
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    /// `NOT_FOUND`.
    #[error("sync policy not found")]
    NotFound,
    /// `CONFLICT`.
    #[error("the policy has a run in progress ({0})")]
    RunInProgress(Uuid),
    /// `CONFLICT`: a run was already started for this tick (or a later one).
    #[error("a run was already started for this tick")]
    TickAlreadyRun,
    /// `CONFLICT`.
    #[error("the policy is disabled")]
    Disabled,
}
