//! An analytics fact: one business happening read from the store, with the ids a subscriber
//! filters on and its place in the global feed.

use chrono::{DateTime, Utc};
use gomarket_infra::event_store::FeedPosition;
use thiserror::Error;
use uuid::Uuid;

/// What happened. Each kind comes from a few event types of one or two aggregates
/// ([`FactKind::aggregate_types`]), so a reader asking for some kinds skips the rest of the
/// store without decoding it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FactKind {
    /// The marketplace applied a price (`Listing`/`PriceApplied`).
    PricePublished,
    /// A sync run held a price back (the price-drop guard), per product.
    PriceHeld,
    /// The marketplace's stock of an article in a warehouse changed (its stock report).
    StockChanged,
    /// A supplier product's stock changed (import or manual change).
    SupplierStockChanged,
    /// A listing's card, price or stock push reached a state worth knowing.
    ListingStateChanged,
    OrderPlaced,
    OrderCancelled,
    /// A buyout.
    Sale,
    Return,
    /// An import completed or failed.
    ImportFinished,
    /// A sync run completed or failed.
    SyncRunFinished,
    AlertRaised,
    AlertAcknowledged,
    AlertResolved,
}

impl FactKind {
    pub const ALL: [FactKind; 14] = [
        Self::PricePublished,
        Self::PriceHeld,
        Self::StockChanged,
        Self::SupplierStockChanged,
        Self::ListingStateChanged,
        Self::OrderPlaced,
        Self::OrderCancelled,
        Self::Sale,
        Self::Return,
        Self::ImportFinished,
        Self::SyncRunFinished,
        Self::AlertRaised,
        Self::AlertAcknowledged,
        Self::AlertResolved,
    ];

    /// The aggregate types whose events can make a fact of this kind.
    pub fn aggregate_types(self) -> &'static [&'static str] {
        match self {
            Self::PricePublished | Self::ListingStateChanged => &["Listing"],
            Self::PriceHeld | Self::SyncRunFinished => &["SyncRun"],
            Self::StockChanged => &["MarketplaceStock"],
            Self::SupplierStockChanged => &["Product"],
            Self::OrderPlaced | Self::OrderCancelled | Self::Sale | Self::Return => &["MarketplaceOrder"],
            Self::ImportFinished => &["Import"],
            Self::AlertRaised | Self::AlertAcknowledged | Self::AlertResolved => &["Alert"],
        }
    }

    /// The aggregate types of `kinds`, without repeats.
    pub fn aggregate_types_of(kinds: &[FactKind]) -> Vec<&'static str> {
        let mut types: Vec<&'static str> = kinds.iter().flat_map(|k| k.aggregate_types()).copied().collect();
        types.sort_unstable();
        types.dedup();
        types
    }
}

/// The state a listing reached, as reported by [`FactKind::ListingStateChanged`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingFactState {
    /// The card was sent for publication.
    CardRequested,
    /// The marketplace created the card (it has an article number now).
    CardCreated,
    CardRejected,
    PriceFailed,
    /// The marketplace quarantined a price (a cut it considers suspicious).
    PriceQuarantined,
    StockFailed,
    /// A push failed and waits for its retry.
    PushRetrying,
}

/// How an import or a sync run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinishStatus {
    Completed,
    Failed,
}

/// Offer counts of a finished import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportTally {
    pub seen: u64,
    pub created: u64,
    pub updated: u64,
    pub rejected: u64,
}

/// The facts' own data, per kind. Money is in kopecks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactDetail {
    PricePublished {
        /// Before the seller's discount (whole roubles, in kopecks); `None` when the request
        /// the marketplace answered is not in the store (it always is, short of a bug).
        price_kopecks: Option<i64>,
        discount_percent: Option<i32>,
    },
    PriceHeld {
        run_id: Uuid,
        reason: String,
        /// The price the rule wanted, which was not sent.
        price_kopecks: Option<i64>,
    },
    StockChanged {
        nm_id: i64,
        warehouse: String,
        quantity: i64,
        previous: Option<i64>,
    },
    SupplierStockChanged {
        stock: i64,
        previous: i64,
    },
    ListingStateChanged {
        state: ListingFactState,
        reason: Option<String>,
        nm_id: Option<i64>,
    },
    OrderPlaced {
        srid: String,
        nm_id: i64,
        warehouse: String,
        region: String,
        at: DateTime<Utc>,
        price_with_discount_kopecks: i64,
        finished_price_kopecks: i64,
    },
    OrderCancelled {
        srid: String,
        nm_id: i64,
        at: DateTime<Utc>,
        price_with_discount_kopecks: i64,
    },
    /// A buyout or a return.
    SaleOrReturn {
        srid: String,
        sale_id: String,
        nm_id: i64,
        at: DateTime<Utc>,
        price_with_discount_kopecks: i64,
        finished_price_kopecks: i64,
        for_pay_kopecks: i64,
    },
    ImportFinished {
        import_id: Uuid,
        status: FinishStatus,
        reason: Option<String>,
        tally: ImportTally,
    },
    SyncRunFinished {
        run_id: Uuid,
        policy_id: Option<Uuid>,
        status: FinishStatus,
        reason: Option<String>,
    },
    Alert {
        alert_id: Uuid,
        condition: String,
        subject: String,
        message: String,
    },
}

