use async_graphql::{Context, ID, Object, Result};
use chrono::Utc;
use gomarket_api_core::access::{authenticated, permission, principal};
use gomarket_api_core::context::request_context;
use gomarket_api_core::error::{ErrorCode, OrInternal, api_error, failure};
use gomarket_api_core::identity::{ApiKeyGql, Me, PrincipalKindGql, SecretGql, UserGql};
use gomarket_api_core::ids::parse_uuid;
use gomarket_api_core::paging::{Connection, ListPageInfo, edges, page_in_memory, page_size};
use gomarket_domain::identity::{Permission, PrincipalKind, UserId};
use gomarket_infra::identity::IdentityService;
use gomarket_infra::secrets::SecretStore;
use std::sync::Arc;

type UserConnection = Connection<UserGql, ListPageInfo>;
type ApiKeyConnection = Connection<ApiKeyGql, ListPageInfo>;
type SecretConnection = Connection<SecretGql, ListPageInfo>;

#[derive(Debug, Default)]
pub struct IdentityQuery;

#[Object]
impl IdentityQuery {
    /// The caller: user or API key, and what it may do.
    #[graphql(guard = "authenticated()")]
    async fn me(&self, ctx: &Context<'_>) -> Result<Me> {
        let principal = principal(ctx)?;
        let identity = ctx.data::<Arc<IdentityService>>()?;
        let fail = |e: &(dyn std::error::Error + 'static)| failure(e, &request_context(ctx).correlation_id);
        let me = match &principal.kind {
            PrincipalKind::User { id, .. } => {
                let user = identity.user(*id).await.map_err(|e| fail(&e))?;
                let user = user.state.as_ref().map(|s| UserGql::new(*id, user.version, s));
                Me {
                    id: ID(id.to_string()),
                    kind: PrincipalKindGql::User,
                    email: user.as_ref().map(|u| u.email.clone()),
                    roles: user.as_ref().map(|u| u.roles.clone()).unwrap_or_default(),
                    actor: principal.actor(),
                    permissions: vec![],
                    user,
                    api_key: None,
                }
            }
            PrincipalKind::ApiKey { id, owner, .. } => {
                let key = identity.api_key(*id).await.map_err(|e| fail(&e))?;
                let owner = identity.user(*owner).await.map_err(|e| fail(&e))?;
                Me {
                    id: ID(id.to_string()),
                    kind: PrincipalKindGql::ApiKey,
                    email: owner.state.as_ref().map(|s| s.login.to_string()),
                    roles: vec![],
                    actor: principal.actor(),
                    permissions: vec![],
                    user: None,
                    api_key: key.state.as_ref().map(|s| ApiKeyGql::new(*id, s, Utc::now())),
                }
            }
        };
        Ok(Me {
            permissions: principal.permissions.iter().map(|p| p.to_string()).collect(),
            ..me
        })
    }

    /// Every user, oldest first.
    #[graphql(guard = "permission(Permission::UsersRead)")]
    async fn users(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> Result<UserConnection> {
        let first = page_size(first)?;
        let identity = ctx.data::<Arc<IdentityService>>()?;
        let all: Vec<UserGql> = identity
            .users()
            .await
            .or_internal(ctx)?
            .into_iter()
            .filter_map(|(id, user)| user.state.as_ref().map(|s| UserGql::new(id, user.version, s)))
            .collect();
        page_in_memory(all, first, after.as_deref(), |u| u.id.to_string())
    }

    /// One user by id.
    #[graphql(guard = "permission(Permission::UsersRead)")]
    async fn user(&self, ctx: &Context<'_>, id: ID) -> Result<UserGql> {
        let id = UserId::from(parse_uuid(&id, "id")?);
        let identity = ctx.data::<Arc<IdentityService>>()?;
        let user = identity.user(id).await.or_internal(ctx)?;
        user.state
            .as_ref()
            .map(|s| UserGql::new(id, user.version, s))
            .ok_or_else(|| api_error(ErrorCode::NotFound, format!("no user with id {id}"), Some("id")))
    }

    /// API keys: the caller's own, or everyone's for holders of `users:read`
    /// (`ownerId` narrows to one user).
    #[graphql(guard = "authenticated()")]
    async fn api_keys(
        &self,
        ctx: &Context<'_>,
        owner_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ApiKeyConnection> {
        let principal = principal(ctx)?;
        let first = page_size(first)?;
        let requested = owner_id
            .map(|id| parse_uuid(&id, "ownerId").map(UserId::from))
            .transpose()?;
        let owner = if principal.can(Permission::UsersRead) {
            requested
        } else {
            match requested {
                Some(id) if id != principal.user_id() => {
                    return Err(api_error(
                        ErrorCode::Forbidden,
                        "permission users:read is required to list other users' keys",
                        Some("ownerId"),
                    ));
                }
                _ => Some(principal.user_id()),
            }
        };
        let identity = ctx.data::<Arc<IdentityService>>()?;
        let now = Utc::now();
        let all: Vec<ApiKeyGql> = identity
            .api_keys(owner)
            .await
            .or_internal(ctx)?
            .into_iter()
            .filter_map(|(id, key)| key.state.as_ref().map(|s| ApiKeyGql::new(id, s, now)))
            .collect();
        page_in_memory(all, first, after.as_deref(), |k| k.id.to_string())
    }

    /// Stored secrets, without their values (values are never returned).
    #[graphql(guard = "permission(Permission::SecretsRead)")]
    async fn secrets(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<ID>) -> Result<SecretConnection> {
        let first = page_size(first)?;
        let after = after.map(|id| parse_uuid(&id, "after")).transpose()?;
        let store = ctx.data::<SecretStore>()?;
        let (mut found, total_count) = store.list(first as i64 + 1, after).await.or_internal(ctx)?;
        let has_next_page = found.len() > first;
        found.truncate(first);
        let nodes: Vec<SecretGql> = found.into_iter().map(Into::into).collect();
        Ok(SecretConnection {
            edges: edges(&nodes, |s| s.id.to_string()),
            page_info: ListPageInfo {
                has_next_page,
                end_cursor: nodes.last().map(|s| s.id.to_string()),
            },
            nodes,
            total_count,
        })
    }
}
