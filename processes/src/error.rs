//! Why a process's step failed. The step is retried (a process manager's batch, a worker's
//! round, a scheduler's tick), so the error keeps its cause for the log, and tells a database
//! that is away from a bug.

use gomarket_infra::event_store::batch::BatchError;
use gomarket_infra::event_store::{CommandError, StoreError};
use gomarket_infra::marketplace::CredentialsError;
use gomarket_infra::marketplace::port::MarketplaceError;
use gomarket_infra::marketplace::wildberries::WbError;

#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// The event store, or a table beside it, failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A command the process issued was refused: its view of the aggregate was stale.
    #[error("a command of the process was refused")]
    Refused(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
    /// Another writer changed the aggregate first (and retrying did not help).
    #[error("a command of the process lost to a concurrent change")]
    Conflict,
    /// An event names an aggregate by an id that is not a UUID.
    #[error("aggregate id {id:?} is not a UUID")]
    BadAggregateId {
        id: String,
        #[source]
        cause: uuid::Error,
    },
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    #[error(transparent)]
    Wildberries(#[from] WbError),
    #[error(transparent)]
    Marketplace(#[from] MarketplaceError),
}

impl<R: std::error::Error + Send + Sync + 'static> From<CommandError<R>> for ProcessError {
    fn from(error: CommandError<R>) -> Self {
        match error {
            CommandError::Refused(refusal) => Self::Refused(Box::new(refusal)),
            CommandError::Conflict => Self::Conflict,
            CommandError::Store(store) => Self::Store(store),
        }
    }
}

impl From<sqlx::Error> for ProcessError {
    fn from(error: sqlx::Error) -> Self {
        Self::Store(error.into())
    }
}

impl From<BatchError> for ProcessError {
    fn from(error: BatchError) -> Self {
        match error {
            BatchError::Conflict => Self::Conflict,
            other => Self::Store(StoreError::new(other)),
        }
    }
}
