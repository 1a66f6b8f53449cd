//! The `ApiKey` aggregate: a credential for a machine client, with explicit scopes.
//!
//! The key's secret is shown once at creation and stored only as a hash beside the stream.
//! Scopes are permissions; a key may carry only permissions its creator holds (checked by the
//! caller, which knows the creator), so a key never widens anyone's rights.

mod aggregate;
mod event;
mod state;

pub use aggregate::ApiKeyServices;
pub use event::ApiKeyEvent;
pub use state::{ApiKey, ApiKeyState};

use super::{ApiKeyName, Permission, UserId};
use chrono::{DateTime, Utc};
use thiserror::Error;

/// A key to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiKey {
    pub name: ApiKeyName,
    pub scopes: Vec<Permission>,
    /// The user creating it; the key acts on their behalf in the audit trail.
    pub owner: UserId,
    /// When the key stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiKeyCommand {
    Create(NewApiKey),
    Revoke,
}

impl ApiKeyCommand {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Create(_) => "CreateApiKey",
            Self::Revoke => "RevokeApiKey",
        }
    }
}

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

/// Decides what a command does to a key. Pure; revoking twice records nothing.
pub fn decide(key: &ApiKey, command: ApiKeyCommand, now: DateTime<Utc>) -> Result<Vec<ApiKeyEvent>, ApiKeyRefusal> {
    match (command, &key.state) {
        (ApiKeyCommand::Create(_), Some(_)) => Err(ApiKeyRefusal::AlreadyExists),
        (ApiKeyCommand::Create(new), None) => {
            if new.scopes.is_empty() {
                return Err(ApiKeyRefusal::NoScopes);
            }
            if new.expires_at.is_some_and(|at| at <= now) {
                return Err(ApiKeyRefusal::ExpiryInPast);
            }
            let mut scopes = new.scopes;
            scopes.sort();
            scopes.dedup();
            Ok(vec![ApiKeyEvent::ApiKeyCreated {
                name: new.name,
                scopes,
                owner: new.owner,
                expires_at: new.expires_at,
                at: now,
            }])
        }
        (ApiKeyCommand::Revoke, None) => Err(ApiKeyRefusal::NotFound),
        (ApiKeyCommand::Revoke, Some(state)) => Ok(if state.revoked_at.is_some() {
            vec![]
        } else {
            vec![ApiKeyEvent::ApiKeyRevoked { at: now }]
        }),
    }
}

#[cfg(test)]
mod tests;
