use super::{ApiKeyId, LoginName, Permission, UserId};
use std::collections::BTreeSet;

/// Who is acting: a logged-in user or an API key, with the permissions in force right now
/// (from the user's current roles, or the key's scopes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub kind: PrincipalKind,
    pub permissions: BTreeSet<Permission>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalKind {
    User { id: UserId, login: LoginName },
    ApiKey { id: ApiKeyId, name: String, owner: UserId },
}

impl Principal {
    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    /// How the principal is named in event metadata and logs: `user:<login>` or
    /// `api-key:<id>` (stable even if the key is renamed).
    pub fn actor(&self) -> String {
        match &self.kind {
            PrincipalKind::User { login, .. } => format!("user:{login}"),
            PrincipalKind::ApiKey { id, .. } => format!("api-key:{id}"),
        }
    }

    /// The user acting, or on whose behalf the key acts.
    pub fn user_id(&self) -> UserId {
        match &self.kind {
            PrincipalKind::User { id, .. } => *id,
            PrincipalKind::ApiKey { owner, .. } => *owner,
        }
    }
}
