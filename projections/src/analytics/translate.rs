//! Stored events into analytics facts: a pure function of the event and the batch's
//! [`Lookups`], so a fact reads the same live and in a replay.

use super::fact::{AnalyticsFact, FactCursor, FactDetail, FactKind, FinishStatus, ImportTally, ListingFactState};
use super::lookups::Lookups;
use gomarket_domain::catalog::product::ProductEvent;
use gomarket_domain::marketplace::listing::ListingEvent;
use gomarket_domain::sales::alert::AlertEvent;
use gomarket_domain::sales::order::{OrderEvent, RowMatch};
use gomarket_domain::sales::stock::StockEvent;
use gomarket_domain::supplier::import::ImportEvent;
use gomarket_domain::sync::run::{ItemOutcome, RunEvent};
use gomarket_infra::event_store::StoredEvent;
use serde::Deserialize;
use uuid::Uuid;

/// The listing events that make a [`FactKind::ListingStateChanged`] fact.
pub const LISTING_STATE_EVENTS: &[&str] = &[
    "CardRequested",
    "CardCreated",
    "CardRejected",
    "PriceFailed",
    "PriceQuarantined",
    "StockFailed",
    "PushAttemptFailed",
];

/// The facts of one stored event, in order (most events make one fact or none).
pub fn facts_of(event: &StoredEvent, lookups: &Lookups) -> Vec<AnalyticsFact> {
    match translate(event, lookups) {
        Ok(facts) => facts,
        Err(error) => {
            // The projections dead-letter such an event; a subscriber is better served by
            // the rest of the feed than by a closed stream.
            tracing::warn!(
                %error,
                aggregate_type = %event.aggregate_type,
                aggregate_id = %event.aggregate_id,
                sequence = event.sequence,
                "an event the analytics feed cannot read was left out"
            );
            Vec::new()
        }
    }
}

/// A fact's common part, before its ids and detail are set.
struct Draft<'a> {
    event: &'a StoredEvent,
    facts: Vec<AnalyticsFact>,
}

#[derive(Default, Clone, Copy)]
struct Ids {
    account_id: Option<Uuid>,
    supplier_id: Option<Uuid>,
    product_id: Option<Uuid>,
    listing_id: Option<Uuid>,
}

impl Ids {
    fn of_match(account_id: Uuid, matched: &RowMatch) -> Self {
        Self {
            account_id: Some(account_id),
            product_id: matched.product_id.map(|p| p.as_uuid()),
            listing_id: matched.listing_id.map(|l| l.as_uuid()),
            ..Self::default()
        }
    }
}

impl<'a> Draft<'a> {
    fn new(event: &'a StoredEvent) -> Self {
        Self {
            event,
            facts: Vec::new(),
        }
    }

    fn push(&mut self, kind: FactKind, ids: Ids, detail: FactDetail) {
        let event = self.event;
        self.facts.push(AnalyticsFact {
            cursor: FactCursor {
                position: event.feed_position,
                index: self.facts.len() as u32,
            },
            recorded_at: event.recorded_at,
            kind,
            account_id: ids.account_id,
            supplier_id: ids.supplier_id,
            product_id: ids.product_id,
            listing_id: ids.listing_id,
            actor: event.metadata_str("actor").map(str::to_owned),
            aggregate_type: event.aggregate_type.clone(),
            aggregate_id: event.aggregate_id.clone(),
            sequence: event.sequence,
            detail,
        });
    }
}

fn translate(event: &StoredEvent, lookups: &Lookups) -> Result<Vec<AnalyticsFact>, serde_json::Error> {
    let mut draft = Draft::new(event);
    let stream = Uuid::parse_str(&event.aggregate_id).ok();
    match event.aggregate_type.as_str() {
        "Listing" => listing(&mut draft, ListingEvent::deserialize(&event.payload)?, stream, lookups),
        "SyncRun" => sync_run(&mut draft, RunEvent::deserialize(&event.payload)?, stream, lookups),
        "MarketplaceStock" => stock(&mut draft, StockEvent::deserialize(&event.payload)?),
        "Product" => product(&mut draft, ProductEvent::deserialize(&event.payload)?, stream, lookups),
        "MarketplaceOrder" => order(&mut draft, OrderEvent::deserialize(&event.payload)?),
        "Import" => import(&mut draft, ImportEvent::deserialize(&event.payload)?, stream, lookups),
        "Alert" => alert(&mut draft, AlertEvent::deserialize(&event.payload)?, stream),
        _ => {}
    }
    Ok(draft.facts)
}

