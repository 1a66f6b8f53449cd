//! The items of `analyticsEvents`: one GraphQL type per kind of fact, all implementing the
//! `AnalyticsEvent` interface (cursor, time, kind, the ids filters use, the event's stream).

use async_graphql::{Enum, ID, Interface, Object, SimpleObject};
use chrono::{DateTime, Utc};
use gomarket_projections::analytics::{AnalyticsFact, FactDetail, FactKind, FinishStatus, ListingFactState};
use std::sync::Arc;

/// The kinds of analytics events (`analyticsEvents(filter: {kinds})`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum)]
pub enum AnalyticsEventKind {
    PricePublished,
    PriceHeld,
    StockChanged,
    SupplierStockChanged,
    ListingStateChanged,
    OrderPlaced,
    OrderCancelled,
    Sale,
    Return,
    ImportFinished,
    SyncRunFinished,
    AlertRaised,
    AlertAcknowledged,
    AlertResolved,
}

impl From<AnalyticsEventKind> for FactKind {
    fn from(kind: AnalyticsEventKind) -> Self {
        match kind {
            AnalyticsEventKind::PricePublished => Self::PricePublished,
            AnalyticsEventKind::PriceHeld => Self::PriceHeld,
            AnalyticsEventKind::StockChanged => Self::StockChanged,
            AnalyticsEventKind::SupplierStockChanged => Self::SupplierStockChanged,
            AnalyticsEventKind::ListingStateChanged => Self::ListingStateChanged,
            AnalyticsEventKind::OrderPlaced => Self::OrderPlaced,
            AnalyticsEventKind::OrderCancelled => Self::OrderCancelled,
            AnalyticsEventKind::Sale => Self::Sale,
            AnalyticsEventKind::Return => Self::Return,
            AnalyticsEventKind::ImportFinished => Self::ImportFinished,
            AnalyticsEventKind::SyncRunFinished => Self::SyncRunFinished,
            AnalyticsEventKind::AlertRaised => Self::AlertRaised,
            AnalyticsEventKind::AlertAcknowledged => Self::AlertAcknowledged,
            AnalyticsEventKind::AlertResolved => Self::AlertResolved,
        }
    }
}

impl From<FactKind> for AnalyticsEventKind {
    fn from(kind: FactKind) -> Self {
        match kind {
            FactKind::PricePublished => Self::PricePublished,
            FactKind::PriceHeld => Self::PriceHeld,
            FactKind::StockChanged => Self::StockChanged,
            FactKind::SupplierStockChanged => Self::SupplierStockChanged,
            FactKind::ListingStateChanged => Self::ListingStateChanged,
            FactKind::OrderPlaced => Self::OrderPlaced,
            FactKind::OrderCancelled => Self::OrderCancelled,
            FactKind::Sale => Self::Sale,
            FactKind::Return => Self::Return,
            FactKind::ImportFinished => Self::ImportFinished,
            FactKind::SyncRunFinished => Self::SyncRunFinished,
            FactKind::AlertRaised => Self::AlertRaised,
            FactKind::AlertAcknowledged => Self::AlertAcknowledged,
            FactKind::AlertResolved => Self::AlertResolved,
        }
    }
}

/// The state a listing reached (`ListingStateChanged.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ListingEventState {
    CardRequested,
    CardCreated,
    CardRejected,
    PriceFailed,
    PriceQuarantined,
    StockFailed,
    /// A push failed; it is retried later.
    PushRetrying,
}

impl From<ListingFactState> for ListingEventState {
    fn from(state: ListingFactState) -> Self {
        match state {
            ListingFactState::CardRequested => Self::CardRequested,
            ListingFactState::CardCreated => Self::CardCreated,
            ListingFactState::CardRejected => Self::CardRejected,
            ListingFactState::PriceFailed => Self::PriceFailed,
            ListingFactState::PriceQuarantined => Self::PriceQuarantined,
            ListingFactState::StockFailed => Self::StockFailed,
            ListingFactState::PushRetrying => Self::PushRetrying,
        }
    }
}

