use crate::identity::{ApiKeyName, Permission, UserId};
use chrono::{DateTime, Utc};

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
