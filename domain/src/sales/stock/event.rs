use super::{LostSales, StockLevel};
use crate::macros::domain_event;
use crate::marketplace::account::AccountId;
use crate::marketplace::values::NmId;
use crate::sales::order::RowMatch;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum StockEvent {
    /// A size's figures in a marketplace warehouse changed (or were seen the first time).
    MarketplaceStockObserved {
        account_id: AccountId,
        nm_id: NmId,
        barcode: String,
        vendor_code: String,
        warehouse: String,
        level: StockLevel,
        /// The level before, when one was known.
        previous: Option<StockLevel>,
        changed_at: DateTime<Utc>,
        matched: RowMatch,
    },
    /// The marketplace's own figure of what the article lost to being out of stock over a
    /// period changed (or was reported the first time).
    LostSalesReported {
        account_id: AccountId,
        nm_id: NmId,
        vendor_code: String,
        figures: LostSales,
        at: DateTime<Utc>,
        matched: RowMatch,
    },
}

domain_event!(StockEvent: MarketplaceStockObserved, LostSalesReported);
