use super::credentials::{self, digests_match, random_bytes, secret_digest};
use super::jwt::{AccessClaims, JwtKeys, TokenError};
use super::password::{dummy_hash, hash_password, random_password, verify_password};
use super::password_queue::{PasswordQueue, PasswordQueueError, PasswordQueueSettings};
use super::refresh::{self, RefreshError, Revoked};
use super::revocations::Revocations;
use super::throttle::{self, LoginThrottleSettings};
use super::user_cache::UserCache;
use crate::event_store::batch::load_in_order;
use crate::event_store::{CommandBus, CommandError, EventMetadata, Executed, StoreError};
use crate::shared_state::SharedStore;
use crate::telemetry::Metrics;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use gomarket_domain::clock::SharedClock;
use gomarket_domain::identity::{
    ApiKey, ApiKeyCommand, ApiKeyId, ApiKeyRefusal, ApiKeyServices, LoginName, NewApiKey, Password, Permission,
    Principal, PrincipalKind, Role, User, UserCommand, UserId, UserRefusal, UserServices,
};
use sqlx::PgPool;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// API keys read `gmk_<key id>_<secret>`; the prefix makes them easy to spot in a leak scan.
pub fn api_key_prefix() -> &'static str {
    "gmk_"
}

/// Lifetimes and limits of the identity service.
#[derive(Debug, Clone, Copy)]
pub struct IdentitySettings {
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub throttle: LoginThrottleSettings,
    pub password_queue: PasswordQueueSettings,
}

impl Default for IdentitySettings {
    fn default() -> Self {
        Self {
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            throttle: LoginThrottleSettings::default(),
            password_queue: PasswordQueueSettings::default(),
        }
    }
}

/// Tokens handed to a client that logged in or refreshed.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: UserId,
    pub access_token: String,
    pub expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
}

/// Why a login failed. Deliberately vague about which half was wrong.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// `UNAUTHENTICATED`.
    #[error("wrong login or password")]
    InvalidCredentials,
    /// `RATE_LIMITED`: too many failures for this account or address.
    #[error("too many failed logins; retry in {} s", retry_after.as_secs().max(1))]
    Limited { retry_after: Duration },
    /// `RATE_LIMITED`: too many password checks are queued already (a flood of logins).
    #[error("too many logins in progress; retry in a second")]
    Busy,
    /// `BAD_USER_INPUT`: the login is longer than any login can be.
    #[error("the login is longer than {MAX_LOGIN_CHARS} characters")]
    LoginTooLong,
    /// `INTERNAL`.
    #[error("identity store failure")]
    Store(#[source] StoreError),
}

/// Longest login text looked at; longer ones are refused before any work (an e-mail address
/// has at most 254 characters).
pub const MAX_LOGIN_CHARS: usize = 254;

/// Why presented credentials (a bearer token or an API key) were refused. The message is safe
/// to show to the client.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("the token's user does not exist")]
    UnknownUser,
    #[error("the user is disabled")]
    Disabled,
    #[error("the token was issued before the password changed; log in again")]
    Superseded,
    #[error("the API key is invalid, revoked or expired")]
    BadApiKey,
    #[error("the session was logged out or revoked; log in again")]
    Revoked,
    #[error("identity store failure")]
    Store(#[source] StoreError),
}

/// A failure of an identity operation other than a domain refusal.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("identity store failure")]
    Store(#[source] StoreError),
    #[error(transparent)]
    Busy(#[from] PasswordQueueError),
}

impl From<sqlx::Error> for IdentityError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(StoreError::new(e))
    }
}

/// A key just created: its id, the text the client must keep (shown once), and the command
/// outcome.
#[derive(Debug)]
pub struct CreatedApiKey {
    pub id: ApiKeyId,
    pub key: String,
    pub executed: Executed<ApiKey>,
}

