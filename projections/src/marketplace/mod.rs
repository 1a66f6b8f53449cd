//! The marketplace's `listings` read model: projection and queries, and matching marketplace
//! report rows to listings and products.

mod listings_projection;
mod listings_query;
mod report_matching;

mod accounts;

pub use accounts::account_marketplace;
pub use listings_projection::{ListingsProjection, card_state_name, push_state_name};
pub use listings_query::{
    ListingFilter, ListingPage, ListingRow, PushQueue, get_listing, listings_of_product, push_queue, search_listings,
};
pub use report_matching::{ReportMatcher, RowKeys};
