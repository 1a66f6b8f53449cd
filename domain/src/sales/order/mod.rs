//! The `MarketplaceOrder` aggregate: one order of one unit on one marketplace account, as the
//! marketplace reports it (Wildberries: one `srid`), through its life: placed, maybe
//! cancelled, bought out (a sale) and maybe returned. One stream per order keeps every
//! decision small (a handful of events) at millions of orders, and makes a report row
//! idempotent by the marketplace's own key: the same row read again finds its fact recorded.
//!
//! - [`command`]: the report rows, typed, with the listing and product they matched;
//! - [`event`]: the facts (`OrderPlaced`, `OrderCancelled`, `SaleRecorded`, `ReturnRecorded`);
//! - [`state`]: what is known of the order;
//! - [`decide`]: which facts a row adds.

mod command;
mod decide;
mod event;
mod refusal;
mod state;

pub use command::{OrderCommand, OrderRow, ReportedOrder, ReportedSale, RowMatch, SaleRow};
pub use decide::decide;
pub use event::OrderEvent;
pub use refusal::OrderRefusal;
pub use state::{MarketplaceOrder, OrderState};

use crate::marketplace::account::AccountId;
use uuid::Uuid;

const ORDER_NAMESPACE: Uuid = Uuid::from_u128(0x6f72_6465_7200_4700_8000_0000_0000_0001);

crate::ids::uuid_id!(
    OrderRefusal,
    /// An order's id: derived from (account, the marketplace's order key), so a row read again
    /// finds the same stream.
    MarketplaceOrderId
);

impl MarketplaceOrderId {
    pub fn for_srid(account: AccountId, srid: &str) -> Self {
        let mut key = account.as_uuid().as_bytes().to_vec();
        key.extend_from_slice(srid.as_bytes());
        Self(Uuid::new_v5(&ORDER_NAMESPACE, &key))
    }
}

crate::pure_aggregate!(
    MarketplaceOrder,
    "MarketplaceOrder",
    OrderCommand,
    OrderEvent,
    OrderRefusal,
    decide
);

#[cfg(test)]
mod tests;
