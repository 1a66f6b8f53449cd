use thiserror::Error;

/// Why an import command was refused; each variant's doc names its GraphQL code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ImportRefusal {
    /// `ALREADY_EXISTS`: this import id has started already.
    #[error("the import has started already")]
    AlreadyStarted,
    /// `NOT_FOUND`.
    #[error("import not found")]
    NotFound,
    /// `FAILED_PRECONDITION`: the import has ended.
    #[error("the import has already ended")]
    Finished,
}
