//! The values that cross the marketplace port.

use crate::secrets::SecretValue;
use chrono::{DateTime, Utc};
use gomarket_domain::catalog::Kopecks;
use gomarket_domain::marketplace::card::CardDraft;
use gomarket_domain::marketplace::listing::{ListingTarget, PriceOutcome};
use gomarket_domain::marketplace::values::{ClientId, DiscountPercent, ListedStock, WarehouseId};
use std::time::Duration;
use uuid::Uuid;

/// One account's credentials for a request: its id (for the rate limits), the seller id
/// where the marketplace has one, and the token (never printed).
#[derive(Clone)]
pub struct Credentials {
    pub account_id: Uuid,
    pub client_id: Option<ClientId>,
    token: SecretValue,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("account_id", &self.account_id)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    pub fn new(account_id: Uuid, client_id: Option<ClientId>, token: SecretValue) -> Self {
        Self {
            account_id,
            client_id,
            token,
        }
    }

    pub fn token(&self) -> &str {
        self.token.expose()
    }
}

/// Why a marketplace request did not succeed; each adapter maps its client's errors here.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MarketplaceError {
    /// The marketplace refused the credentials (401, or Ozon's 403 on the key): the account
    /// is `CREDENTIALS_INVALID` until the seller replaces them.
    #[error("marketplace credentials invalid or expired: {detail}")]
    Unauthorized { detail: String },
    /// Another 4xx: the marketplace refused the request, in its words; never retried.
    #[error("the marketplace refused the request (HTTP {status}): {message}")]
    Refused { status: u16, message: String },
    /// 5xx or timeouts, still after the client's retries.
    #[error("the marketplace is unavailable: {reason}")]
    Unavailable { reason: String },
    /// A success whose body is not what the API documents.
    #[error("unexpected answer from the marketplace: {reason}")]
    BadResponse { reason: String },
}

/// Batch sizes and quotas of one marketplace's pushes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PushLimits {
    /// Prices in one request.
    pub price_batch: usize,
    /// Price changes a product may take per `price_window` (Ozon: 10 an hour); `None` when
    /// unlimited.
    pub price_changes_per_hour: Option<usize>,
    /// The window of that cap: an hour (shorter only in tests that run long paces faster).
    pub price_window: std::time::Duration,
}

/// Cards the marketplace still takes today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardQuota {
    /// New cards that may still be created today.
    pub create_left: u64,
    /// When the count starts over.
    pub resets_at: DateTime<Utc>,
}

/// One card to upload, with the listing's target (a marketplace whose card carries its price
/// needs it).
#[derive(Debug, Clone, Copy)]
pub struct CardUpload<'a> {
    pub draft: &'a CardDraft,
    pub target: &'a ListingTarget,
}

/// What the marketplace gave for an upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardsTaken {
    /// The import task the outcome is read from (Ozon); `None` when cards are found by vendor
    /// code (Wildberries).
    pub task: Option<u64>,
}

/// A requested card to look for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardWanted {
    pub vendor_code: String,
    /// Its import task, when the marketplace gave one.
    pub task: Option<u64>,
}

/// What became of a requested card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardFound {
    /// It exists: its id on the marketplace and the ids stocks are set on.
    Created { card_id: u64, unit_ids: Vec<u64> },
    /// The marketplace refused it, in its words.
    Refused { reason: String },
    /// Still being processed.
    Pending,
}

/// One listing's price to send: the price before discount as the marketplace receives it,
/// and the discount.
#[derive(Debug, Clone, Copy)]
pub struct PriceChange<'a> {
    pub card_id: u64,
    pub vendor_code: &'a str,
    pub price: Kopecks,
    pub discount: DiscountPercent,
}

/// How the marketplace took a batch of prices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PricesTaken {
    /// As a task, settled later ([`MarketplaceApi::price_task`](super::MarketplaceApi::price_task)).
    Task(u64),
    /// At once: each price's outcome, in order.
    Settled(Vec<PriceOutcome>),
}

/// Where a price task stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PriceTaskState {
    Processing,
    /// Done: the outcome of each card the task had, by card id (a card not named was applied).
    Done(std::collections::HashMap<u64, PriceOutcome>),
    /// The whole task failed or was cancelled, with the marketplace's reason.
    Failed {
        reason: String,
    },
}

/// One listing's stock to send.
#[derive(Debug, Clone, Copy)]
pub struct StockChange<'a> {
    pub card_id: u64,
    pub unit_ids: &'a [u64],
    pub vendor_code: &'a str,
    pub warehouse: WarehouseId,
    pub amount: ListedStock,
}

/// How one stock push ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StockPushed {
    Applied,
    Failed {
        reason: String,
    },
    /// Not taken now, for a reason that passes (the product is still in moderation, the pair
    /// was set too recently): tried again after `after`.
    Later {
        reason: String,
        after: Duration,
    },
}
