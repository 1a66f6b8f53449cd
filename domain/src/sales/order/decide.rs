use super::{MarketplaceOrder, OrderCommand, OrderEvent, OrderRefusal};
use crate::marketplace::account::AccountId;
use chrono::{DateTime, Utc};

/// The facts a report row adds to what is known of the order: none when it says nothing new
/// (the same row read again), so re-reading a report writes nothing. A cancellation that
/// Wildberries later takes back is not undone (it reports none such; noted in decisions.md).
pub fn decide(
    order: &MarketplaceOrder,
    command: OrderCommand,
    _now: DateTime<Utc>,
) -> Result<Vec<OrderEvent>, OrderRefusal> {
    let same_order = |account_id: AccountId, srid: &str| {
        order
            .state
            .as_ref()
            .is_none_or(|s| s.account_id == account_id && s.srid == srid)
    };
    match command {
        OrderCommand::RecordOrderRow(row) => {
            if !same_order(row.account_id, &row.order.srid) {
                return Err(OrderRefusal::Mismatch);
            }
            let state = order.state.as_ref();
            let mut events = Vec::new();
            if !state.is_some_and(|s| s.placed) {
                events.push(OrderEvent::placed(&row));
            }
            let cancelled_before = state.and_then(|s| s.cancelled_at).is_some();
            if let (Some(cancelled_at), false) = (row.order.cancelled_at, cancelled_before) {
                events.push(OrderEvent::OrderCancelled {
                    account_id: row.account_id,
                    srid: row.order.srid.clone(),
                    nm_id: row.order.nm_id,
                    barcode: row.order.barcode.clone(),
                    vendor_code: row.order.vendor_code.clone(),
                    cancelled_at,
                    price_with_discount: row.order.price_with_discount,
                    matched: row.matched,
                });
            }
            Ok(events)
        }
        OrderCommand::RecordSaleRow(row) => {
            if !same_order(row.account_id, &row.sale.srid) {
                return Err(OrderRefusal::Mismatch);
            }
            let known = order
                .state
                .as_ref()
                .is_some_and(|s| s.sale_ids.contains(&row.sale.sale_id));
            Ok(if known { vec![] } else { vec![OrderEvent::sold(&row)] })
        }
    }
}
