//! The `Listing` aggregate: one product on one marketplace account, with an explicit state
//! machine per thing pushed:
//! - the card: `NotPublished → Requested → Created(nmID, chrtIDs) | Rejected(reason)`;
//! - the price: the last pushed one, `Pending → Applied | Failed(reason) | Quarantined`;
//! - the stock: the last pushed one, `Pending → Applied | Failed(reason)`.
//!
//! The target (price with discount, stock) is what the seller wants live; each change of it
//! is a new *intent version*. A push is keyed by (listing, intent version), so a worker that
//! restarts knows what was already sent. Refusals by the marketplace are kept in its words.

mod decide;
mod decide_card;
mod decide_push;
mod state;

pub use decide::decide;
pub use state::{CardState, Listing, ListingError, ListingState, PricePush, PushArea, PushRetry, PushState, StockPush};

use super::account::AccountId;
use super::card::CardDraft;
use super::values::{DiscountPercent, ListedStock, WarehouseId, WholeRoubles};
use crate::catalog::{Kopecks, ProductId};
use crate::macros::domain_event;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;
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

/// What the seller wants live: the price before discount, the discount, the units for sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingTarget {
    pub price: Kopecks,
    pub discount: DiscountPercent,
    pub stock: ListedStock,
}

impl ListingTarget {
    /// The price Wildberries receives: whole roubles, rounded up.
    pub fn price_roubles(&self) -> WholeRoubles {
        WholeRoubles::from_kopecks_rounding_up(self.price)
    }
}

/// How a pushed price ended on the marketplace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PriceOutcome {
    Applied,
    Failed {
        reason: String,
    },
    /// Held by the marketplace's price quarantine (a cut of 3× or more).
    Quarantined {
        reason: String,
    },
}