/// Users, API keys, logins and tokens.
pub struct IdentityService {
    pool: PgPool,
    users: CommandBus<User>,
    api_keys: CommandBus<ApiKey>,
    jwt: JwtKeys,
    settings: IdentitySettings,
    clock: SharedClock,
    recent_users: UserCache,
    revocations: Revocations,
    /// Every Argon2 computation goes through it.
    passwords: Arc<PasswordQueue>,
}

impl std::fmt::Debug for IdentityService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityService")
            .field("jwt", &self.jwt)
            .finish_non_exhaustive()
    }
}

fn store<E: Into<Box<dyn std::error::Error + Send + Sync + 'static>>>(e: E) -> IdentityError {
    IdentityError::Store(StoreError::new(e))
}

impl IdentityService {
    pub fn new(pool: PgPool, jwt: JwtKeys, settings: IdentitySettings, clock: SharedClock, metrics: Metrics) -> Self {
        let users = CommandBus::new(pool.clone(), UserServices { clock: clock.clone() }, metrics.clone());
        let api_keys = CommandBus::new(pool.clone(), ApiKeyServices { clock: clock.clone() }, metrics);
        Self {
            pool,
            users,
            api_keys,
            jwt,
            settings,
            clock,
            recent_users: UserCache::default(),
            revocations: Revocations::new(settings.access_token_ttl),
            passwords: PasswordQueue::new(settings.password_queue),
        }
    }

    /// Shares revocations with the other replicas through Redis.
    pub fn with_shared_store(mut self, store: SharedStore) -> Self {
        self.revocations = self.revocations.with_shared_store(store);
        self
    }

    /// Records revoked sessions for the access-token check (their refresh tokens are revoked).
    async fn revoked(&self, revoked: Revoked) -> u64 {
        self.revocations.revoke(&revoked.families).await;
        revoked.tokens
    }

    pub fn settings(&self) -> &IdentitySettings {
        &self.settings
    }

    /// Runs CPU- and memory-heavy Argon2 work through the bounded queue, off the async threads.
    async fn blocking<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, IdentityError> {
        Ok(self.passwords.run(work).await?)
    }

    /// The user as its events fold now (as read at most a second ago; see [`UserCache`]).
    pub async fn user(&self, id: UserId) -> Result<User, IdentityError> {
        if let Some(user) = self.recent_users.get(id) {
            return Ok(user);
        }
        let read_at = std::time::Instant::now();
        let user = self.users.load(&id.to_string()).await.map_err(store)?;
        self.recent_users.put(id, read_at, user.clone());
        Ok(user)
    }

    pub async fn api_key(&self, id: ApiKeyId) -> Result<ApiKey, IdentityError> {
        self.api_keys.load(&id.to_string()).await.map_err(store)
    }

    /// Checks the password (throttled per account and per address) and opens a session.
    pub async fn login(&self, login: &str, password: &str, address: Option<&str>) -> Result<Session, LoginError> {
        if login.chars().count() > MAX_LOGIN_CHARS {
            return Err(LoginError::LoginTooLong);
        }
        let now = self.clock.now();
        let limits = self.settings.throttle;
        let account = throttle::account_key(&login.trim().to_lowercase());
        let address = address.map(throttle::address_key);
        let keys: Vec<String> = std::iter::once(account.clone()).chain(address.clone()).collect();
        let db = |e: sqlx::Error| LoginError::Store(StoreError::new(e));
        if let Some(retry_after) = throttle::locked_for(&self.pool, &keys, now).await.map_err(db)? {
            return Err(LoginError::Limited { retry_after });
        }
        let verified = self.check_password(login, password).await.map_err(|e| match e {
            IdentityError::Busy(PasswordQueueError::Full) => LoginError::Busy,
            e => LoginError::Store(StoreError::new(e)),
        })?;
        let Some(user_id) = verified else {
            let failures =
                throttle::record_failure(&self.pool, &account, limits.max_account_failures, limits.window, now)
                    .await
                    .map_err(db)?;
            if let Some(address) = &address {
                throttle::record_failure(&self.pool, address, limits.max_address_failures, limits.window, now)
                    .await
                    .map_err(db)?;
            }
            // Slow down guessing a little more with each failure (on top of Argon2's cost).
            let penalty = Duration::from_millis(50 * u64::try_from(failures.clamp(0, 5)).unwrap_or(5));
            tokio::time::sleep(penalty).await;
            tracing::info!(failures, "login failed");
            return Err(LoginError::InvalidCredentials);
        };
        throttle::clear(&self.pool, &account).await.map_err(db)?;
        let session = self
            .open_session(user_id, Uuid::now_v7())
            .await
            .map_err(|e| LoginError::Store(StoreError::new(e)))?;
        tracing::info!(user_id = %user_id, "logged in");
        Ok(session)
    }

