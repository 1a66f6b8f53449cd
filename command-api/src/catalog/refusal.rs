//! Domain refusals and store conflicts as user errors.

use gomarket_api_core::ErrorCode;
use gomarket_api_core::payload::UserError;
use gomarket_domain::catalog::ProductRefusal;

pub(crate) fn product_refusal(refusal: &ProductRefusal) -> UserError {
    let message = refusal.to_string();
    match refusal {
        ProductRefusal::AlreadyExists { .. } => UserError::new(ErrorCode::AlreadyExists, "sku", message),
        ProductRefusal::NotFound => UserError::new(ErrorCode::NotFound, "id", message),
        ProductRefusal::VersionMismatch { .. } => UserError::new(ErrorCode::Conflict, "expectedVersion", message),
        ProductRefusal::Archived => UserError::new(ErrorCode::FailedPrecondition, "id", message),
    }
}

/// Another writer committed to the same product between our read and our write.
pub(crate) fn concurrent_write(creating: bool) -> UserError {
    if creating {
        // Two creates of one SKU raced; the other one won.
        UserError::new(
            ErrorCode::AlreadyExists,
            "sku",
            "a product with this SKU was just created",
        )
    } else {
        UserError::new(
            ErrorCode::Conflict,
            "expectedVersion",
            "the product was changed concurrently; re-read it and retry",
        )
    }
}
