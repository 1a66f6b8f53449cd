use thiserror::Error;

/// Why an account command was refused; each variant's doc names its GraphQL code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AccountRefusal {
    /// `BAD_USER_INPUT`.
    #[error("not a valid id")]
    BadId,
    /// `CONFLICT`.
    #[error("the account is already connected")]
    AlreadyConnected,
    /// `NOT_FOUND`.
    #[error("marketplace account not found")]
    NotFound,
    /// `BAD_USER_INPUT`.
    #[error("at least one warehouse id is needed to push stocks")]
    NoWarehouse,
    /// `BAD_USER_INPUT` on `clientId`.
    #[error("an account on {0} needs its seller's Client-Id")]
    ClientIdRequired(&'static str),
    /// `BAD_USER_INPUT` on `clientId`.
    #[error("{0} has no Client-Id: leave clientId out")]
    ClientIdNotUsed(&'static str),
}
