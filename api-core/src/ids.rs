//! Ids in arguments.

use crate::error::{ErrorCode, api_error};
use async_graphql::{ID, Result};
use uuid::Uuid;

/// Parses an `ID` argument holding a UUID.
pub fn parse_uuid(id: &ID, field: &str) -> Result<Uuid> {
    Uuid::parse_str(id.trim())
        .map_err(|_| api_error(ErrorCode::BadUserInput, format!("{field}: not a valid id"), Some(field)))
}
