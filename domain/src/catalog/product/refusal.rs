use thiserror::Error;

/// Why a product command was refused by the domain. These are answers, not failures: the
/// stored state is untouched. Each variant's doc names the GraphQL `extensions.code` it becomes.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProductRefusal {
    /// `ALREADY_EXISTS`: a product with this SKU is already in the catalog.
    #[error("a product with SKU {sku} already exists")]
    AlreadyExists { sku: String },
    /// `NOT_FOUND`: no product has this id.
    #[error("product not found")]
    NotFound,
    /// `CONFLICT`: the product changed since the version the client based its command on.
    #[error("product is at version {actual}, not the expected {expected}")]
    VersionMismatch { expected: u64, actual: u64 },
    /// `FAILED_PRECONDITION`: archived products are read-only.
    #[error("product is archived")]
    Archived,
}