    /// The user's id if the login exists, is enabled, and the password matches. Always spends
    /// one Argon2 verification, so timing does not tell which logins exist.
    async fn check_password(&self, login: &str, password: &str) -> Result<Option<UserId>, IdentityError> {
        let Ok(name) = LoginName::parse(login) else {
            let candidate = password.to_owned();
            self.blocking(move || verify_password(&candidate, dummy_hash())).await?;
            return Ok(None);
        };
        let id = UserId::for_login(&name);
        let user = self.user(id).await?;
        let stored = credentials::password_hash(&self.pool, id).await?;
        let enabled = user.state.as_ref().is_some_and(|s| !s.disabled);
        let candidate = password.to_owned();
        let hash = stored.clone().unwrap_or_else(|| dummy_hash().to_owned());
        let matches = self.blocking(move || verify_password(&candidate, &hash)).await?;
        Ok((matches && enabled && stored.is_some()).then_some(id))
    }

    async fn open_session(&self, user_id: UserId, family: Uuid) -> Result<Session, IdentityError> {
        let now = self.clock.now();
        let expires_at = now + chrono::Duration::from_std(self.settings.access_token_ttl).map_err(store)?;
        let access_token = self.jwt.sign(&AccessClaims {
            sub: user_id.to_string(),
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
            jti: Uuid::now_v7().simple().to_string(),
            sid: Some(family.simple().to_string()),
        });
        let refresh_expires_at = now + chrono::Duration::from_std(self.settings.refresh_token_ttl).map_err(store)?;
        let refresh = refresh::issue(&self.pool, user_id, family, refresh_expires_at).await?;
        Ok(Session {
            user_id,
            access_token,
            expires_at,
            refresh_token: refresh.token,
            refresh_expires_at: refresh.expires_at,
        })
    }

    /// Trades a refresh token for a new session in the same family.
    pub async fn refresh(&self, token: &str) -> Result<Session, RefreshError> {
        let (user_id, family) = match refresh::consume(&self.pool, token, self.clock.now()).await {
            Ok(consumed) => consumed,
            Err(RefreshError::Reused { session }) => {
                // Two parties hold the session: its access tokens go too.
                self.revocations.revoke(&[session]).await;
                return Err(RefreshError::Reused { session });
            }
            Err(error) => return Err(error),
        };
        let user = self.user(user_id).await.map_err(|_| RefreshError::Invalid)?;
        if user.state.as_ref().is_none_or(|s| s.disabled) {
            refresh::revoke_family(&self.pool, family).await?;
            self.revocations.revoke(&[family]).await;
            return Err(RefreshError::Invalid);
        }
        self.open_session(user_id, family)
            .await
            .map_err(|e| RefreshError::Store(StoreError::new(e)))
    }

