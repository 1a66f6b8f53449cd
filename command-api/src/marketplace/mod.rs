//! Marketplace mutations: accounts (connect with a checked token, disable, enable), category
//! mappings, publishing products and setting listing targets.

mod accounts;
mod listings;

use async_graphql::MergedObject;

pub use accounts::AccountMutation;
pub use listings::ListingMutation;

#[derive(MergedObject, Default)]
pub struct MarketplaceMutation(AccountMutation, ListingMutation);
