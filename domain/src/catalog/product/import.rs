//! What importing a supplier's offer does to a product: create it, or record exactly what
//! changed (details, purchase price, content, supply), each as its own event, so an unchanged
//! offer records nothing and a price change records only the price.

use super::decide::details_updated;
use super::supply::total_stock;
use super::{ProductEvent, ProductState, ProductStatus, SupplierOffer};
use chrono::{DateTime, Utc};

pub(super) fn decide_import(
    state: Option<&ProductState>,
    offer: SupplierOffer,
    at: DateTime<Utc>,
) -> Vec<ProductEvent> {
    let stock = total_stock(&offer.stock_by_warehouse);
    let Some(state) = state else {
        let details = offer.details;
        return vec![ProductEvent::ProductImported {
            supplier: offer.link,
            sku: offer.sku,
            title: details.title,
            brand: details.brand,
            description: details.description,
            category: details.category,
            barcodes: details.barcodes,
            price_kopecks: offer.purchase_price,
            stock,
            stock_by_warehouse: offer.stock_by_warehouse,
            available: offer.available,
            content: offer.content,
            at,
        }];
    };
    // An archived product stays out of the catalog whatever the feed says.
    if state.status == ProductStatus::Archived {
        return vec![];
    }
    let mut events: Vec<ProductEvent> = details_updated(state, offer.details, at).into_iter().collect();
    if offer.purchase_price != state.price {
        events.push(ProductEvent::ProductPriceChanged {
            price_kopecks: offer.purchase_price,
            previous_kopecks: state.price,
            at,
        });
    }
    if offer.content != state.content {
        events.push(ProductEvent::ProductContentChanged {
            content: offer.content,
            at,
        });
    }
    if offer.stock_by_warehouse != state.stock_by_warehouse
        || stock != state.stock
        || offer.available != state.available
    {
        events.push(ProductEvent::ProductSupplyChanged {
            stock_by_warehouse: offer.stock_by_warehouse,
            stock,
            previous: state.stock,
            available: offer.available,
            at,
        });
    }
    events
}

/// The offer left a full feed: every warehouse at 0, not available (once).
pub(super) fn decide_unavailable(state: &ProductState, at: DateTime<Utc>) -> Vec<ProductEvent> {
    if state.status == ProductStatus::Archived || (!state.available && state.stock.get() == 0) {
        return vec![];
    }
    let stock_by_warehouse = state
        .stock_by_warehouse
        .keys()
        .map(|warehouse| (warehouse.clone(), crate::catalog::Quantity::ZERO))
        .collect();
    vec![ProductEvent::ProductSupplyChanged {
        stock_by_warehouse,
        stock: crate::catalog::Quantity::ZERO,
        previous: state.stock,
        available: false,
        at,
    }]
}
