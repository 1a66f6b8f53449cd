use super::refusal::{api_key_refusal, concurrent_change, value_error};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use gomarket_api_core::access::{authenticated, principal};
use gomarket_api_core::command::{Outcome, command_metadata, outcome};
use gomarket_api_core::context::request_context;
use gomarket_api_core::identity::ApiKeyGql;
use gomarket_api_core::ids::parse_uuid;
use gomarket_api_core::payload::{Payload, UserError};
use gomarket_api_core::{ErrorCode, failure};
use gomarket_domain::identity::{ApiKeyCommand, ApiKeyId, ApiKeyName, NewApiKey, Permission, PrincipalKind};
use gomarket_infra::identity::IdentityService;
use std::sync::Arc;

#[derive(Debug, Clone, InputObject)]
pub struct CreateApiKeyInput {
    pub name: String,
    /// Permissions (`catalog:read`, `imports:run`, ...); each must be one the caller holds.
    pub scopes: Vec<String>,
    /// When the key stops working; never when absent.
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, SimpleObject)]
pub struct ApiKeyPayload {
    pub api_key: Option<ApiKeyGql>,
    /// The key to send as `X-Api-Key`. Shown only in `createApiKey`'s answer: keep it now.
    pub key: Option<String>,
    pub errors: Vec<UserError>,
    pub consistency_token: Option<String>,
}

gomarket_api_core::payload!(ApiKeyPayload);

impl ApiKeyPayload {}

#[derive(Debug, Default)]
pub struct ApiKeyMutation;

#[Object]
impl ApiKeyMutation {
    /// Creates an API key acting for the calling user, with a subset of the caller's
    /// permissions. Only users create keys (a key cannot mint keys).
    #[graphql(guard = "authenticated()")]
    async fn create_api_key(&self, ctx: &Context<'_>, input: CreateApiKeyInput) -> Result<ApiKeyPayload> {
        let principal = principal(ctx)?;
        let PrincipalKind::User { id: owner, .. } = principal.kind else {
            let error = UserError::new(ErrorCode::Forbidden, "scopes", "an API key cannot create API keys");
            return Ok(ApiKeyPayload::refused(ctx, vec![error]));
        };
        let mut errors = Vec::new();
        let name = ApiKeyName::parse(&input.name)
            .map_err(|e| errors.push(value_error("name", &e)))
            .ok();
        let mut scopes = Vec::new();
        for raw in &input.scopes {
            match raw.parse::<Permission>() {
                Ok(p) if principal.can(p) => scopes.push(p),
                Ok(p) => errors.push(UserError::new(
                    ErrorCode::Forbidden,
                    "scopes",
                    format!("you do not hold {p}, so a key of yours cannot either"),
                )),
                Err(e) => errors.push(UserError::new(ErrorCode::BadUserInput, "scopes", e.to_string())),
            }
        }
        let (Some(name), true) = (name, errors.is_empty()) else {
            return Ok(ApiKeyPayload::refused(ctx, errors));
        };
        let identity = ctx.data::<Arc<IdentityService>>()?;
        let new = NewApiKey {
            name,
            scopes,
            owner,
            expires_at: input.expires_at,
        };
        let result = identity
            .create_api_key(&principal, new, &command_metadata(ctx, "CreateApiKey"))
            .await;
        Ok(match outcome(ctx, result, api_key_refusal, concurrent_change)? {
            Outcome::Done(created) => ApiKeyPayload {
                api_key: created
                    .executed
                    .aggregate
                    .state
                    .as_ref()
                    .map(|s| ApiKeyGql::new(created.id, s, Utc::now())),
                key: Some(created.key),
                errors: vec![],
                consistency_token: created.executed.token.map(|t| t.encode()),
            },
            Outcome::Refused(errors) => ApiKeyPayload::refused(ctx, errors),
        })
    }

    /// Revokes a key: it stops working at once. Owners revoke their own keys; holders of
    /// `users:manage` revoke anyone's.
    #[graphql(guard = "authenticated()")]
    async fn revoke_api_key(&self, ctx: &Context<'_>, id: ID) -> Result<ApiKeyPayload> {
        let principal = principal(ctx)?;
        let Ok(id) = parse_uuid(&id, "id").map(ApiKeyId::from) else {
            let error = UserError::new(ErrorCode::BadUserInput, "id", "not a valid id");
            return Ok(ApiKeyPayload::refused(ctx, vec![error]));
        };
        let identity = ctx.data::<Arc<IdentityService>>()?;
        let fail = |e: &(dyn std::error::Error + 'static)| failure(e, &request_context(ctx).correlation_id);
        let key = identity.api_key(id).await.map_err(|e| fail(&e))?;
        let Some(state) = key.state else {
            let error = UserError::new(ErrorCode::NotFound, "id", "API key not found");
            return Ok(ApiKeyPayload::refused(ctx, vec![error]));
        };
        if state.owner != principal.user_id() && !principal.can(Permission::UsersManage) {
            let error = UserError::new(
                ErrorCode::Forbidden,
                "id",
                "only the key's owner or a holder of users:manage may revoke it",
            );
            return Ok(ApiKeyPayload::refused(ctx, vec![error]));
        }
        let result = identity
            .revoke_api_key(id, &command_metadata(ctx, ApiKeyCommand::Revoke.name()))
            .await;
        Ok(match outcome(ctx, result, api_key_refusal, concurrent_change)? {
            Outcome::Done(executed) => ApiKeyPayload {
                api_key: executed
                    .aggregate
                    .state
                    .as_ref()
                    .map(|s| ApiKeyGql::new(id, s, Utc::now())),
                key: None,
                errors: vec![],
                consistency_token: executed.token.map(|t| t.encode()),
            },
            Outcome::Refused(errors) => ApiKeyPayload::refused(ctx, errors),
        })
    }
}
