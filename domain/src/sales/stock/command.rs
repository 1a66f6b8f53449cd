use crate::marketplace::account::AccountId;
use crate::marketplace::values::NmId;
use crate::sales::order::RowMatch;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The figures of one size in one marketplace warehouse.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockLevel {
    /// Units available for sale (`quantity`).
    pub quantity: i64,
    /// Units on their way to buyers (`inWayToClient`).
    pub in_way_to_client: i64,
    /// Units on their way back from buyers (`inWayFromClient`).
    pub in_way_from_client: i64,
}

/// One size of one article in one marketplace warehouse, as the stocks report (Wildberries
/// `GET /api/v1/supplier/stocks`) describes it, read and checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportedStock {
    pub nm_id: NmId,
    pub barcode: String,
    pub vendor_code: String,
    /// The marketplace's warehouse (`warehouseName`).
    pub warehouse: String,
    pub level: StockLevel,
    /// When the marketplace last changed the row (`lastChangeDate`).
    pub changed_at: DateTime<Utc>,
}

/// A reported stock of an account, with what it matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockRow {
    pub account_id: AccountId,
    pub stock: ReportedStock,
    pub matched: RowMatch,
}

/// What the marketplace's own stock history report (Wildberries analytics,
/// `POST /api/v2/stocks-report/products/products`) says an article lost to being out of stock
/// over a period. A figure the report does not compute is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LostSales {
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// Orders lost, in hundredths (`lostOrdersCount` 12.5 → 1 250).
    pub lost_orders_hundredths: Option<i64>,
    /// What they were worth (`lostOrdersSum`), in kopecks.
    pub lost_orders_kopecks: Option<i64>,
    /// Hours the article was missing from the warehouses (`officeMissingTime`).
    pub missing_hours: Option<i64>,
}

/// An article's row of the stock history report, read and checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportedLostSales {
    pub nm_id: NmId,
    pub vendor_code: String,
    pub figures: LostSales,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StockCommand {
    /// Rows of this article, in report order (a later row of the same size and warehouse wins).
    Observe(Vec<StockRow>),
    /// The article's row of the stock history report.
    ReportLostSales {
        account_id: AccountId,
        report: ReportedLostSales,
        matched: RowMatch,
    },
}

impl StockCommand {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Observe(_) => "ObserveMarketplaceStock",
            Self::ReportLostSales { .. } => "ReportLostSales",
        }
    }
}
