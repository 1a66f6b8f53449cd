use thiserror::Error;

/// Why an order command was refused. Report rows are facts: a row is never refused for what
/// it says, only for naming another order than the stream's.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OrderRefusal {
    /// `BAD_USER_INPUT`.
    #[error("not a valid id")]
    BadId,
    /// The row belongs to another order or account (an ingester bug).
    #[error("the row belongs to another order")]
    Mismatch,
}
