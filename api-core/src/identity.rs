//! GraphQL types of identity: `User`, `ApiKey`, `Secret` (metadata only), `Me`, roles.

use async_graphql::{Enum, ID, SimpleObject};
use chrono::{DateTime, Utc};
use gomarket_domain::identity::{ApiKeyId, ApiKeyState, Role, UserId, UserState};
use gomarket_infra::secrets::SecretMetadata;

/// A bundle of permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "Role")]
pub enum RoleGql {
    /// Everything, user management included.
    Admin,
    /// Catalog, pricing and sync policies, suppliers, marketplace accounts, publishing.
    Manager,
    /// Runs imports and syncs, retries failures, reads all.
    Operator,
    /// Reads only.
    Viewer,
}

impl From<RoleGql> for Role {
    fn from(r: RoleGql) -> Self {
        match r {
            RoleGql::Admin => Role::Admin,
            RoleGql::Manager => Role::Manager,
            RoleGql::Operator => Role::Operator,
            RoleGql::Viewer => Role::Viewer,
        }
    }
}

impl From<Role> for RoleGql {
    fn from(r: Role) -> Self {
        match r {
            Role::Admin => RoleGql::Admin,
            Role::Manager => RoleGql::Manager,
            Role::Operator => RoleGql::Operator,
            Role::Viewer => RoleGql::Viewer,
        }
    }
}

/// A person who logs in.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "User")]
pub struct UserGql {
    pub id: ID,
    /// The login: an e-mail address, or a user name such as the first-run `admin`.
    pub email: String,
    pub roles: Vec<RoleGql>,
    /// What the roles allow (`catalog:write`, ...); empty while disabled.
    pub permissions: Vec<String>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl UserGql {
    pub fn new(id: UserId, version: u64, state: &UserState) -> Self {
        Self {
            id: ID(id.to_string()),
            email: state.login.to_string(),
            roles: state.roles.iter().map(|&r| r.into()).collect(),
            permissions: state.permissions().iter().map(|p| p.to_string()).collect(),
            disabled: state.disabled,
            created_at: state.created_at,
            updated_at: state.updated_at,
            version: version as i64,
        }
    }
}

/// A credential for a machine client (its secret is shown once, at creation).
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "ApiKey")]
pub struct ApiKeyGql {
    pub id: ID,
    pub name: String,
    /// Permissions the key carries (narrowed, when used, to what its owner may still do).
    pub scopes: Vec<String>,
    pub owner_id: ID,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub active: bool,
}

impl ApiKeyGql {
    pub fn new(id: ApiKeyId, state: &ApiKeyState, now: DateTime<Utc>) -> Self {
        Self {
            id: ID(id.to_string()),
            name: state.name.as_str().to_owned(),
            scopes: state.scopes.iter().map(|p| p.to_string()).collect(),
            owner_id: ID(state.owner.to_string()),
            created_at: state.created_at,
            expires_at: state.expires_at,
            revoked_at: state.revoked_at,
            active: state.is_active(now),
        }
    }
}

/// What kind of principal is calling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "PrincipalKind")]
pub enum PrincipalKindGql {
    User,
    ApiKey,
}

/// Who is calling.
#[derive(Debug, Clone, SimpleObject)]
pub struct Me {
    /// The user's id, or the API key's.
    pub id: ID,
    pub kind: PrincipalKindGql,
    /// The user's login (for an API key, its owner's).
    pub email: Option<String>,
    /// The user's roles (for an API key, none: it acts with its scopes).
    pub roles: Vec<RoleGql>,
    /// As recorded in event metadata: `user:<login>` or `api-key:<id>`.
    pub actor: String,
    pub permissions: Vec<String>,
    /// The user, when a user is calling.
    pub user: Option<UserGql>,
    /// The key, when an API key is calling.
    pub api_key: Option<ApiKeyGql>,
}

/// A stored credential, without its value (values are write-only).
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "Secret")]
pub struct SecretGql {
    pub id: ID,
    pub name: String,
    /// Fingerprint of the key that encrypts it.
    pub key_id: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub rotated_at: Option<DateTime<Utc>>,
}

impl From<SecretMetadata> for SecretGql {
    fn from(m: SecretMetadata) -> Self {
        Self {
            id: ID(m.id.to_string()),
            name: m.name,
            key_id: m.key_id,
            created_at: m.created_at,
            created_by: m.created_by,
            rotated_at: m.rotated_at,
        }
    }
}
