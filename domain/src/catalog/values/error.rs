use thiserror::Error;

/// Why a raw value was refused by a value type's constructor.
///
/// At the GraphQL edge every variant becomes `BAD_USER_INPUT`, with the input field's name.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ValueError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters long (got {actual})")]
    TooLong { max: usize, actual: usize },
    #[error("must not contain control characters")]
    ControlCharacter,
    #[error("must not be negative")]
    Negative,
    #[error("must be at most {max}")]
    TooLarge { max: i64 },
    #[error("must be 8 (EAN-8), 12 (UPC-A) or 13 (EAN-13) digits")]
    BarcodeFormat,
    #[error("check digit is wrong: expected {expected}, got {actual}")]
    BarcodeCheckDigit { expected: u8, actual: u8 },
    #[error("category path segments must not be empty")]
    EmptyCategorySegment,
    #[error("category path must have at most {max} levels")]
    CategoryTooDeep { max: usize },
    #[error("is not a valid id")]
    BadId,
}