/// One fact, as subscribers receive it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyticsFact {
    /// The place of the event it comes from in the global feed: facts are in this order,
    /// and a subscriber resumes after the last one it handled.
    pub cursor: FactCursor,
    pub recorded_at: DateTime<Utc>,
    pub kind: FactKind,
    pub account_id: Option<Uuid>,
    pub supplier_id: Option<Uuid>,
    pub product_id: Option<Uuid>,
    pub listing_id: Option<Uuid>,
    /// Who issued the command that recorded it (`user:…`, `key:…`, `system:…`), when known.
    pub actor: Option<String>,
    /// The event it comes from, for `history`.
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: i64,
    pub detail: FactDetail,
}

/// A fact's place: its event's place in the feed, and its index among the facts of that
/// event (one sync run event can hold back many prices).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FactCursor {
    pub position: FeedPosition,
    pub index: u32,
}

/// A cursor that this server did not hand out.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("not an analytics cursor handed out by this server: {0:?}")]
pub struct CursorError(pub String);

impl FactCursor {
    /// Before every fact.
    pub const START: FactCursor = FactCursor {
        position: FeedPosition::START,
        index: 0,
    };

    /// `<transaction id>.<position>.<index>`: opaque to clients.
    pub fn encode(&self) -> String {
        format!("{}.{}.{}", self.position.tx_id, self.position.position, self.index)
    }

    pub fn decode(raw: &str) -> Result<Self, CursorError> {
        let bad = || CursorError(raw.chars().take(80).collect());
        let mut parts = raw.trim().split('.');
        let mut number = || parts.next().and_then(|p| p.parse::<i64>().ok()).filter(|n| *n >= 0);
        let (Some(tx_id), Some(position), Some(index)) = (number(), number(), number()) else {
            return Err(bad());
        };
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(Self {
            position: FeedPosition { tx_id, position },
            index: u32::try_from(index).map_err(|_| bad())?,
        })
    }

    /// Whether a fact at `self` comes after a reader at `reached`, which read every fact of
    /// events up to `reached.position` when `reached.index` is [`u32::MAX`].
    pub fn is_after(&self, reached: &FactCursor) -> bool {
        self > reached
    }

    /// The cursor of a reader that has read every fact of the event at `position`.
    pub fn past(position: FeedPosition) -> Self {
        Self {
            position,
            index: u32::MAX,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_anything_else() {
        let cursor = FactCursor {
            position: FeedPosition {
                tx_id: 9001,
                position: 42,
            },
            index: 3,
        };
        assert_eq!(FactCursor::decode(&cursor.encode()), Ok(cursor));
        for bad in ["", "1.2", "1.2.3.4", "a.b.c", "1.-2.0", "1.2.99999999999"] {
            assert!(FactCursor::decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_reader_past_an_event_is_after_every_fact_of_it() {
        let position = FeedPosition { tx_id: 5, position: 7 };
        let first = FactCursor { position, index: 0 };
        let second = FactCursor { position, index: 1 };
        assert!(second.is_after(&first));
        assert!(!second.is_after(&FactCursor::past(position)));
        let next = FactCursor {
            position: FeedPosition { tx_id: 6, position: 1 },
            index: 0,
        };
        assert!(next.is_after(&FactCursor::past(position)));
    }

    #[test]
    fn kinds_name_the_aggregates_they_come_from_once() {
        let types = FactKind::aggregate_types_of(&[FactKind::OrderPlaced, FactKind::Sale, FactKind::PriceHeld]);
        assert_eq!(types, ["MarketplaceOrder", "SyncRun"]);
        assert_eq!(FactKind::aggregate_types_of(&FactKind::ALL).len(), 7);
    }
}