    /// Revokes the caller's current session (`session`, the one its access token belongs to),
    /// the session of `refresh_token` (when it is the caller's), or every session of the caller
    /// when `everywhere`: their refresh tokens and their access tokens. Returns how many
    /// refresh tokens were revoked.
    pub async fn logout(
        &self,
        user: UserId,
        session: Option<Uuid>,
        refresh_token: Option<&str>,
        everywhere: bool,
    ) -> Result<u64, IdentityError> {
        let mut revoked = 0;
        if let Some(session) = session {
            revoked += self
                .revoked(Revoked {
                    families: vec![session],
                    tokens: refresh::revoke_family_of(&self.pool, user, session).await?,
                })
                .await;
        }
        if let Some(token) = refresh_token {
            revoked += self
                .revoked(refresh::revoke_token_of(&self.pool, user, token).await?)
                .await;
        }
        if everywhere {
            revoked += self.revoked(refresh::revoke_all_of(&self.pool, user).await?).await;
        }
        Ok(revoked)
    }

    /// The principal behind an `Authorization: Bearer` access token, with the permissions its
    /// user has now, and the token's session.
    pub async fn authenticate_bearer(&self, token: &str) -> Result<(Principal, Option<Uuid>), AuthError> {
        let claims = self.jwt.verify(token.trim(), self.clock.now())?;
        let user_id = UserId::parse(&claims.sub).map_err(|_| AuthError::Token(TokenError::Malformed))?;
        let session = claims
            .sid
            .as_deref()
            .map(Uuid::parse_str)
            .transpose()
            .map_err(|_| AuthError::Token(TokenError::Malformed))?;
        let user = self
            .user(user_id)
            .await
            .map_err(|e| AuthError::Store(StoreError::new(e)))?;
        let state = user.state.ok_or(AuthError::UnknownUser)?;
        if state.disabled {
            return Err(AuthError::Disabled);
        }
        // Tokens carry whole seconds; a password changed within the second of issue counts
        // as after it.
        if claims.iat < state.password_changed_at.timestamp() {
            return Err(AuthError::Superseded);
        }
        // After the user's own state, which says more (disabled, new password) when it is known
        // here already.
        if let Some(session) = session
            && self
                .revocations
                .is_revoked(&self.pool, session)
                .await
                .map_err(|e| AuthError::Store(StoreError::new(e)))?
        {
            return Err(AuthError::Revoked);
        }
        let principal = Principal {
            permissions: state.permissions(),
            kind: PrincipalKind::User {
                id: user_id,
                login: state.login,
            },
        };
        Ok((principal, session))
    }

    /// The principal behind an `X-Api-Key`: the key's scopes, narrowed to what its owner may
    /// still do (a key never outlives its owner's rights).
    pub async fn authenticate_api_key(&self, raw: &str) -> Result<Principal, AuthError> {
        let (id, secret) = raw
            .trim()
            .strip_prefix(api_key_prefix())
            .and_then(|rest| rest.split_once('_'))
            .ok_or(AuthError::BadApiKey)?;
        let id = Uuid::parse_str(id)
            .map(ApiKeyId::from)
            .map_err(|_| AuthError::BadApiKey)?;
        let stored = credentials::api_key_hash(&self.pool, id)
            .await
            .map_err(|e| AuthError::Store(StoreError::new(e)))?
            .ok_or(AuthError::BadApiKey)?;
        if !digests_match(&stored, &secret_digest(secret)) {
            return Err(AuthError::BadApiKey);
        }
        let key = self
            .api_key(id)
            .await
            .map_err(|e| AuthError::Store(StoreError::new(e)))?;
        let state = key.state.ok_or(AuthError::BadApiKey)?;
        if !state.is_active(self.clock.now()) {
            return Err(AuthError::BadApiKey);
        }
        let owner = self
            .user(state.owner)
            .await
            .map_err(|e| AuthError::Store(StoreError::new(e)))?;
        let owner_permissions = owner.state.map(|s| s.permissions()).unwrap_or_default();
        let permissions: BTreeSet<Permission> = state
            .scopes
            .iter()
            .copied()
            .filter(|p| owner_permissions.contains(p))
            .collect();
        Ok(Principal {
            permissions,
            kind: PrincipalKind::ApiKey {
                id,
                name: state.name.as_str().to_owned(),
                owner: state.owner,
            },
        })
    }

