use super::refusal::{concurrent_change, user_refusal, value_error};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use gomarket_api_core::access::{authenticated, permission, principal};
use gomarket_api_core::command::{self, Outcome, command_metadata};
use gomarket_api_core::identity::{RoleGql, UserGql};
use gomarket_api_core::ids::parse_uuid;
use gomarket_api_core::payload::{Payload, UserError};
use gomarket_api_core::{ErrorCode, OrInternal};
use gomarket_domain::identity::{LoginName, Password, Permission, PrincipalKind, Role, User, UserCommand, UserId};
use gomarket_infra::event_store::{CommandError, Executed};
use gomarket_infra::identity::IdentityService;
use std::sync::Arc;

#[derive(Debug, Clone, InputObject)]
pub struct CreateUserInput {
    /// The login: an e-mail address (or a plain user name).
    pub email: String,
    /// At least 10 characters.
    #[graphql(secret)]
    pub password: String,
    /// At least one.
    pub roles: Vec<RoleGql>,
}

/// What a user mutation answers.
#[derive(Debug, Clone, Default, SimpleObject)]
pub struct UserPayload {
    pub user: Option<UserGql>,
    pub errors: Vec<UserError>,
    pub consistency_token: Option<String>,
}

gomarket_api_core::payload!(UserPayload);

impl UserPayload {
    fn accepted(id: UserId, executed: Executed<User>) -> Self {
        Self {
            user: executed
                .aggregate
                .state
                .as_ref()
                .map(|s| UserGql::new(id, executed.version, s)),
            errors: vec![],
            consistency_token: executed.token.map(|t| t.encode()),
        }
    }
}

fn outcome(
    ctx: &Context<'_>,
    id: UserId,
    id_field: &str,
    result: Result<Executed<User>, CommandError<gomarket_domain::identity::UserRefusal>>,
) -> Result<UserPayload> {
    let refused = |r: &gomarket_domain::identity::UserRefusal| user_refusal(r, id_field);
    Ok(match command::outcome(ctx, result, refused, concurrent_change)? {
        Outcome::Done(executed) => UserPayload::accepted(id, executed),
        Outcome::Refused(errors) => UserPayload::refused(ctx, errors),
    })
}

/// Runs `command` (named `name` in the events' metadata) on the user `user_id`.
async fn on_user(ctx: &Context<'_>, user_id: &ID, command: UserCommand, name: &str) -> Result<UserPayload> {
    let id = match self::user_id(user_id) {
        Ok(id) => id,
        Err(error) => return Ok(UserPayload::refused(ctx, vec![error])),
    };
    let identity = ctx.data::<Arc<IdentityService>>()?;
    let result = identity.execute_user(id, command, &command_metadata(ctx, name)).await;
    outcome(ctx, id, "userId", result)
}

fn user_id(id: &ID) -> Result<UserId, UserError> {
    parse_uuid(id, "userId")
        .map(UserId::from)
        .map_err(|_| UserError::new(ErrorCode::BadUserInput, "userId", "not a valid id"))
}