fn listing(draft: &mut Draft<'_>, event: ListingEvent, listing_id: Option<Uuid>, lookups: &Lookups) {
    let owner = listing_id.and_then(|l| lookups.listings.get(&l));
    let ids = Ids {
        account_id: owner.and_then(|o| o.account_id),
        product_id: owner.and_then(|o| o.product_id),
        listing_id,
        ..Ids::default()
    };
    let state = |state, reason: Option<String>, nm_id: Option<u64>| FactDetail::ListingStateChanged {
        state,
        reason,
        nm_id: nm_id.map(|n| n as i64),
    };
    let detail = match event {
        ListingEvent::PriceApplied { task_id, .. } => {
            let price = listing_id.and_then(|l| lookups.prices.get(&(l, task_id)));
            let detail = FactDetail::PricePublished {
                price_kopecks: price.map(|p| p.price_kopecks),
                discount_percent: price.map(|p| p.discount_percent),
            };
            draft.push(FactKind::PricePublished, ids, detail);
            return;
        }
        ListingEvent::CardRequested { .. } => state(ListingFactState::CardRequested, None, None),
        ListingEvent::CardCreated { nm_id, .. } => state(ListingFactState::CardCreated, None, Some(nm_id)),
        ListingEvent::CardRejected { reason, .. } => state(ListingFactState::CardRejected, Some(reason), None),
        ListingEvent::PriceFailed { reason, .. } => state(ListingFactState::PriceFailed, Some(reason), None),
        ListingEvent::PriceQuarantined { reason, .. } => state(ListingFactState::PriceQuarantined, Some(reason), None),
        ListingEvent::StockFailed { reason, .. } => state(ListingFactState::StockFailed, Some(reason), None),
        ListingEvent::PushAttemptFailed { reason, .. } => state(ListingFactState::PushRetrying, Some(reason), None),
        _ => return,
    };
    draft.push(FactKind::ListingStateChanged, ids, detail);
}

fn sync_run(draft: &mut Draft<'_>, event: RunEvent, run_id: Option<Uuid>, lookups: &Lookups) {
    let owner = run_id.and_then(|r| lookups.runs.get(&r)).copied().unwrap_or_default();
    let Some(run_id) = run_id else { return };
    match event {
        RunEvent::RunItemsPlanned { items, .. } => {
            for item in items {
                let ItemOutcome::Held { reason } = item.outcome else {
                    continue;
                };
                let listing = lookups.listings.get(&item.listing_id);
                let ids = Ids {
                    account_id: listing.and_then(|l| l.account_id).or(owner.account_id),
                    product_id: Some(item.product_id),
                    listing_id: Some(item.listing_id),
                    ..Ids::default()
                };
                let detail = FactDetail::PriceHeld {
                    run_id,
                    reason,
                    price_kopecks: item.price.map(|p| p.price_before_discount.get()),
                };
                draft.push(FactKind::PriceHeld, ids, detail);
            }
        }
        RunEvent::RunCompleted { .. } | RunEvent::RunFailed { .. } => {
            let reason = match event {
                RunEvent::RunFailed { reason, .. } => Some(reason),
                _ => None,
            };
            let detail = FactDetail::SyncRunFinished {
                run_id,
                policy_id: owner.policy_id,
                status: if reason.is_some() {
                    FinishStatus::Failed
                } else {
                    FinishStatus::Completed
                },
                reason,
            };
            let ids = Ids {
                account_id: owner.account_id,
                ..Ids::default()
            };
            draft.push(FactKind::SyncRunFinished, ids, detail);
        }
        _ => {}
    }
}

fn stock(draft: &mut Draft<'_>, event: StockEvent) {
    if let StockEvent::MarketplaceStockObserved {
        account_id,
        nm_id,
        warehouse,
        level,
        previous,
        matched,
        ..
    } = event
    {
        let detail = FactDetail::StockChanged {
            nm_id: nm_id.get() as i64,
            warehouse,
            quantity: level.quantity,
            previous: previous.map(|p| p.quantity),
        };
        draft.push(
            FactKind::StockChanged,
            Ids::of_match(account_id.as_uuid(), &matched),
            detail,
        );
    }
}

