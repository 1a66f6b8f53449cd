//! Marketplaces: the Wildberries client and the service over accounts, category mappings and
//! listings that the API and the push worker share.

pub mod service;
pub mod wildberries;

pub use service::{ConnectError, CredentialsError, Marketplaces, PublishOutcome};
