//! A failure of the store (PostgreSQL under the event store, or the tables beside it), kept
//! with its cause so it is logged whole and classified once, at the edge: the database being
//! unreachable is not a bug.

use std::error::Error;

/// The store failed; its source says how.
#[derive(Debug, thiserror::Error)]
#[error("event store failure: {0}")]
pub struct StoreError(#[source] Box<dyn Error + Send + Sync + 'static>);

impl StoreError {
    pub fn new(cause: impl Into<Box<dyn Error + Send + Sync + 'static>>) -> Self {
        Self(cause.into())
    }

    /// Whether the database could not be reached or did not answer in time (as opposed to a
    /// query or data that is wrong): somewhere in the cause is such a [`sqlx::Error`].
    pub fn is_unavailable(&self) -> bool {
        unavailable_anywhere(self.0.as_ref())
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        Self::new(error)
    }
}

/// Whether `error` or any of its causes is a [`sqlx::Error`] that means the database is not
/// there ([`is_unavailable`]).
pub fn unavailable_anywhere(error: &(dyn Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if error.downcast_ref::<sqlx::Error>().is_some_and(is_unavailable) {
            return true;
        }
        cause = error.source();
    }
    false
}

/// The `sqlx` errors that mean "the database is not there": no connection, a dropped one, a
/// pool that timed out, or a server shutting down or refusing connections (SQLSTATE class 08,
/// 57P01–57P03, 53300).
pub fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => true,
        sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03" | "53300")
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unavailability_is_found_anywhere_in_the_cause() {
        assert!(StoreError::from(sqlx::Error::PoolTimedOut).is_unavailable());
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert!(StoreError::from(sqlx::Error::Io(io)).is_unavailable());
        assert!(!StoreError::from(sqlx::Error::RowNotFound).is_unavailable());
        #[derive(Debug, thiserror::Error)]
        #[error("wrapped")]
        struct Wrapped(#[source] sqlx::Error);
        assert!(StoreError::new(Wrapped(sqlx::Error::PoolTimedOut)).is_unavailable());
        assert!(!StoreError::new("a bug").is_unavailable());
    }
}
