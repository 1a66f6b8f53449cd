//! Identity refusals and value errors as user errors.

use gomarket_api_core::ErrorCode;
use gomarket_api_core::payload::UserError;
use gomarket_domain::identity::{ApiKeyRefusal, IdentityValueError, UserRefusal};

pub(crate) fn user_refusal(refusal: &UserRefusal, id_field: &str) -> UserError {
    let message = refusal.to_string();
    match refusal {
        UserRefusal::AlreadyExists { .. } => UserError::new(ErrorCode::AlreadyExists, "email", message),
        UserRefusal::NotFound => UserError::new(ErrorCode::NotFound, id_field, message),
        UserRefusal::NoRoles => UserError::new(ErrorCode::BadUserInput, "roles", message),
        UserRefusal::LastRole => UserError::new(ErrorCode::FailedPrecondition, "role", message),
    }
}

pub(crate) fn api_key_refusal(refusal: &ApiKeyRefusal) -> UserError {
    let message = refusal.to_string();
    match refusal {
        ApiKeyRefusal::AlreadyExists => UserError::new(ErrorCode::AlreadyExists, "id", message),
        ApiKeyRefusal::NotFound => UserError::new(ErrorCode::NotFound, "id", message),
        ApiKeyRefusal::NoScopes => UserError::new(ErrorCode::BadUserInput, "scopes", message),
        ApiKeyRefusal::ExpiryInPast => UserError::new(ErrorCode::BadUserInput, "expiresAt", message),
    }
}

pub(crate) fn value_error(field: &str, error: &IdentityValueError) -> UserError {
    UserError::new(ErrorCode::BadUserInput, field, error.to_string())
}

/// A lost race on the same aggregate: the caller should re-read and retry.
pub(crate) fn concurrent_change() -> UserError {
    UserError::new(ErrorCode::Conflict, "id", "changed concurrently; re-read and retry")
}
