use crate::identity::{ApiKeyName, Permission, UserId};
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

impl cqrs_es::DomainEvent for ApiKeyEvent {
    fn event_type(&self) -> String {
        match self {
            Self::ApiKeyCreated { .. } => "ApiKeyCreated",
            Self::ApiKeyRevoked { .. } => "ApiKeyRevoked",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1".to_owned()
    }
}
