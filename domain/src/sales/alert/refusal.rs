use thiserror::Error;

/// Why an alert command was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AlertRefusal {
    /// `BAD_USER_INPUT`.
    #[error("not a valid id")]
    BadId,
    /// `NOT_FOUND`: nothing was ever raised on this stream.
    #[error("no such alert")]
    Unknown,
    /// `CONFLICT`: a raise for another condition or subject than the stream's (a bug).
    #[error("the alert stream belongs to another condition or subject")]
    Mismatch,
}