fn product(draft: &mut Draft<'_>, event: ProductEvent, product_id: Option<Uuid>, lookups: &Lookups) {
    let (stock, previous) = match event {
        ProductEvent::ProductStockChanged { stock, previous, .. }
        | ProductEvent::ProductSupplyChanged { stock, previous, .. } => (stock.get(), previous.get()),
        _ => return,
    };
    let ids = Ids {
        supplier_id: product_id.and_then(|p| lookups.product_suppliers.get(&p)).copied(),
        product_id,
        ..Ids::default()
    };
    draft.push(
        FactKind::SupplierStockChanged,
        ids,
        FactDetail::SupplierStockChanged { stock, previous },
    );
}

fn order(draft: &mut Draft<'_>, event: OrderEvent) {
    match event {
        OrderEvent::OrderPlaced {
            account_id,
            srid,
            nm_id,
            warehouse,
            region,
            ordered_at,
            price_with_discount,
            finished_price,
            matched,
            ..
        } => {
            let detail = FactDetail::OrderPlaced {
                srid,
                nm_id: nm_id.get() as i64,
                warehouse,
                region,
                at: ordered_at,
                price_with_discount_kopecks: price_with_discount.get(),
                finished_price_kopecks: finished_price.get(),
            };
            draft.push(
                FactKind::OrderPlaced,
                Ids::of_match(account_id.as_uuid(), &matched),
                detail,
            );
        }
        OrderEvent::OrderCancelled {
            account_id,
            srid,
            nm_id,
            cancelled_at,
            price_with_discount,
            matched,
            ..
        } => {
            let detail = FactDetail::OrderCancelled {
                srid,
                nm_id: nm_id.get() as i64,
                at: cancelled_at,
                price_with_discount_kopecks: price_with_discount.get(),
            };
            draft.push(
                FactKind::OrderCancelled,
                Ids::of_match(account_id.as_uuid(), &matched),
                detail,
            );
        }
        OrderEvent::SaleRecorded {
            account_id,
            sale_id,
            srid,
            nm_id,
            sold_at: at,
            price_with_discount,
            finished_price,
            for_pay,
            matched,
            ..
        }
        | OrderEvent::ReturnRecorded {
            account_id,
            sale_id,
            srid,
            nm_id,
            returned_at: at,
            price_with_discount,
            finished_price,
            for_pay,
            matched,
            ..
        } => {
            let kind = if draft.event.event_type == "ReturnRecorded" {
                FactKind::Return
            } else {
                FactKind::Sale
            };
            let detail = FactDetail::SaleOrReturn {
                srid,
                sale_id,
                nm_id: nm_id.get() as i64,
                at,
                price_with_discount_kopecks: price_with_discount.get(),
                finished_price_kopecks: finished_price.get(),
                for_pay_kopecks: for_pay.get(),
            };
            draft.push(kind, Ids::of_match(account_id.as_uuid(), &matched), detail);
        }
    }
}

fn import(draft: &mut Draft<'_>, event: ImportEvent, import_id: Option<Uuid>, lookups: &Lookups) {
    let (status, reason, counts) = match event {
        ImportEvent::ImportCompleted { counts, .. } => (FinishStatus::Completed, None, counts),
        ImportEvent::ImportFailed { reason, counts, .. } => (FinishStatus::Failed, Some(reason), counts),
        _ => return,
    };
    let Some(import_id) = import_id else { return };
    let ids = Ids {
        supplier_id: lookups.import_suppliers.get(&import_id).copied(),
        ..Ids::default()
    };
    let tally = ImportTally {
        seen: counts.seen,
        created: counts.created,
        updated: counts.updated,
        rejected: counts.rejected,
    };
    let detail = FactDetail::ImportFinished {
        import_id,
        status,
        reason,
        tally,
    };
    draft.push(FactKind::ImportFinished, ids, detail);
}

fn alert(draft: &mut Draft<'_>, event: AlertEvent, alert_id: Option<Uuid>) {
    let Some(alert_id) = alert_id else { return };
    let kind = match &event {
        AlertEvent::AlertRaised { .. } => FactKind::AlertRaised,
        AlertEvent::AlertAcknowledged { .. } => FactKind::AlertAcknowledged,
        AlertEvent::AlertResolved { .. } => FactKind::AlertResolved,
    };
    let scope = event.scope();
    let ids = Ids {
        account_id: scope.account_id,
        supplier_id: scope.supplier_id,
        product_id: scope.product_id,
        listing_id: scope.listing_id,
    };
    let detail = FactDetail::Alert {
        alert_id,
        condition: scope.condition.as_str().to_owned(),
        subject: scope.subject.clone(),
        message: event.message().to_owned(),
    };
    draft.push(kind, ids, detail);
}
