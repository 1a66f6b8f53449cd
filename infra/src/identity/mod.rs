//! Identity adapters: password hashing, access tokens, refresh tokens, credential hashes,
//! failed-login throttling, and the [`IdentityService`] that ties them to the `User` and
//! `ApiKey` aggregates.

pub mod credentials;
pub mod jwt;
pub mod password;
pub mod password_queue;
pub mod refresh;
pub mod revocations;
mod service;
pub mod throttle;
mod user_cache;

pub use jwt::{AccessClaims, JwtKeyError, JwtKeys, SigningKey, TokenError};
pub use password_queue::{PasswordQueueError, PasswordQueueSettings};
pub use refresh::RefreshError;
pub use service::{
    AuthError, BootstrapAdmin, CreatedApiKey, IdentityError, IdentityService, IdentitySettings, LoginError,
    MAX_LOGIN_CHARS, Session, api_key_prefix,
};
pub use throttle::LoginThrottleSettings;
