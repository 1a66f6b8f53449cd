//! Marketplaces: the port every marketplace is reached through ([`port`]), its adapters
//! ([`wildberries`], [`ozon`], picked in [`adapters`]) on shared rate limits and retries
//! ([`rate_limit`], [`retry`]), and the service over accounts, category mappings and listings
//! that the API and the push worker share ([`service`]).

pub mod adapters;
pub mod ozon;
pub mod port;
pub mod rate_limit;
pub mod retry;
pub mod service;
pub mod wildberries;

pub use adapters::Adapters;
pub use service::{ConnectError, CredentialsError, Marketplaces, PublishOutcome};
