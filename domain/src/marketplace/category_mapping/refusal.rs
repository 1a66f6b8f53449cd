use thiserror::Error;

/// Why a mapping command was refused; each variant's doc names its GraphQL code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MappingRefusal {
    /// `BAD_USER_INPUT`.
    #[error("not a valid id")]
    BadId,
    /// `BAD_USER_INPUT`.
    #[error("category must not be empty")]
    EmptyCategory,
    /// `BAD_USER_INPUT`.
    #[error("characteristic {0} is listed twice")]
    DuplicateCharacteristic(u64),
    /// `BAD_USER_INPUT` on `typeId`.
    #[error("a category on {0} needs its product type (typeId)")]
    TypeRequired(&'static str),
    /// `BAD_USER_INPUT` on `typeId`.
    #[error("{0} has no product types: leave typeId out")]
    TypeNotUsed(&'static str),
}
