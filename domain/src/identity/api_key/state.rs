use super::ApiKeyEvent;
use crate::identity::{ApiKeyName, Permission, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyState {
    pub name: ApiKeyName,
    pub scopes: Vec<Permission>,
    pub owner: UserId,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiKeyState {
    /// Whether the key may be used at `now`.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|at| now < at)
    }
}

/// The `ApiKey` aggregate: `None` until created.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    pub state: Option<ApiKeyState>,
    pub version: u64,
}

impl ApiKey {
    pub fn apply_event(&mut self, event: ApiKeyEvent) {
        self.version += 1;
        match (event, self.state.as_mut()) {
            (
                ApiKeyEvent::ApiKeyCreated {
                    name,
                    scopes,
                    owner,
                    expires_at,
                    at,
                },
                _,
            ) => {
                self.state = Some(ApiKeyState {
                    name,
                    scopes,
                    owner,
                    expires_at,
                    created_at: at,
                    revoked_at: None,
                });
            }
            (ApiKeyEvent::ApiKeyRevoked { at }, Some(state)) => state.revoked_at = Some(at),
            (_, None) => {}
        }
    }
}
