use super::*;
use crate::catalog::{Kopecks, ProductId};
use crate::macros::domain_event;
use crate::marketplace::account::AccountId;
use crate::marketplace::card::CardDraft;
use crate::marketplace::values::{DiscountPercent, ListedStock, Marketplace, WarehouseId, WholeRoubles};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ListingEvent {
    ListingPublished {
        account_id: AccountId,
        /// Absent from listings published before GoMarket had a second marketplace: those
        /// are all on Wildberries.
        #[serde(default)]
        marketplace: Marketplace,
        product_id: ProductId,
        vendor_code: crate::marketplace::values::VendorCode,
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
    /// The upload became the marketplace's import task `task_id`.
    CardTaskAssigned {
        task_id: u64,
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
        /// The price before discount in whole roubles, rounded up.
        value: WholeRoubles,
        /// The price before discount as the marketplace received it; absent before Ozon
        /// (Wildberries receives `value`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kopecks: Option<Kopecks>,
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
            | Self::CardTaskAssigned { at, .. }
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

domain_event!(ListingEvent: ListingPublished, ListingRepublished, ListingTargetSet, CardRequested, CardTaskAssigned, CardCreated, CardRejected, CardRequestExpired, PriceRequested, PriceApplied, PriceFailed, PriceQuarantined, StockRequested, StockApplied, StockFailed, PushAttemptFailed, PushRetried);