#[derive(Debug, Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    /// Creates a user who logs in with `email` and `password`.
    #[graphql(guard = "permission(Permission::UsersManage)")]
    async fn create_user(&self, ctx: &Context<'_>, input: CreateUserInput) -> Result<UserPayload> {
        let mut errors = Vec::new();
        let login = LoginName::parse(&input.email)
            .map_err(|e| errors.push(value_error("email", &e)))
            .ok();
        let password = Password::parse(&input.password)
            .map_err(|e| errors.push(value_error("password", &e)))
            .ok();
        if input.roles.is_empty() {
            errors.push(UserError::new(
                ErrorCode::BadUserInput,
                "roles",
                "a user needs at least one role",
            ));
        }
        let (Some(login), Some(password), true) = (login, password, errors.is_empty()) else {
            return Ok(UserPayload::refused(ctx, errors));
        };
        let identity = ctx.data::<Arc<IdentityService>>()?;
        let id = UserId::for_login(&login);
        let roles: Vec<Role> = input.roles.into_iter().map(Into::into).collect();
        let result = identity
            .create_user(login, password, roles, &command_metadata(ctx, "CreateUser"))
            .await;
        outcome(ctx, id, "email", result)
    }

    /// Adds a role to a user (no-op if held).
    #[graphql(guard = "permission(Permission::UsersManage)")]
    async fn grant_role(&self, ctx: &Context<'_>, user_id: ID, role: RoleGql) -> Result<UserPayload> {
        on_user(ctx, &user_id, UserCommand::GrantRole(role.into()), "GrantRole").await
    }

    /// Removes a role from a user (no-op if not held; a user's last role cannot be removed).
    #[graphql(guard = "permission(Permission::UsersManage)")]
    async fn revoke_role(&self, ctx: &Context<'_>, user_id: ID, role: RoleGql) -> Result<UserPayload> {
        on_user(ctx, &user_id, UserCommand::RevokeRole(role.into()), "RevokeRole").await
    }

    /// Disables a user: logins fail and tokens already issued stop working at once. You
    /// cannot disable yourself.
    #[graphql(guard = "permission(Permission::UsersManage)")]
    async fn disable_user(&self, ctx: &Context<'_>, user_id: ID) -> Result<UserPayload> {
        let me = principal(ctx)?;
        let is_me = |id: UserId| matches!(me.kind, PrincipalKind::User { id: mine, .. } if mine == id);
        if self::user_id(&user_id).is_ok_and(is_me) {
            return Ok(UserPayload::refused(
                ctx,
                vec![UserError::new(
                    ErrorCode::FailedPrecondition,
                    "userId",
                    "you cannot disable yourself",
                )],
            ));
        }
        on_user(ctx, &user_id, UserCommand::Disable, "DisableUser").await
    }

    /// Re-enables a disabled user.
    #[graphql(guard = "permission(Permission::UsersManage)")]
    async fn enable_user(&self, ctx: &Context<'_>, user_id: ID) -> Result<UserPayload> {
        on_user(ctx, &user_id, UserCommand::Enable, "EnableUser").await
    }

    /// Sets another user's password (e.g. a forgotten one); their sessions end.
    #[graphql(guard = "permission(Permission::UsersManage)")]
    async fn set_user_password(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        #[graphql(secret)] password: String,
    ) -> Result<UserPayload> {
        let id = match self::user_id(&user_id) {
            Ok(id) => id,
            Err(error) => return Ok(UserPayload::refused(ctx, vec![error])),
        };
        let password = match Password::parse(&password) {
            Ok(p) => p,
            Err(e) => return Ok(UserPayload::refused(ctx, vec![value_error("password", &e)])),
        };
        let identity = ctx.data::<Arc<IdentityService>>()?;
        let result = identity
            .set_password(id, password, &command_metadata(ctx, "ChangePassword"))
            .await;
        outcome(ctx, id, "userId", result)
    }

    /// Changes the caller's own password; every session (this one included) must log in again.
    #[graphql(guard = "authenticated()")]
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        #[graphql(secret)] current_password: String,
        #[graphql(secret)] new_password: String,
    ) -> Result<UserPayload> {
        let PrincipalKind::User { id, .. } = principal(ctx)?.kind else {
            return Ok(UserPayload::refused(
                ctx,
                vec![UserError::new(
                    ErrorCode::FailedPrecondition,
                    "currentPassword",
                    "API keys have no password",
                )],
            ));
        };
        let identity = ctx.data::<Arc<IdentityService>>()?;
        let matches = identity
            .password_matches(id, &current_password)
            .await
            .or_internal(ctx)?;
        if !matches {
            return Ok(UserPayload::refused(
                ctx,
                vec![UserError::new(
                    ErrorCode::BadUserInput,
                    "currentPassword",
                    "the current password is wrong",
                )],
            ));
        }
        let password = match Password::parse(&new_password) {
            Ok(p) => p,
            Err(e) => return Ok(UserPayload::refused(ctx, vec![value_error("newPassword", &e)])),
        };
        let result = identity
            .set_password(id, password, &command_metadata(ctx, "ChangePassword"))
            .await;
        outcome(ctx, id, "currentPassword", result)
    }
}
