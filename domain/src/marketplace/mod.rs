//! The marketplace context: seller accounts on marketplaces (Wildberries first), the mapping
//! of catalog categories to marketplace subjects, card building, and listings — one product
//! on one account, with the state of its card, price and stock.
//!
//! - [`values`]: account names, warehouse and subject ids, vendor codes, discounts, whole
//!   roubles (the explicit kopecks → roubles conversion), listed stock;
//! - [`account`]: the `MarketplaceAccount` aggregate;
//! - [`category_mapping`]: the `CategoryMapping` aggregate;
//! - [`card`]: building a card from a product (pure), with local validation;
//! - [`listing`]: the `Listing` aggregate and its state machines.

pub mod account;
pub mod card;
pub mod category_mapping;
pub mod listing;
pub mod values;

#[cfg(test)]
mod card_tests;
