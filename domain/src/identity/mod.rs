//! Identity context: who may do what.
//!
//! - [`permission`]: named permissions (`catalog:write`, `users:manage`, ...) and the roles
//!   that bundle them;
//! - [`values`]: login names, passwords (plaintext rules only; hashing is an adapter's job), ids;
//! - [`user`]: the `User` aggregate (create, change password, grant/revoke role, disable);
//! - [`Principal`]: who is acting, with the permissions in force;
//! - [`api_key`]: the `ApiKey` aggregate for machine clients (create with scopes, revoke).
//!
//! Password hashes and key hashes are never part of an event: events are relayed to Kafka and
//! kept forever, so they record *that* a credential changed, and the hash lives in a table of
//! its own (see `infra::identity`).

pub mod api_key;
pub mod permission;
mod principal;
pub mod user;
pub mod values;

pub use api_key::{ApiKey, ApiKeyCommand, ApiKeyEvent, ApiKeyRefusal, ApiKeyServices, ApiKeyState, NewApiKey};
pub use permission::{Permission, Role, UnknownPermission};
pub use principal::{Principal, PrincipalKind};
pub use user::{User, UserCommand, UserEvent, UserRefusal, UserServices, UserState};
pub use values::{ApiKeyId, ApiKeyName, IdentityValueError, LoginName, Password, UserId};