    /// Creates a user and stores the password's hash.
    ///
    /// The event is recorded first, the hash second: a crash in between leaves a user who
    /// cannot log in yet (an admin sets the password with `setUserPassword`), never a password
    /// that belongs to nobody or that overwrote someone else's.
    pub async fn create_user(
        &self,
        login: LoginName,
        password: Password,
        roles: Vec<Role>,
        metadata: &EventMetadata,
    ) -> Result<Executed<User>, CommandError<UserRefusal>> {
        let id = UserId::for_login(&login);
        let hash = self
            .blocking(move || hash_password(&password))
            .await
            .map_err(|e| CommandError::Store(StoreError::new(e)))?;
        let executed = self
            .users
            .execute(&id.to_string(), UserCommand::Create { login, roles }, metadata)
            .await?;
        self.recent_users.forget(id);
        credentials::set_password_hash(&self.pool, id, &hash)
            .await
            .map_err(|e| CommandError::Store(StoreError::new(e)))?;
        Ok(executed)
    }

    /// Sets a new password (recorded as `PasswordChanged`): earlier access tokens and every
    /// refresh token of the user stop working.
    pub async fn set_password(
        &self,
        id: UserId,
        password: Password,
        metadata: &EventMetadata,
    ) -> Result<Executed<User>, CommandError<UserRefusal>> {
        let hash = self
            .blocking(move || hash_password(&password))
            .await
            .map_err(|e| CommandError::Store(StoreError::new(e)))?;
        // The hash first: the event invalidates older tokens, and the user must be able to log
        // in with the new password as soon as it does.
        let user = self.users.load(&id.to_string()).await?;
        if user.state.is_none() {
            return Err(CommandError::Refused(UserRefusal::NotFound));
        }
        credentials::set_password_hash(&self.pool, id, &hash)
            .await
            .map_err(|e| CommandError::Store(StoreError::new(e)))?;
        let executed = self
            .users
            .execute(&id.to_string(), UserCommand::ChangePassword, metadata)
            .await;
        self.recent_users.forget(id);
        let executed = executed?;
        let revoked = refresh::revoke_all_of(&self.pool, id)
            .await
            .map_err(|e| CommandError::Store(StoreError::new(e)))?;
        self.revoked(revoked).await;
        Ok(executed)
    }

    /// Whether `password` is the user's current one (for self-service password changes).
    pub async fn password_matches(&self, id: UserId, password: &str) -> Result<bool, IdentityError> {
        let Some(stored) = credentials::password_hash(&self.pool, id).await? else {
            return Ok(false);
        };
        let candidate = password.to_owned();
        self.blocking(move || verify_password(&candidate, &stored)).await
    }

    /// Grants, revokes, disables, enables. Disabling also revokes the user's refresh tokens.
    pub async fn execute_user(
        &self,
        id: UserId,
        command: UserCommand,
        metadata: &EventMetadata,
    ) -> Result<Executed<User>, CommandError<UserRefusal>> {
        let disabling = command == UserCommand::Disable;
        let executed = self.users.execute(&id.to_string(), command, metadata).await;
        self.recent_users.forget(id);
        let executed = executed?;
        if disabling {
            let revoked = refresh::revoke_all_of(&self.pool, id)
                .await
                .map_err(|e| CommandError::Store(StoreError::new(e)))?;
            self.revoked(revoked).await;
        }
        Ok(executed)
    }

