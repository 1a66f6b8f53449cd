//! A listing's state and the fold of its events.

use super::{ListingEvent, ListingTarget};
use crate::catalog::{Kopecks, ProductId};
use crate::marketplace::account::AccountId;
use crate::marketplace::card::CardDraft;
use crate::marketplace::values::{DiscountPercent, ListedStock, Marketplace, VendorCode, WarehouseId, WholeRoubles};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The card's life on the marketplace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CardState {
    /// Waiting to be uploaded.
    NotPublished,
    /// Uploaded; the marketplace creates cards asynchronously (Ozon: as import task `task`).
    Requested {
        at: DateTime<Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        task: Option<u64>,
    },
    Created {
        nm_id: u64,
        chrt_ids: Vec<u64>,
    },
    Rejected {
        reason: String,
        local: bool,
    },
}

/// Where a pushed price or stock stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PushState {
    Pending,
    Applied,
    Failed { reason: String },
    Quarantined { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricePush {
    pub intent: u64,
    pub value: WholeRoubles,
    /// The price as the marketplace received it, when it takes kopecks (see [`Self::sent`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kopecks: Option<Kopecks>,
    pub discount: DiscountPercent,
    pub task_id: u64,
    pub state: PushState,
}

impl PricePush {
    /// The price before discount as the marketplace received it.
    pub fn sent(&self) -> Kopecks {
        self.kopecks
            .unwrap_or_else(|| Kopecks::new(self.value.to_kopecks()).unwrap_or(Kopecks::ZERO))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockPush {
    pub intent: u64,
    pub amount: ListedStock,
    pub warehouse: WarehouseId,
    pub state: PushState,
}

/// A push that keeps failing to reach the marketplace, waiting for its next attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRetry {
    pub area: PushArea,
    pub reason: String,
    /// Failed attempts so far.
    pub attempts: u32,
    /// No attempt before this.
    pub retry_at: DateTime<Utc>,
}

/// What a problem was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PushArea {
    Card,
    Price,
    Stock,
}

/// A refusal or failure, as the marketplace (or local validation) worded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingError {
    pub area: PushArea,
    pub message: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingState {
    pub account_id: AccountId,
    #[serde(default)]
    pub marketplace: Marketplace,
    pub product_id: ProductId,
    pub vendor_code: VendorCode,
    pub target: ListingTarget,
    /// Bumped by every change of the target: the intent version pushes are keyed by.
    pub intent: u64,
    pub card: CardState,
    /// The card last sent.
    pub draft: Option<Box<CardDraft>>,
    pub price: Option<PricePush>,
    pub stock: Option<StockPush>,
    /// Open problems, newest last; a later success of the same area clears them.
    pub errors: Vec<ListingError>,
    /// A push waiting to be tried again (none when the last attempt reached the marketplace).
    #[serde(default)]
    pub retry: Option<PushRetry>,
    /// When the last prices were taken by the marketplace, oldest first (at most
    /// [`PRICE_REQUESTS_KEPT`]): a marketplace that caps price changes per product and hour
    /// is held to its cap by them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub price_requests: Vec<DateTime<Utc>>,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Price requests a listing remembers: more than any marketplace's hourly cap.
pub const PRICE_REQUESTS_KEPT: usize = 20;

impl ListingState {
    /// Prices the marketplace took after `since`.
    pub fn price_requests_since(&self, since: DateTime<Utc>) -> usize {
        self.price_requests.iter().filter(|&&at| at > since).count()
    }

    /// When the oldest of the last `cap` price requests leaves the `window` (an hour, for
    /// the marketplaces' caps): no earlier may a further price go out under a cap of `cap`
    /// per window. `None` when under the cap.
    pub fn price_cap_frees_at(
        &self,
        cap: usize,
        window: chrono::Duration,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        if cap == 0 || self.price_requests_since(now - window) < cap {
            return None;
        }
        let within: Vec<&DateTime<Utc>> = self.price_requests.iter().filter(|&&at| at > now - window).collect();
        within.get(within.len() - cap).map(|&&at| at + window)
    }

    /// The chrtIDs stocks go to, once the card exists.
    pub fn chrt_ids(&self) -> &[u64] {
        match &self.card {
            CardState::Created { chrt_ids, .. } => chrt_ids,
            _ => &[],
        }
    }

    pub fn nm_id(&self) -> Option<u64> {
        match &self.card {
            CardState::Created { nm_id, .. } => Some(*nm_id),
            _ => None,
        }
    }

    /// Whether the target price differs from the last one pushed (or none was pushed, or the
    /// last push for an older intent did not go through), with the card in place.
    pub fn price_due(&self) -> bool {
        if self.nm_id().is_none() {
            return false;
        }
        match &self.price {
            None => true,
            Some(push) if push.state == PushState::Pending => false,
            Some(push) => {
                let differs =
                    push.sent() != self.target.price_as_sent(self.marketplace) || push.discount != self.target.discount;
                push.intent < self.intent && (differs || push.state != PushState::Applied)
            }
        }
    }

    /// Same for the stock.
    pub fn stock_due(&self) -> bool {
        if self.chrt_ids().is_empty() {
            return false;
        }
        match &self.stock {
            None => true,
            Some(push) if push.state == PushState::Pending => false,
            Some(push) => {
                push.intent < self.intent && (push.amount != self.target.stock || push.state != PushState::Applied)
            }
        }
    }

    /// Whether the push of `area` waits for its next attempt: a wait of another area (a stock
    /// put off while the product is in moderation) does not hold it back.
    pub fn waits(&self, area: PushArea, now: DateTime<Utc>) -> bool {
        self.retry.as_ref().is_some_and(|r| r.area == area && r.retry_at > now)
    }

    /// A push of `area` reached the marketplace: a wait of that area is over (another area's
    /// failing push keeps waiting).
    fn reached(&mut self, area: PushArea) {
        if self.retry.as_ref().is_some_and(|r| r.area == area) {
            self.retry = None;
        }
    }

    fn clear_errors(&mut self, area: PushArea) {
        self.errors.retain(|e| e.area != area);
    }

    fn add_error(&mut self, area: PushArea, message: String, at: DateTime<Utc>) {
        self.errors.push(ListingError { area, message, at });
    }
}

/// The `Listing` aggregate: `None` until published.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing {
    pub state: Option<ListingState>,
    pub version: u64,
}

impl Listing {
    pub fn apply_event(&mut self, event: ListingEvent) {
        self.version += 1;
        let at = event.at();
        if let ListingEvent::ListingPublished {
            account_id,
            marketplace,
            product_id,
            vendor_code,
            target,
            at,
        } = event
        {
            self.state = Some(ListingState {
                account_id,
                marketplace,
                product_id,
                vendor_code,
                target,
                intent: 1,
                card: CardState::NotPublished,
                draft: None,
                price: None,
                stock: None,
                errors: vec![],
                retry: None,
                price_requests: vec![],
                published_at: at,
                updated_at: at,
            });
            return;
        }
        let Some(state) = self.state.as_mut() else { return };
        state.updated_at = at;
        match event {
            ListingEvent::ListingPublished { .. } => {}
            ListingEvent::ListingRepublished { .. } => {
                state.card = CardState::NotPublished;
                state.clear_errors(PushArea::Card);
            }
            ListingEvent::ListingTargetSet { target, intent, .. } => {
                state.target = target;
                state.intent = intent;
            }
            ListingEvent::CardRequested { draft, at } => {
                state.card = CardState::Requested { at, task: None };
                state.draft = Some(draft);
            }
            ListingEvent::CardTaskAssigned { task_id, .. } => {
                if let CardState::Requested { task, .. } = &mut state.card {
                    *task = Some(task_id);
                }
            }
            ListingEvent::CardCreated { nm_id, chrt_ids, .. } => {
                state.reached(PushArea::Card);
                state.card = CardState::Created { nm_id, chrt_ids };
                state.clear_errors(PushArea::Card);
            }
            ListingEvent::CardRejected { reason, local, at } => {
                state.card = CardState::Rejected {
                    reason: reason.clone(),
                    local,
                };
                state.add_error(PushArea::Card, reason, at);
            }
            ListingEvent::CardRequestExpired { .. } => state.card = CardState::NotPublished,
            ListingEvent::PriceRequested {
                intent,
                value,
                kopecks,
                discount,
                task_id,
                at,
            } => {
                state.reached(PushArea::Price);
                state.price_requests.push(at);
                let over = state.price_requests.len().saturating_sub(PRICE_REQUESTS_KEPT);
                state.price_requests.drain(..over);
                state.price = Some(PricePush {
                    intent,
                    value,
                    kopecks,
                    discount,
                    task_id,
                    state: PushState::Pending,
                });
            }
            ListingEvent::PriceApplied { .. } => {
                if let Some(push) = state.price.as_mut() {
                    push.state = PushState::Applied;
                }
                state.clear_errors(PushArea::Price);
            }
            ListingEvent::PriceFailed { reason, at, .. } => {
                if let Some(push) = state.price.as_mut() {
                    push.state = PushState::Failed { reason: reason.clone() };
                }
                state.add_error(PushArea::Price, reason, at);
            }
            ListingEvent::PriceQuarantined { reason, at, .. } => {
                if let Some(push) = state.price.as_mut() {
                    push.state = PushState::Quarantined { reason: reason.clone() };
                }
                state.add_error(PushArea::Price, reason, at);
            }
            ListingEvent::StockRequested {
                intent,
                amount,
                warehouse,
                ..
            } => {
                state.reached(PushArea::Stock);
                state.stock = Some(StockPush {
                    intent,
                    amount,
                    warehouse,
                    state: PushState::Pending,
                });
            }
            ListingEvent::StockApplied { .. } => {
                if let Some(push) = state.stock.as_mut() {
                    push.state = PushState::Applied;
                }
                state.clear_errors(PushArea::Stock);
            }
            ListingEvent::StockFailed { reason, at, .. } => {
                if let Some(push) = state.stock.as_mut() {
                    push.state = PushState::Failed { reason: reason.clone() };
                }
                state.add_error(PushArea::Stock, reason, at);
            }
            ListingEvent::PushAttemptFailed {
                area,
                reason,
                attempts,
                retry_at,
                ..
            } => {
                state.retry = Some(PushRetry {
                    area,
                    reason,
                    attempts,
                    retry_at,
                });
            }
            ListingEvent::PushRetried { intent, .. } => {
                state.retry = None;
                state.intent = intent;
            }
        }
    }
}
