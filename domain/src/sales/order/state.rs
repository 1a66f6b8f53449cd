use super::OrderEvent;
use crate::marketplace::account::AccountId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What is known of an order: whether it was seen placed, cancelled, and which sales and
/// returns of it were recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderState {
    pub account_id: AccountId,
    pub srid: String,
    pub placed: bool,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// The `saleID`s recorded (buyouts and returns).
    pub sale_ids: BTreeSet<String>,
}

/// The `MarketplaceOrder` aggregate: `None` until a report names it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketplaceOrder {
    pub state: Option<OrderState>,
    pub version: u64,
}

impl MarketplaceOrder {
    pub fn apply_event(&mut self, event: OrderEvent) {
        self.version += 1;
        let (account_id, srid) = match &event {
            OrderEvent::OrderPlaced { account_id, srid, .. }
            | OrderEvent::OrderCancelled { account_id, srid, .. }
            | OrderEvent::SaleRecorded { account_id, srid, .. }
            | OrderEvent::ReturnRecorded { account_id, srid, .. } => (*account_id, srid.clone()),
        };
        let state = self.state.get_or_insert_with(|| OrderState {
            account_id,
            srid,
            placed: false,
            cancelled_at: None,
            sale_ids: BTreeSet::new(),
        });
        match event {
            OrderEvent::OrderPlaced { .. } => state.placed = true,
            OrderEvent::OrderCancelled { cancelled_at, .. } => state.cancelled_at = Some(cancelled_at),
            OrderEvent::SaleRecorded { sale_id, .. } | OrderEvent::ReturnRecorded { sale_id, .. } => {
                state.sale_ids.insert(sale_id);
            }
        }
    }
}
