//! Identity queries: `me`, `users`, `apiKeys`, `secrets` (metadata only).
//!
//! Users and keys are read by folding their events from the store, not from a read model:
//! they are few, and an admin deciding whom to disable must see the current truth.

mod query;

pub use query::IdentityQuery;
