use super::{ApiKey, ApiKeyCommand, ApiKeyEvent, ApiKeyRefusal};
use chrono::{DateTime, Utc};

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
