//! The GraphQL shapes of sync policies (with their rules and price explanations) and runs.

pub mod policy;
pub mod pricing_input;
pub mod run;

pub use policy::SyncPolicyGql;
pub use run::SyncRunGql;
