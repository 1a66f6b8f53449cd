//! The `User` aggregate: a person who logs in, with roles.
//!
//! - [`command`]: what can be asked of a user;
//! - [`event`]: the stored facts (no password hashes: see the context's doc);
//! - [`state`]: the fold;
//! - [`decide`]: the pure decision (state, command, now) → events or a refusal;
//! - [`aggregate`]: the thin cqrs-es adapter.

mod aggregate;
mod command;
mod decide;
mod event;
mod refusal;
mod state;

pub use aggregate::UserServices;
pub use command::UserCommand;
pub use decide::decide;
pub use event::UserEvent;
pub use refusal::UserRefusal;
pub use state::{User, UserState};

#[cfg(test)]
mod tests;