/// How a pushed stock ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum StockOutcome {
    Applied,
    Failed { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListingCommand {
    /// Publish the product on the account (again, after a rejection), wanting `target`. A card
    /// that failed local validation comes with its refusal and is rejected at once.
    Publish {
        account_id: AccountId,
        product_id: ProductId,
        vendor_code: super::values::VendorCode,
        target: ListingTarget,
        refusal: Option<String>,
    },
    SetTarget(ListingTarget),
    /// The worker is about to upload this card.
    RequestCard(Box<CardDraft>),
    /// The card exists on the marketplace (found by vendor code).
    ConfirmCard {
        nm_id: u64,
        chrt_ids: Vec<u64>,
    },
    /// The card was refused, in the marketplace's words (or, `local`, by GoMarket's own
    /// validation when the product changed since publication).
    RejectCard {
        reason: String,
        local: bool,
    },
    /// An upload that never showed up, neither as a card nor as an error: upload again.
    ExpireCardRequest,
    /// The marketplace accepted price task `task_id` for intent `intent`.
    RequestPrice {
        intent: u64,
        value: WholeRoubles,
        discount: DiscountPercent,
        task_id: u64,
    },
    SettlePrice {
        task_id: u64,
        outcome: PriceOutcome,
    },
    /// The worker is pushing stock for intent `intent`.
    RequestStock {
        intent: u64,
        amount: ListedStock,
        warehouse: WarehouseId,
    },
    SettleStock {
        intent: u64,
        outcome: StockOutcome,
    },
    /// A push of `area` could not reach the marketplace (5xx, timeouts, after the client's
    /// own retries): the listing waits until `retry_at` before the next attempt.
    RecordPushFailure {
        area: PushArea,
        reason: String,
        retry_at: DateTime<Utc>,
    },
    /// Stop retrying the failing push: it ends `FAILED` with its last reason (a stock one is
    /// recorded against `warehouse`).
    GiveUpPush {
        warehouse: WarehouseId,
    },
    /// Push again what failed (`retryFailed`): failed prices and stocks become due, a card the
    /// marketplace refused is uploaded again.
    RetryPush,
}

impl ListingCommand {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Publish { .. } => "PublishListing",
            Self::SetTarget(_) => "SetListingTarget",
            Self::RequestCard(_) => "RequestCard",
            Self::ConfirmCard { .. } => "ConfirmCard",
            Self::RejectCard { .. } => "RejectCard",
            Self::ExpireCardRequest => "ExpireCardRequest",
            Self::RequestPrice { .. } => "RequestPrice",
            Self::SettlePrice { .. } => "SettlePrice",
            Self::RequestStock { .. } => "RequestStock",
            Self::SettleStock { .. } => "SettleStock",
            Self::RecordPushFailure { .. } => "RecordPushFailure",
            Self::GiveUpPush { .. } => "GiveUpPush",
            Self::RetryPush => "RetryPush",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ListingEvent {
    ListingPublished {
        account_id: AccountId,
        product_id: ProductId,
        vendor_code: super::values::VendorCode,
        target: ListingTarget,
        at: DateTime<Utc>,
    },
    /// Published again after its card was rejected: the card goes back to `NotPublished`.
    ListingRepublished {
        at: DateTime<Utc>,
    },
    ListingTargetSet {
        target: ListingTarget,
        intent: u64,
        at: DateTime<Utc>,
    },
    CardRequested {
        draft: Box<CardDraft>,
        at: DateTime<Utc>,
    },
    CardCreated {
        nm_id: u64,
        chrt_ids: Vec<u64>,
        at: DateTime<Utc>,
    },
    CardRejected {
        reason: String,
        /// Refused by GoMarket's own validation, never sent.
        local: bool,
        at: DateTime<Utc>,
    },
    CardRequestExpired {
        at: DateTime<Utc>,
    },
    PriceRequested {
        intent: u64,
        value: WholeRoubles,
        discount: DiscountPercent,
        task_id: u64,
        at: DateTime<Utc>,
    },
    PriceApplied {
        task_id: u64,
        at: DateTime<Utc>,
    },
    PriceFailed {
        task_id: u64,
        reason: String,
        at: DateTime<Utc>,
    },
    PriceQuarantined {
        task_id: u64,
        reason: String,
        at: DateTime<Utc>,
    },
    StockRequested {
        intent: u64,
        amount: ListedStock,
        warehouse: WarehouseId,
        at: DateTime<Utc>,
    },
    StockApplied {
        intent: u64,
        at: DateTime<Utc>,
    },
    StockFailed {
        intent: u64,
        reason: String,
        at: DateTime<Utc>,
    },
    /// Attempt number `attempts` of a push of `area` failed to reach the marketplace.
    PushAttemptFailed {
        area: PushArea,
        reason: String,
        attempts: u32,
        retry_at: DateTime<Utc>,
        at: DateTime<Utc>,
    },
    /// Failed pushes are due again (the intent moves on, so they count as new).
    PushRetried {
        intent: u64,
        at: DateTime<Utc>,
    },
}

impl ListingEvent {
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Self::ListingPublished { at, .. }
            | Self::ListingRepublished { at }
            | Self::ListingTargetSet { at, .. }
            | Self::CardRequested { at, .. }
            | Self::CardCreated { at, .. }
            | Self::CardRejected { at, .. }
            | Self::CardRequestExpired { at }
            | Self::PriceRequested { at, .. }
            | Self::PriceApplied { at, .. }
            | Self::PriceFailed { at, .. }
            | Self::PriceQuarantined { at, .. }
            | Self::StockRequested { at, .. }
            | Self::StockApplied { at, .. }
            | Self::StockFailed { at, .. }
            | Self::PushAttemptFailed { at, .. }
            | Self::PushRetried { at, .. } => *at,
        }
    }
}

domain_event!(ListingEvent: ListingPublished, ListingRepublished, ListingTargetSet, CardRequested, CardCreated, CardRejected, CardRequestExpired, PriceRequested, PriceApplied, PriceFailed, PriceQuarantined, StockRequested, StockApplied, StockFailed, PushAttemptFailed, PushRetried);

/// Why a listing command was refused; each variant's doc names its GraphQL code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ListingRefusal {
    /// `BAD_USER_INPUT`.
    #[error("not a valid id")]
    BadId,
    /// `NOT_FOUND`.
    #[error("listing not found")]
    NotFound,
    /// `CONFLICT`: the listing belongs to another account or product.
    #[error("the listing belongs to another account or product")]
    Mismatch,
    /// `CONFLICT`: the step does not follow from the listing's state (a stale worker).
    #[error("{0}")]
    OutOfOrder(&'static str),
}

crate::pure_aggregate!(Listing, "Listing", ListingCommand, ListingEvent, ListingRefusal, decide);

#[cfg(test)]
mod tests;
