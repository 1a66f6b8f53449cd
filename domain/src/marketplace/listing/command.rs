use super::*;
use crate::catalog::{Kopecks, ProductId};
use crate::marketplace::account::AccountId;
use crate::marketplace::card::CardDraft;
use crate::marketplace::values::{DiscountPercent, ListedStock, Marketplace, WarehouseId, WholeRoubles};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the seller wants live: the price before discount, the discount, the units for sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingTarget {
    pub price: Kopecks,
    pub discount: DiscountPercent,
    pub stock: ListedStock,
}

impl ListingTarget {
    /// The price in whole roubles, rounded up (what Wildberries receives).
    pub fn price_roubles(&self) -> WholeRoubles {
        WholeRoubles::from_kopecks_rounding_up(self.price)
    }

    /// The price before discount as `marketplace` receives it (rounded up to its step).
    pub fn price_as_sent(&self, marketplace: Marketplace) -> Kopecks {
        marketplace.price_as_sent(self.price)
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
        /// The account's marketplace.
        marketplace: Marketplace,
        product_id: ProductId,
        vendor_code: crate::marketplace::values::VendorCode,
        target: ListingTarget,
        refusal: Option<String>,
    },
    SetTarget(ListingTarget),
    /// The worker is about to upload this card.
    RequestCard(Box<CardDraft>),
    /// The marketplace took the upload as import task `task_id` (Ozon); the card's outcome
    /// is read from that task.
    RecordCardTask {
        task_id: u64,
    },
    /// The card exists on the marketplace (found by vendor code, or by its import task):
    /// its id there and the ids stocks are set on (Wildberries `nmID` and `chrtID`s; Ozon
    /// `product_id`, twice).
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
    /// The marketplace took the price for intent `intent`: `price` (before discount) as it
    /// received it, under task `task_id` (0 when it answers at once, or refused the request).
    RequestPrice {
        intent: u64,
        price: Kopecks,
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
            Self::RecordCardTask { .. } => "RecordCardTask",
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
