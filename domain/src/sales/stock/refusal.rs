use thiserror::Error;

/// Why a stock command was refused: only for naming another article than the stream's.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StockRefusal {
    /// `BAD_USER_INPUT`.
    #[error("not a valid id")]
    BadId,
    /// A row of another article or account (an ingester bug).
    #[error("the row belongs to another article")]
    Mismatch,
}
