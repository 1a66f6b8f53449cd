//! The `Listing` aggregate: one product on one marketplace account, with an explicit state
//! machine per thing pushed:
//! - the card: `NotPublished → Requested(import task, where the marketplace has them) →
//!   Created(card id, stock unit ids) | Rejected(reason)`;
//! - the price: the last pushed one, `Pending → Applied | Failed(reason) | Quarantined`;
//! - the stock: the last pushed one, `Pending → Applied | Failed(reason)`.
//!
//! The target (price with discount, stock) is what the seller wants live; each change of it
//! is a new *intent version*. A push is keyed by (listing, intent version), so a worker that
//! restarts knows what was already sent. Refusals by the marketplace are kept in its words.
//!
//! - [`command`]: the target and what can be asked of a listing (seller and worker steps);
//! - [`event`]: what can happen to it (the stored facts);
//! - [`state`]: the state machines folded from events;
//! - [`decide`]: the pure decision, split by what the command drives (`decide_card`,
//!   `decide_push`).

mod command;
mod decide;
mod decide_card;
mod decide_push;
mod event;
mod refusal;
mod state;

pub use command::{ListingCommand, ListingTarget, PriceOutcome, StockOutcome};
pub use decide::decide;
pub use event::ListingEvent;
pub use refusal::ListingRefusal;
pub use state::{
    CardState, Listing, ListingError, ListingState, PRICE_REQUESTS_KEPT, PricePush, PushArea, PushRetry, PushState,
    StockPush,
};

use super::account::AccountId;
use crate::catalog::ProductId;
use uuid::Uuid;

const LISTING_NAMESPACE: Uuid = Uuid::from_u128(0x6c69_7374_696e_6700_8000_0000_0000_0001);

crate::ids::uuid_id!(
    ListingRefusal,
    /// A listing's id: derived from (account, product), so a product is listed once per
    /// account and publishing it again finds the same listing.
    ListingId
);

impl ListingId {
    pub fn for_product(account: AccountId, product: ProductId) -> Self {
        let mut key = account.as_uuid().as_bytes().to_vec();
        key.extend_from_slice(product.as_uuid().as_bytes());
        Self(Uuid::new_v5(&LISTING_NAMESPACE, &key))
    }
}

crate::pure_aggregate!(Listing, "Listing", ListingCommand, ListingEvent, ListingRefusal, decide);

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_marketplaces;
