use thiserror::Error;

/// Why a listing command was refused; each variant's doc names its GraphQL code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ListingRefusal {
    /// `BAD_USER_INPUT`.
    #[error("not a valid id")]
    BadId,
    /// `NOT_FOUND`.
    #[error("listing not found")]
    NotFound,
    /// `CONFLICT`: the listing belongs to another account or product.
    #[error("the listing belongs to another account or product")]
    Mismatch,
    /// `CONFLICT`: the step does not follow from the listing's state (a stale worker).
    #[error("{0}")]
    OutOfOrder(&'static str),
}
