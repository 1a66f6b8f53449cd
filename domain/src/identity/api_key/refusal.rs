use thiserror::Error;

/// Why an API key command was refused; each variant's doc names its GraphQL code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ApiKeyRefusal {
    /// `ALREADY_EXISTS`: the id is taken (a retried create).
    #[error("the API key exists already")]
    AlreadyExists,
    /// `NOT_FOUND`: no such key.
    #[error("API key not found")]
    NotFound,
    /// `BAD_USER_INPUT` on `scopes`: a key needs at least one scope.
    #[error("an API key needs at least one scope")]
    NoScopes,
    /// `BAD_USER_INPUT` on `expiresAt`: already past.
    #[error("the expiry must be in the future")]
    ExpiryInPast,
}
