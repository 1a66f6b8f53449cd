//! The `ApiKey` aggregate: a credential for a machine client, with explicit scopes.
//!
//! The key's secret is shown once at creation and stored only as a hash beside the stream.
//! Scopes are permissions; a key may carry only permissions its creator holds (checked by the
//! caller, which knows the creator), so a key never widens anyone's rights.
//!
//! - [`command`]: what can be asked of a key;
//! - [`event`]: the stored facts (no secrets, no hashes);
//! - [`state`]: the fold;
//! - [`decide`]: the pure decision (state, command, now) → events or a refusal;
//! - [`aggregate`]: the thin cqrs-es adapter.

mod aggregate;
mod command;
mod decide;
mod event;
mod refusal;
mod state;

pub use aggregate::ApiKeyServices;
pub use command::{ApiKeyCommand, NewApiKey};
pub use decide::decide;
pub use event::ApiKeyEvent;
pub use refusal::ApiKeyRefusal;
pub use state::{ApiKey, ApiKeyState};

#[cfg(test)]
mod tests;
