use async_graphql::{Context, InputObject, Object, Result, SimpleObject};
use gomarket_api_core::access::permission;
use gomarket_api_core::context::request_context;
use gomarket_api_core::identity::SecretGql;
use gomarket_api_core::payload::{Payload, UserError};
use gomarket_api_core::{ErrorCode, failure};
use gomarket_domain::identity::Permission;
use gomarket_infra::secrets::{SecretStore, SecretValue};

/// Longest secret value accepted (API tokens are a few kilobytes at most).
const MAX_SECRET_BYTES: usize = 16 * 1024;
const MAX_NAME_CHARS: usize = 200;

#[derive(Debug, Clone, InputObject)]
pub struct StoreSecretInput {
    /// A label ("WB token, main account").
    pub name: String,
    /// The credential. Write-only: no query ever returns it.
    #[graphql(secret)]
    pub value: String,
}

#[derive(Debug, Clone, Default, SimpleObject)]
pub struct SecretPayload {
    pub secret: Option<SecretGql>,
    pub errors: Vec<UserError>,
}

gomarket_api_core::payload!(SecretPayload);

#[derive(Debug, Default)]
pub struct SecretMutation;

#[Object]
impl SecretMutation {
    /// Stores a credential encrypted at rest; answers its id (what other inputs take).
    #[graphql(guard = "permission(Permission::SecretsWrite)")]
    async fn store_secret(&self, ctx: &Context<'_>, input: StoreSecretInput) -> Result<SecretPayload> {
        let name = input.name.trim();
        let mut errors = Vec::new();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
            errors.push(UserError::new(
                ErrorCode::BadUserInput,
                "name",
                format!("must be 1–{MAX_NAME_CHARS} characters without control characters"),
            ));
        }
        if input.value.is_empty() || input.value.len() > MAX_SECRET_BYTES {
            errors.push(UserError::new(
                ErrorCode::BadUserInput,
                "value",
                format!("must be 1–{MAX_SECRET_BYTES} bytes"),
            ));
        }
        if !errors.is_empty() {
            return Ok(SecretPayload::refused(ctx, errors));
        }
        let store = ctx.data::<SecretStore>()?;
        let request = request_context(ctx);
        let stored = store
            .put(name, &SecretValue::new(input.value), &request.actor())
            .await
            .map_err(|e| failure(&e, &request.correlation_id))?;
        Ok(SecretPayload {
            secret: Some(stored.into()),
            errors: vec![],
        })
    }
}
