//! The `MarketplaceStock` aggregate: what one article (Wildberries `nmId`) of one account
//! holds in the marketplace's own warehouses, per size (barcode) and warehouse, as the stocks
//! report shows it. An observation is a fact only when a figure changed, so polling the report
//! writes nothing while nothing moves.
//!
//! - [`command`]: the report rows, typed;
//! - [`event`]: the facts `MarketplaceStockObserved` and `LostSalesReported` (the
//!   marketplace's own stock history figures);
//! - [`state`]: the last figures per (barcode, warehouse);
//! - [`decide`]: which rows are news.

mod command;
mod decide;
mod event;
mod refusal;
mod state;

pub use command::{LostSales, ReportedLostSales, ReportedStock, StockCommand, StockLevel, StockRow};
pub use decide::decide;
pub use event::StockEvent;
pub use refusal::StockRefusal;
pub use state::{MarketplaceStock, StockState};

use crate::marketplace::account::AccountId;
use crate::marketplace::values::NmId;
use uuid::Uuid;

const STOCK_NAMESPACE: Uuid = Uuid::from_u128(0x7374_6f63_6b00_4700_8000_0000_0000_0001);

crate::ids::uuid_id!(
    StockRefusal,
    /// An article's stock stream: derived from (account, nmId).
    MarketplaceStockId
);

impl MarketplaceStockId {
    pub fn for_article(account: AccountId, nm_id: NmId) -> Self {
        let mut key = account.as_uuid().as_bytes().to_vec();
        key.extend_from_slice(&nm_id.get().to_be_bytes());
        Self(Uuid::new_v5(&STOCK_NAMESPACE, &key))
    }
}

crate::pure_aggregate!(
    MarketplaceStock,
    "MarketplaceStock",
    StockCommand,
    StockEvent,
    StockRefusal,
    decide
);

#[cfg(test)]
mod tests;