/// How an import or a sync run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum FinishedStatus {
    Completed,
    Failed,
}

impl From<FinishStatus> for FinishedStatus {
    fn from(status: FinishStatus) -> Self {
        match status {
            FinishStatus::Completed => Self::Completed,
            FinishStatus::Failed => Self::Failed,
        }
    }
}

fn id(uuid: Option<uuid::Uuid>) -> Option<ID> {
    uuid.map(|u| ID(u.to_string()))
}

/// An object type over one fact, with the interface's fields and its own (`$own`, methods
/// of `#[Object]` reading `self.0.detail`).
macro_rules! fact_object {
    ($(#[$doc:meta])* $name:ident { $($own:tt)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub Arc<AnalyticsFact>);

        #[Object]
        impl $name {
            /// Its place in the feed: subscribe with `after` set to it to get what follows.
            async fn cursor(&self) -> String {
                self.0.cursor.encode()
            }
            /// When the event was recorded.
            async fn recorded_at(&self) -> DateTime<Utc> {
                self.0.recorded_at
            }
            async fn kind(&self) -> AnalyticsEventKind {
                self.0.kind.into()
            }
            async fn account_id(&self) -> Option<ID> {
                id(self.0.account_id)
            }
            async fn supplier_id(&self) -> Option<ID> {
                id(self.0.supplier_id)
            }
            async fn product_id(&self) -> Option<ID> {
                id(self.0.product_id)
            }
            async fn listing_id(&self) -> Option<ID> {
                id(self.0.listing_id)
            }
            /// Who issued the command that recorded it (`user:…`, `key:…`, `system:…`).
            async fn actor(&self) -> Option<String> {
                self.0.actor.clone()
            }
            /// The event's stream, for `history(aggregateType, id)`.
            async fn aggregate_type(&self) -> String {
                self.0.aggregate_type.clone()
            }
            async fn aggregate_id(&self) -> ID {
                ID(self.0.aggregate_id.clone())
            }
            async fn sequence(&self) -> i64 {
                self.0.sequence
            }
            $($own)*
        }
    };
}

fact_object!(
    /// The marketplace applied a listing's price.
    PricePublished {
        /// Before the seller's discount, in kopecks (whole roubles).
        async fn price_kopecks(&self) -> Option<i64> {
            match &self.0.detail {
                FactDetail::PricePublished { price_kopecks, .. } => *price_kopecks,
                _ => None,
            }
        }
        async fn discount_percent(&self) -> Option<i32> {
            match &self.0.detail {
                FactDetail::PricePublished { discount_percent, .. } => *discount_percent,
                _ => None,
            }
        }
    }
);

fact_object!(
    /// A sync run held a listing's price back (the price-drop guard) until approved.
    PriceHeld {
        async fn run_id(&self) -> Option<ID> {
            match &self.0.detail {
                FactDetail::PriceHeld { run_id, .. } => Some(ID(run_id.to_string())),
                _ => None,
            }
        }
        async fn reason(&self) -> Option<String> {
            match &self.0.detail {
                FactDetail::PriceHeld { reason, .. } => Some(reason.clone()),
                _ => None,
            }
        }
        /// The price (before discount, kopecks) that was not sent.
        async fn price_kopecks(&self) -> Option<i64> {
            match &self.0.detail {
                FactDetail::PriceHeld { price_kopecks, .. } => *price_kopecks,
                _ => None,
            }
        }
    }
);

/// The fields of a marketplace stock observation.
#[derive(Debug, Clone, SimpleObject)]
pub struct StockFigures {
    pub nm_id: i64,
    pub warehouse: String,
    pub quantity: i64,
    pub previous_quantity: Option<i64>,
}

fact_object!(
    /// The marketplace reported another stock of an article in one of its warehouses.
    StockChanged {
        async fn stock(&self) -> Option<StockFigures> {
            match &self.0.detail {
                FactDetail::StockChanged {
                    nm_id,
                    warehouse,
                    quantity,
                    previous,
                } => Some(StockFigures {
                    nm_id: *nm_id,
                    warehouse: warehouse.clone(),
                    quantity: *quantity,
                    previous_quantity: *previous,
                }),
                _ => None,
            }
        }
    }
);

fact_object!(
    /// A catalog product's (supplier) stock changed.
    SupplierStockChanged {
        async fn stock(&self) -> Option<i64> {
            match &self.0.detail {
                FactDetail::SupplierStockChanged { stock, .. } => Some(*stock),
                _ => None,
            }
        }
        async fn previous_stock(&self) -> Option<i64> {
            match &self.0.detail {
                FactDetail::SupplierStockChanged { previous, .. } => Some(*previous),
                _ => None,
            }
        }
    }
);

fact_object!(
    /// A listing's card, price or stock push reached a state worth knowing.
    ListingStateChanged {
        async fn state(&self) -> Option<ListingEventState> {
            match &self.0.detail {
                FactDetail::ListingStateChanged { state, .. } => Some((*state).into()),
                _ => None,
            }
        }
        async fn reason(&self) -> Option<String> {
            match &self.0.detail {
                FactDetail::ListingStateChanged { reason, .. } => reason.clone(),
                _ => None,
            }
        }
        /// The marketplace's article number, once the card exists.
        async fn nm_id(&self) -> Option<i64> {
            match &self.0.detail {
                FactDetail::ListingStateChanged { nm_id, .. } => *nm_id,
                _ => None,
            }
        }
    }
);

/// What an order, a buyout or a return was about.
#[derive(Debug, Clone, SimpleObject)]
pub struct OrderFigures {
    /// The marketplace's order id (`srid`).
    pub srid: String,
    /// The buyout's or return's id (`saleID`); `None` for orders.
    pub sale_id: Option<String>,
    pub nm_id: i64,
    /// When it happened, as the marketplace reports it.
    pub happened_at: DateTime<Utc>,
    pub warehouse: Option<String>,
    pub region: Option<String>,
    pub price_with_discount_kopecks: i64,
    pub finished_price_kopecks: Option<i64>,
    /// What the marketplace pays the seller (buyouts, negative for returns).
    pub for_pay_kopecks: Option<i64>,
}

fn order_figures(detail: &FactDetail) -> Option<OrderFigures> {
    Some(match detail {
        FactDetail::OrderPlaced {
            srid,
            nm_id,
            warehouse,
            region,
            at,
            price_with_discount_kopecks,
            finished_price_kopecks,
        } => OrderFigures {
            srid: srid.clone(),
            sale_id: None,
            nm_id: *nm_id,
            happened_at: *at,
            warehouse: Some(warehouse.clone()),
            region: Some(region.clone()),
            price_with_discount_kopecks: *price_with_discount_kopecks,
            finished_price_kopecks: Some(*finished_price_kopecks),
            for_pay_kopecks: None,
        },
        FactDetail::OrderCancelled {
            srid,
            nm_id,
            at,
            price_with_discount_kopecks,
        } => OrderFigures {
            srid: srid.clone(),
            sale_id: None,
            nm_id: *nm_id,
            happened_at: *at,
            warehouse: None,
            region: None,
            price_with_discount_kopecks: *price_with_discount_kopecks,
            finished_price_kopecks: None,
            for_pay_kopecks: None,
        },
        FactDetail::SaleOrReturn {
            srid,
            sale_id,
            nm_id,
            at,
            price_with_discount_kopecks,
            finished_price_kopecks,
            for_pay_kopecks,
        } => OrderFigures {
            srid: srid.clone(),
            sale_id: Some(sale_id.clone()),
            nm_id: *nm_id,
            happened_at: *at,
            warehouse: None,
            region: None,
            price_with_discount_kopecks: *price_with_discount_kopecks,
            finished_price_kopecks: Some(*finished_price_kopecks),
            for_pay_kopecks: Some(*for_pay_kopecks),
        },
        _ => return None,
    })
}

fact_object!(
    /// A buyer ordered (Wildberries' orders report).
    OrderPlaced {
        async fn order(&self) -> Option<OrderFigures> {
            order_figures(&self.0.detail)
        }
    }
);

fact_object!(
    /// An order was cancelled.
    OrderCancelled {
        async fn order(&self) -> Option<OrderFigures> {
            order_figures(&self.0.detail)
        }
    }
);

fact_object!(
    /// A buyout (Wildberries' sales report, `S…`).
    SaleRecorded {
        async fn order(&self) -> Option<OrderFigures> {
            order_figures(&self.0.detail)
        }
    }
);

fact_object!(
    /// A return (Wildberries' sales report, `R…`).
    ReturnRecorded {
        async fn order(&self) -> Option<OrderFigures> {
            order_figures(&self.0.detail)
        }
    }
);

fact_object!(
    /// An import completed or failed.
    ImportFinished {
        async fn import_id(&self) -> Option<ID> {
            match &self.0.detail {
                FactDetail::ImportFinished { import_id, .. } => Some(ID(import_id.to_string())),
                _ => None,
            }
        }
        async fn status(&self) -> Option<FinishedStatus> {
            match &self.0.detail {
                FactDetail::ImportFinished { status, .. } => Some((*status).into()),
                _ => None,
            }
        }
        async fn reason(&self) -> Option<String> {
            match &self.0.detail {
                FactDetail::ImportFinished { reason, .. } => reason.clone(),
                _ => None,
            }
        }
        /// Offers read, created, updated, rejected.
        async fn offers_seen(&self) -> Option<u64> {
            match &self.0.detail {
                FactDetail::ImportFinished { tally, .. } => Some(tally.seen),
                _ => None,
            }
        }
        async fn offers_created(&self) -> Option<u64> {
            match &self.0.detail {
                FactDetail::ImportFinished { tally, .. } => Some(tally.created),
                _ => None,
            }
        }
        async fn offers_updated(&self) -> Option<u64> {
            match &self.0.detail {
                FactDetail::ImportFinished { tally, .. } => Some(tally.updated),
                _ => None,
            }
        }
        async fn offers_rejected(&self) -> Option<u64> {
            match &self.0.detail {
                FactDetail::ImportFinished { tally, .. } => Some(tally.rejected),
                _ => None,
            }
        }
    }
);

fact_object!(
    /// A sync run completed or failed.
    SyncRunFinished {
        async fn run_id(&self) -> Option<ID> {
            match &self.0.detail {
                FactDetail::SyncRunFinished { run_id, .. } => Some(ID(run_id.to_string())),
                _ => None,
            }
        }
        async fn policy_id(&self) -> Option<ID> {
            match &self.0.detail {
                FactDetail::SyncRunFinished { policy_id, .. } => id(*policy_id),
                _ => None,
            }
        }
        async fn status(&self) -> Option<FinishedStatus> {
            match &self.0.detail {
                FactDetail::SyncRunFinished { status, .. } => Some((*status).into()),
                _ => None,
            }
        }
        async fn reason(&self) -> Option<String> {
            match &self.0.detail {
                FactDetail::SyncRunFinished { reason, .. } => reason.clone(),
                _ => None,
            }
        }
    }
);

/// What an alert event is about.
#[derive(Debug, Clone, SimpleObject)]
pub struct AlertFigures {
    /// The alert (`alerts`, `acknowledgeAlert`).
    pub alert_id: ID,
    /// `STOCK_COVER_LOW`, `MARKETPLACE_STOCK_OUT`, `NEGATIVE_MARGIN`, `PRICE_HELD`,
    /// `SYNC_RUN_FAILED_ITEMS`, `CREDENTIALS_INVALID`, `IMPORT_FAILED`.
    pub condition: String,
    /// The listing, account, policy or supplier it concerns.
    pub subject: String,
    pub message: String,
}

fn alert_figures(detail: &FactDetail) -> Option<AlertFigures> {
    match detail {
        FactDetail::Alert {
            alert_id,
            condition,
            subject,
            message,
        } => Some(AlertFigures {
            alert_id: ID(alert_id.to_string()),
            condition: condition.clone(),
            subject: subject.clone(),
            message: message.clone(),
        }),
        _ => None,
    }
}

fact_object!(
    /// An alert's condition began.
    AlertRaised {
        async fn alert(&self) -> Option<AlertFigures> {
            alert_figures(&self.0.detail)
        }
    }
);

fact_object!(
    /// Someone acknowledged an alert (`actor`).
    AlertAcknowledged {
        async fn alert(&self) -> Option<AlertFigures> {
            alert_figures(&self.0.detail)
        }
    }
);

fact_object!(
    /// An alert's condition ended.
    AlertResolved {
        async fn alert(&self) -> Option<AlertFigures> {
            alert_figures(&self.0.detail)
        }
    }
);

/// One analytics event; select the fields of its kind with `... on OrderPlaced { order { … } }`.
// The interface's fields share types; clippy takes the repeated `ty = …` for repeated attributes.
#[allow(clippy::duplicated_attributes)]
#[derive(Debug, Clone, Interface)]
#[graphql(
    field(name = "cursor", ty = "String"),
    field(name = "recorded_at", ty = "DateTime<Utc>"),
    field(name = "kind", ty = "AnalyticsEventKind"),
    field(name = "account_id", ty = "Option<ID>"),
    field(name = "supplier_id", ty = "Option<ID>"),
    field(name = "product_id", ty = "Option<ID>"),
    field(name = "listing_id", ty = "Option<ID>"),
    field(name = "actor", ty = "Option<String>"),
    field(name = "aggregate_type", ty = "String"),
    field(name = "aggregate_id", ty = "ID"),
    field(name = "sequence", ty = "i64")
)]
pub enum AnalyticsEvent {
    PricePublished(PricePublished),
    PriceHeld(PriceHeld),
    StockChanged(StockChanged),
    SupplierStockChanged(SupplierStockChanged),
    ListingStateChanged(ListingStateChanged),
    OrderPlaced(OrderPlaced),
    OrderCancelled(OrderCancelled),
    SaleRecorded(SaleRecorded),
    ReturnRecorded(ReturnRecorded),
    ImportFinished(ImportFinished),
    SyncRunFinished(SyncRunFinished),
    AlertRaised(AlertRaised),
    AlertAcknowledged(AlertAcknowledged),
    AlertResolved(AlertResolved),
}

