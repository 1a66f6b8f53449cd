use async_graphql::{Context, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use gomarket_api_core::access::{authenticated, principal, public};
use gomarket_api_core::context::request_context;
use gomarket_api_core::payload::{Payload, UserError};
use gomarket_api_core::{ErrorCode, OrInternal, failure};
use gomarket_infra::identity::{IdentityService, LoginError, RefreshError, Session};
use std::sync::Arc;

/// A new session: a short-lived access token and the refresh token that renews it.
#[derive(Debug, Clone, Default, SimpleObject)]
pub struct AuthPayload {
    /// Send as `Authorization: Bearer <accessToken>`.
    pub access_token: Option<String>,
    /// When the access token expires (15 minutes by default).
    pub expires_at: Option<DateTime<Utc>>,
    /// Single use: `refreshToken(token)` returns a new pair; reusing one revokes the session.
    pub refresh_token: Option<String>,
    pub refresh_expires_at: Option<DateTime<Utc>>,
    pub errors: Vec<UserError>,
}

gomarket_api_core::payload!(AuthPayload);

impl AuthPayload {
    fn from_session(session: Session) -> Self {
        Self {
            access_token: Some(session.access_token),
            expires_at: Some(session.expires_at),
            refresh_token: Some(session.refresh_token),
            refresh_expires_at: Some(session.refresh_expires_at),
            errors: vec![],
        }
    }
}

#[derive(Debug, Clone, SimpleObject)]
pub struct LogoutPayload {
    /// How many refresh tokens were revoked.
    pub revoked: i64,
    pub errors: Vec<UserError>,
}

#[derive(Debug, Default)]
pub struct SessionMutation;

#[Object]
impl SessionMutation {
    /// Opens a session. Failures are `UNAUTHENTICATED` (never saying whether the login
    /// exists); repeated failures for one account or address are `RATE_LIMITED` with a
    /// `Retry-After` header.
    #[graphql(guard = "public()")]
    async fn login(
        &self,
        ctx: &Context<'_>,
        email: String,
        #[graphql(secret)] password: String,
    ) -> Result<AuthPayload> {
        let identity = ctx.data::<Arc<IdentityService>>()?;
        let request = request_context(ctx);
        match identity
            .login(&email, &password, request.client_address.as_deref())
            .await
        {
            Ok(session) => Ok(AuthPayload::from_session(session)),
            Err(LoginError::InvalidCredentials) => Ok(AuthPayload::refused(
                ctx,
                vec![UserError::new(
                    ErrorCode::Unauthenticated,
                    "password",
                    "wrong login or password",
                )],
            )),
            Err(error @ LoginError::Limited { retry_after }) => {
                ctx.insert_http_header("retry-after", retry_after.as_secs().max(1).to_string());
                Ok(AuthPayload::refused(
                    ctx,
                    vec![UserError::new(ErrorCode::RateLimited, "email", error.to_string())],
                ))
            }
            Err(error @ LoginError::Busy) => {
                ctx.insert_http_header("retry-after", "1");
                Ok(AuthPayload::refused(
                    ctx,
                    vec![UserError::new(ErrorCode::RateLimited, "email", error.to_string())],
                ))
            }
            Err(error @ LoginError::LoginTooLong) => Ok(AuthPayload::refused(
                ctx,
                vec![UserError::new(ErrorCode::BadUserInput, "email", error.to_string())],
            )),
            Err(error @ LoginError::Store(_)) => Err(failure(&error, &request.correlation_id)),
        }
    }

    /// Trades a refresh token for a new access token and a new refresh token. Each refresh
    /// token works once: using it again revokes its whole session.
    #[graphql(guard = "public()")]
    async fn refresh_token(&self, ctx: &Context<'_>, #[graphql(secret)] token: String) -> Result<AuthPayload> {
        let identity = ctx.data::<Arc<IdentityService>>()?;
        match identity.refresh(&token).await {
            Ok(session) => Ok(AuthPayload::from_session(session)),
            Err(error @ (RefreshError::Invalid | RefreshError::Reused { .. })) => Ok(AuthPayload::refused(
                ctx,
                vec![UserError::new(ErrorCode::Unauthenticated, "token", error.to_string())],
            )),
            Err(error @ RefreshError::Store(_)) => Err(failure(&error, &request_context(ctx).correlation_id)),
        }
    }

    /// Ends the caller's session (the one its access token belongs to) and the session of
    /// `refreshToken` (when it is the caller's); with `everywhere`, every session of the
    /// caller. Their refresh tokens stop working, and so do their access tokens, on every
    /// replica (within a second; at once with Redis).
    #[graphql(guard = "authenticated()")]
    async fn logout(
        &self,
        ctx: &Context<'_>,
        #[graphql(secret)] refresh_token: Option<String>,
        #[graphql(default = false)] everywhere: bool,
    ) -> Result<LogoutPayload> {
        let principal = principal(ctx)?;
        let identity = ctx.data::<Arc<IdentityService>>()?;
        let revoked = identity
            .logout(
                principal.user_id(),
                request_context(ctx).session,
                refresh_token.as_deref(),
                everywhere,
            )
            .await
            .or_internal(ctx)?;
        Ok(LogoutPayload {
            revoked: revoked as i64,
            errors: vec![],
        })
    }
}
