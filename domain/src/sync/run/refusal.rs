//! Why a run command is refused.

use thiserror::Error;
use uuid::Uuid;

/// Why a run command was refused; each variant's doc names its GraphQL code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RunRefusal {
    /// `BAD_USER_INPUT`.
    #[error("not a valid id")]
    BadId,
    /// `NOT_FOUND`.
    #[error("sync run not found")]
    NotFound,
    /// `CONFLICT`.
    #[error("the run has already started")]
    AlreadyStarted,
    /// `CONFLICT`: the step does not follow from the run's status.
    #[error("the run is {0}")]
    WrongStatus(&'static str),
    /// `BAD_USER_INPUT`.
    #[error("product {0} is not a held item of this run")]
    NotHeld(Uuid),
}