    /// Creates an API key for `creator`. Scopes must be among the creator's permissions.
    pub async fn create_api_key(
        &self,
        creator: &Principal,
        new: NewApiKey,
        metadata: &EventMetadata,
    ) -> Result<CreatedApiKey, CommandError<ApiKeyRefusal>> {
        let id = ApiKeyId::from(Uuid::now_v7());
        let secret = URL_SAFE_NO_PAD.encode(random_bytes(32));
        let key = format!("{}{}_{secret}", api_key_prefix(), id.as_uuid().simple());
        // The hash first: a key whose hash is missing could never be used, while a hash whose
        // key was never created matches no stream and is inert.
        credentials::set_api_key_hash(&self.pool, id, &secret_digest(&secret))
            .await
            .map_err(|e| CommandError::Store(StoreError::new(e)))?;
        debug_assert!(new.scopes.iter().all(|s| creator.can(*s)), "caller checks scopes");
        let executed = self
            .api_keys
            .execute(&id.to_string(), ApiKeyCommand::Create(new), metadata)
            .await?;
        Ok(CreatedApiKey { id, key, executed })
    }

    pub async fn revoke_api_key(
        &self,
        id: ApiKeyId,
        metadata: &EventMetadata,
    ) -> Result<Executed<ApiKey>, CommandError<ApiKeyRefusal>> {
        self.api_keys
            .execute(&id.to_string(), ApiKeyCommand::Revoke, metadata)
            .await
    }

    /// Every user, folded from the store (users are few; the store is the truth for security
    /// decisions, and this list is what an admin acts on).
    pub async fn users(&self) -> Result<Vec<(UserId, User)>, IdentityError> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT aggregate_id FROM events WHERE aggregate_type = 'User' AND sequence = 1 ORDER BY recorded_at, aggregate_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let users = load_in_order::<User>(&self.pool, ids).await.map_err(store)?;
        Ok(users
            .into_iter()
            .filter_map(|(id, user)| Some((UserId::parse(&id).ok()?, user)))
            .collect())
    }

    /// Every API key (of one owner, when given), newest first.
    pub async fn api_keys(&self, owner: Option<UserId>) -> Result<Vec<(ApiKeyId, ApiKey)>, IdentityError> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT aggregate_id FROM events WHERE aggregate_type = 'ApiKey' AND sequence = 1
              AND ($1::text IS NULL OR payload -> 'ApiKeyCreated' ->> 'owner' = $1)
              ORDER BY recorded_at DESC, aggregate_id",
        )
        .bind(owner.map(|o| o.to_string()))
        .fetch_all(&self.pool)
        .await?;
        let keys = load_in_order::<ApiKey>(&self.pool, ids).await.map_err(store)?;
        Ok(keys
            .into_iter()
            .filter_map(|(id, key)| Some((ApiKeyId::parse(&id).ok()?, key)))
            .collect())
    }

    /// First start: with no user at all, creates `admin` with `password`, or with a generated
    /// one that is returned (to be shown once). `None` when users exist (or another process
    /// created the admin at the same moment).
    pub async fn bootstrap_admin(&self, password: Option<Password>) -> Result<Option<BootstrapAdmin>, IdentityError> {
        let any: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM events WHERE aggregate_type = 'User')")
            .fetch_one(&self.pool)
            .await?;
        if any {
            return Ok(None);
        }
        let generated = password.is_none();
        let password = password.unwrap_or_else(random_password);
        let login = LoginName::parse("admin").map_err(store)?;
        let metadata = EventMetadata::new(Uuid::now_v7().to_string(), "system:bootstrap", "CreateUser");
        match self
            .create_user(login, password.clone(), vec![Role::Admin], &metadata)
            .await
        {
            Ok(_) => Ok(Some(BootstrapAdmin {
                generated_password: generated.then_some(password),
            })),
            Err(CommandError::Refused(_) | CommandError::Conflict) => Ok(None),
            Err(CommandError::Store(e)) => Err(IdentityError::Store(e)),
        }
    }
}

/// The outcome of a first-start bootstrap.
#[derive(Debug)]
pub struct BootstrapAdmin {
    /// The generated password, when none was configured: print it once, never log it.
    pub generated_password: Option<Password>,
}
