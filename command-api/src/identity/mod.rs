//! Identity mutations: sessions (`login`, `refreshToken`, `logout`), users (`createUser`,
//! `grantRole`, `revokeRole`, `disableUser`, `enableUser`, `changePassword`,
//! `setUserPassword`), API keys (`createApiKey`, `revokeApiKey`) and the write-only secrets
//! store (`storeSecret`).

mod api_keys;
mod refusal;
mod secrets;
mod session;
mod users;

use async_graphql::MergedObject;

pub use api_keys::ApiKeyMutation;
pub use secrets::SecretMutation;
pub use session::SessionMutation;
pub use users::UserMutation;

/// Every identity mutation.
#[derive(MergedObject, Default)]
pub struct IdentityMutation(SessionMutation, UserMutation, ApiKeyMutation, SecretMutation);
