use crate::identity::{ApiKeyName, Permission, UserId};
use crate::macros::domain_event;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Facts about an API key (never its secret or the secret's hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApiKeyEvent {
    ApiKeyCreated {
        name: ApiKeyName,
        scopes: Vec<Permission>,
        owner: UserId,
        expires_at: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    },
    ApiKeyRevoked {
        at: DateTime<Utc>,
    },
}

domain_event!(ApiKeyEvent: ApiKeyCreated, ApiKeyRevoked);
