//! The `MarketplaceAccount` aggregate: one seller account on a marketplace. The API token is
//! kept in the secrets store; the account holds only the secret's id. An account whose token
//! the marketplace refused (401) is marked so and nothing is pushed with it until the seller
//! gives a new token.
//!
//! - [`command`]: the account's settings and what can be asked of it;
//! - [`event`]: what can happen to it (the stored facts);
//! - [`state`]: the state folded from events;
//! - [`decide`]: the pure decision (state, command, now) → events or a refusal.

mod command;
mod decide;
mod event;
mod refusal;
mod state;

pub use command::{AccountCommand, AccountSettings};
pub use decide::decide;
pub use event::AccountEvent;
pub use refusal::AccountRefusal;
pub use state::{AccountState, AccountStatus, MarketplaceAccount};

crate::ids::uuid_id!(
    AccountRefusal,
    /// A marketplace account's id (UUID v7, chosen when it is connected).
    AccountId
);

crate::pure_aggregate!(
    MarketplaceAccount,
    "MarketplaceAccount",
    AccountCommand,
    AccountEvent,
    AccountRefusal,
    decide
);

#[cfg(test)]
mod tests;