impl From<Arc<AnalyticsFact>> for AnalyticsEvent {
    fn from(fact: Arc<AnalyticsFact>) -> Self {
        match fact.kind {
            FactKind::PricePublished => Self::PricePublished(PricePublished(fact)),
            FactKind::PriceHeld => Self::PriceHeld(PriceHeld(fact)),
            FactKind::StockChanged => Self::StockChanged(StockChanged(fact)),
            FactKind::SupplierStockChanged => Self::SupplierStockChanged(SupplierStockChanged(fact)),
            FactKind::ListingStateChanged => Self::ListingStateChanged(ListingStateChanged(fact)),
            FactKind::OrderPlaced => Self::OrderPlaced(OrderPlaced(fact)),
            FactKind::OrderCancelled => Self::OrderCancelled(OrderCancelled(fact)),
            FactKind::Sale => Self::SaleRecorded(SaleRecorded(fact)),
            FactKind::Return => Self::ReturnRecorded(ReturnRecorded(fact)),
            FactKind::ImportFinished => Self::ImportFinished(ImportFinished(fact)),
            FactKind::SyncRunFinished => Self::SyncRunFinished(SyncRunFinished(fact)),
            FactKind::AlertRaised => Self::AlertRaised(AlertRaised(fact)),
            FactKind::AlertAcknowledged => Self::AlertAcknowledged(AlertAcknowledged(fact)),
            FactKind::AlertResolved => Self::AlertResolved(AlertResolved(fact)),
        }
    }
}

/// One message of `analyticsEvents`: at most `batchSize` events, in feed order.
#[derive(SimpleObject)]
pub struct AnalyticsEventBatch {
    pub events: Vec<AnalyticsEvent>,
    /// The last event's cursor: resume with `after: cursor`.
    pub cursor: String,
}
