//! Identity queries: `me`, `users`, `apiKeys`, `secrets` (metadata only), and the `User`,
//! `ApiKey` and `Secret` types mutations return too.
//!
//! Users and keys are read by folding their events from the store, not from a read model:
//! they are few, and an admin deciding whom to disable must see the current truth.

mod query;
mod types;

pub use query::IdentityQuery;
pub use types::{ApiKeyGql, Me, PrincipalKindGql, RoleGql, SecretGql, UserGql};
