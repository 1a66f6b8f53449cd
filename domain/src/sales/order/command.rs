use crate::catalog::ProductId;
use crate::marketplace::account::AccountId;
use crate::marketplace::listing::ListingId;
use crate::marketplace::values::NmId;
use crate::sales::values::{BasisPoints, SaleKind, SignedKopecks};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The listing and catalog product a report row was matched to (by vendor code, else barcode,
/// else the marketplace's article id); both `None` for a row that matched nothing: it is
/// recorded all the same and listed as unmatched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowMatch {
    pub listing_id: Option<ListingId>,
    pub product_id: Option<ProductId>,
}

/// One order as the orders report (Wildberries `GET /api/v1/supplier/orders`) describes it,
/// read and checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportedOrder {
    /// The marketplace's key of the order (`srid`).
    pub srid: String,
    pub nm_id: NmId,
    pub barcode: String,
    /// The seller's article (`supplierArticle`): the listing's vendor code.
    pub vendor_code: String,
    pub warehouse: String,
    pub region: String,
    /// When the order was placed (`date`).
    pub ordered_at: DateTime<Utc>,
    /// When the marketplace last changed the row (`lastChangeDate`).
    pub changed_at: DateTime<Utc>,
    /// The price before any discount (`totalPrice`).
    pub total_price: SignedKopecks,
    /// The seller's discount (`discountPercent`).
    pub discount: BasisPoints,
    /// The marketplace's own discount to the buyer (`spp`).
    pub marketplace_discount: BasisPoints,
    /// The price after the seller's discount (`priceWithDisc`): the seller's revenue basis.
    pub price_with_discount: SignedKopecks,
    /// What the buyer paid (`finishedPrice`).
    pub finished_price: SignedKopecks,
    /// When it was cancelled (`isCancel`, `cancelDate`), if it was.
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// One buyout or return of one unit of an order, as the sales report (Wildberries
/// `GET /api/v1/supplier/sales`) describes it, read and checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportedSale {
    /// The marketplace's key of this sale or return (`saleID`: `S…` or `R…`).
    pub sale_id: String,
    pub kind: SaleKind,
    /// The order it belongs to (`srid`).
    pub srid: String,
    pub nm_id: NmId,
    pub barcode: String,
    pub vendor_code: String,
    pub warehouse: String,
    pub region: String,
    /// When the sale or return happened (`date`).
    pub sold_at: DateTime<Utc>,
    /// When the marketplace last changed the row (`lastChangeDate`).
    pub changed_at: DateTime<Utc>,
    pub price_with_discount: SignedKopecks,
    pub finished_price: SignedKopecks,
    /// What the marketplace pays the seller (`forPay`); negative for a return.
    pub for_pay: SignedKopecks,
}

/// A reported order of an account, with what it matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRow {
    pub account_id: AccountId,
    pub order: ReportedOrder,
    pub matched: RowMatch,
}

/// A reported sale or return of an account, with what it matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleRow {
    pub account_id: AccountId,
    pub sale: ReportedSale,
    pub matched: RowMatch,
}

/// What the ingester asks of an order: record what a report row says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderCommand {
    RecordOrderRow(Box<OrderRow>),
    RecordSaleRow(Box<SaleRow>),
}

impl OrderCommand {
    pub fn name(&self) -> &'static str {
        match self {
            Self::RecordOrderRow(_) => "RecordOrderRow",
            Self::RecordSaleRow(_) => "RecordSaleRow",
        }
    }
}
