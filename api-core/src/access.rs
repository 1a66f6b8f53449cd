//! Who may call what: the guards every query field, mutation and subscription declares.
//!
//! - [`Access::Public`]: anyone (only `login` and `refreshToken`);
//! - [`Access::Authenticated`]: any logged-in user or API key (`me`, `logout`, ...);
//! - [`Access::Permission`]: holders of one named permission.
//!
//! Anonymous callers of a guarded field get `UNAUTHENTICATED` (with the reason their
//! credentials were refused, if they sent any); callers without the permission get
//! `FORBIDDEN` naming it.

use crate::context::request_context;
use crate::error::{ErrorCode, api_error};
use async_graphql::{Context, Guard, Result};
use gomarket_domain::identity::{Permission, Principal};

/// What an operation requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    Authenticated,
    Permission(Permission),
}

impl Guard for Access {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        match self {
            Access::Public => Ok(()),
            Access::Authenticated => principal(ctx).map(drop),
            Access::Permission(permission) => require(ctx, *permission).map(drop),
        }
    }
}

/// A guard for holders of `permission` (for `#[graphql(guard = "...")]`).
pub fn permission(permission: Permission) -> Access {
    Access::Permission(permission)
}

/// A guard for any authenticated caller.
pub fn authenticated() -> Access {
    Access::Authenticated
}

/// A guard that lets everyone through.
pub fn public() -> Access {
    Access::Public
}

/// The caller, or `UNAUTHENTICATED`.
pub fn principal(ctx: &Context<'_>) -> Result<Principal> {
    let request = request_context(ctx);
    request.principal.ok_or_else(|| {
        let message = match request.auth_error {
            Some(reason) => format!("authentication failed: {reason}"),
            None => "authentication required: send `Authorization: Bearer <access token>` or `X-Api-Key`".to_owned(),
        };
        api_error(ErrorCode::Unauthenticated, message, None)
    })
}

/// The caller if it holds `permission`; `UNAUTHENTICATED` or `FORBIDDEN` otherwise.
pub fn require(ctx: &Context<'_>, permission: Permission) -> Result<Principal> {
    let principal = principal(ctx)?;
    if principal.can(permission) {
        Ok(principal)
    } else {
        Err(api_error(
            ErrorCode::Forbidden,
            format!("permission {permission} is required"),
            None,
        ))
    }
}
