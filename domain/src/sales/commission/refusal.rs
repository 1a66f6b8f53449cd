use thiserror::Error;

/// Why a commission command was refused: only for naming another subject than the stream's.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CommissionRefusal {
    /// `BAD_USER_INPUT`.
    #[error("not a valid id")]
    BadId,
    /// Rates of another subject (an ingester bug).
    #[error("the rates belong to another subject")]
    Mismatch,
}
