//! A listing's state and the fold of its events.

use super::{ListingEvent, ListingTarget};
use crate::catalog::ProductId;
use crate::marketplace::account::AccountId;
use crate::marketplace::card::CardDraft;
use crate::marketplace::values::{DiscountPercent, ListedStock, VendorCode, WarehouseId, WholeRoubles};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The card's life on the marketplace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CardState {
    /// Waiting to be uploaded.
    NotPublished,
    /// Uploaded; the marketplace creates cards asynchronously.
    Requested {
        at: DateTime<Utc>,
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
    pub discount: DiscountPercent,
    pub task_id: u64,
    pub state: PushState,
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
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ListingState {
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
                let differs = push.value != self.target.price_roubles() || push.discount != self.target.discount;
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

    /// Whether a push that failed to reach the marketplace waits for its next attempt.
    pub fn retry_pending(&self, now: DateTime<Utc>) -> bool {
        self.retry.as_ref().is_some_and(|r| r.retry_at > now)
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
            product_id,
            vendor_code,
            target,
            at,
        } = event
        {
            self.state = Some(ListingState {
                account_id,
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
                state.card = CardState::Requested { at };
                state.draft = Some(draft);
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
                discount,
                task_id,
                ..
            } => {
                state.reached(PushArea::Price);
                state.price = Some(PricePush {
                    intent,
                    value,
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
