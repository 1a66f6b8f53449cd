use thiserror::Error;

/// Why a supplier command was refused; each variant's doc names its GraphQL code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SupplierRefusal {
    /// `ALREADY_EXISTS`: a supplier with this name is registered.
    #[error("a supplier named {name} is already registered")]
    AlreadyExists { name: String },
    /// `NOT_FOUND`.
    #[error("supplier not found")]
    NotFound,
}
