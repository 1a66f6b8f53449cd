//! Named permissions and the roles that bundle them.
//!
//! Every GraphQL operation declares one permission (or is public / needs only a login); a role
//! is nothing but a fixed set of permissions. API keys carry permissions directly (scopes).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One thing a principal may do. Written `area:verb` on the wire (`catalog:write`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Permission {
    /// Read products, search the catalog.
    CatalogRead,
    /// Create and change products.
    CatalogWrite,
    /// Read any aggregate's event history.
    AuditRead,
    /// Read operational state (dead-lettered events, lag).
    OperationsRead,
    /// Re-drive failed work (dead letters, failed sync items).
    OperationsWrite,
    /// List users and API keys.
    UsersRead,
    /// Create users, grant and revoke roles, disable users.
    UsersManage,
    /// Store credentials in the secrets store (write-only).
    SecretsWrite,
    /// See which secrets exist (never their values).
    SecretsRead,
    /// Read suppliers and their imports.
    SuppliersRead,
    /// Register and change suppliers.
    SuppliersWrite,
    /// Start supplier imports.
    ImportsRun,
    /// Read marketplace accounts and listings.
    MarketplaceRead,
    /// Connect marketplace accounts, manage category mappings.
    MarketplaceWrite,
    /// Publish products and set listing targets.
    PublishingWrite,
    /// Read sync policies and runs.
    SyncRead,
    /// Create and change sync (pricing, stock) policies; approve held prices.
    SyncWrite,
    /// Trigger syncs and retry their failures.
    SyncRun,
    /// Read the sales figures and the marketplace's reports (every role).
    AnalyticsRead,
}

impl Permission {
    pub const ALL: [Permission; 19] = [
        Self::CatalogRead,
        Self::CatalogWrite,
        Self::AuditRead,
        Self::OperationsRead,
        Self::OperationsWrite,
        Self::UsersRead,
        Self::UsersManage,
        Self::SecretsWrite,
        Self::SecretsRead,
        Self::SuppliersRead,
        Self::SuppliersWrite,
        Self::ImportsRun,
        Self::MarketplaceRead,
        Self::MarketplaceWrite,
        Self::PublishingWrite,
        Self::SyncRead,
        Self::SyncWrite,
        Self::SyncRun,
        Self::AnalyticsRead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CatalogRead => "catalog:read",
            Self::CatalogWrite => "catalog:write",
            Self::AuditRead => "audit:read",
            Self::OperationsRead => "operations:read",
            Self::OperationsWrite => "operations:write",
            Self::UsersRead => "users:read",
            Self::UsersManage => "users:manage",
            Self::SecretsWrite => "secrets:write",
            Self::SecretsRead => "secrets:read",
            Self::SuppliersRead => "suppliers:read",
            Self::SuppliersWrite => "suppliers:write",
            Self::ImportsRun => "imports:run",
            Self::MarketplaceRead => "marketplace:read",
            Self::MarketplaceWrite => "marketplace:write",
            Self::PublishingWrite => "publishing:write",
            Self::SyncRead => "sync:read",
            Self::SyncWrite => "sync:write",
            Self::SyncRun => "sync:run",
            Self::AnalyticsRead => "analytics:read",
        }
    }

    /// Read-only permissions: what a viewer has.
    pub fn is_read(self) -> bool {
        matches!(
            self,
            Self::CatalogRead
                | Self::AuditRead
                | Self::OperationsRead
                | Self::SuppliersRead
                | Self::MarketplaceRead
                | Self::SyncRead
                | Self::AnalyticsRead
        )
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown permission {0:?}")]
pub struct UnknownPermission(pub String);

impl FromStr for Permission {
    type Err = UnknownPermission;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == wanted)
            .ok_or_else(|| UnknownPermission(s.to_owned()))
    }
}

impl From<Permission> for String {
    fn from(p: Permission) -> Self {
        p.as_str().to_owned()
    }
}

impl TryFrom<String> for Permission {
    type Error = UnknownPermission;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// A bundle of permissions granted to users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Everything, user management included.
    Admin,
    /// Catalog, pricing and sync policies, suppliers, marketplace accounts, publishing; reads all.
    Manager,
    /// Runs imports and syncs, retries failures; reads all.
    Operator,
    /// Reads only.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Self::Admin, Self::Manager, Self::Operator, Self::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "ADMIN",
            Self::Manager => "MANAGER",
            Self::Operator => "OPERATOR",
            Self::Viewer => "VIEWER",
        }
    }

    /// Whether this role includes the permission.
    pub fn grants(self, permission: Permission) -> bool {
        use Permission as P;
        match self {
            Self::Admin => true,
            Self::Manager => !matches!(permission, P::UsersManage | P::UsersRead),
            Self::Operator => {
                permission.is_read() || matches!(permission, P::ImportsRun | P::SyncRun | P::OperationsWrite)
            }
            Self::Viewer => permission.is_read(),
        }
    }

    /// Every permission of the role, sorted.
    pub fn permissions(self) -> Vec<Permission> {
        Permission::ALL.into_iter().filter(|&p| self.grants(p)).collect()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_names_round_trip() {
        for p in Permission::ALL {
            assert_eq!(p.as_str().parse::<Permission>(), Ok(p));
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.as_str()));
            assert_eq!(serde_json::from_str::<Permission>(&json).unwrap(), p);
        }
        assert!("catalog:delete".parse::<Permission>().is_err());
    }

    #[test]
    fn roles_nest_admin_over_manager_over_operator_over_viewer() {
        let set = |r: Role| r.permissions();
        assert_eq!(set(Role::Admin).len(), Permission::ALL.len());
        for p in set(Role::Viewer) {
            assert!(Role::Operator.grants(p), "{p}");
        }
        for p in set(Role::Operator) {
            assert!(Role::Manager.grants(p), "{p}");
        }
        assert!(!Role::Manager.grants(Permission::UsersManage));
        assert!(Role::Manager.grants(Permission::CatalogWrite));
        assert!(!Role::Operator.grants(Permission::CatalogWrite));
        assert!(Role::Operator.grants(Permission::SyncRun));
        assert!(!Role::Viewer.grants(Permission::SyncRun));
        assert!(set(Role::Viewer).iter().all(|p| p.is_read()));
    }
}
