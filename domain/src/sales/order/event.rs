use super::{OrderRow, RowMatch, SaleRow};
use crate::macros::domain_event;
use crate::marketplace::account::AccountId;
use crate::marketplace::values::NmId;
use crate::sales::values::{BasisPoints, SaleKind, SignedKopecks};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The facts of an order's life, as the marketplace reported them. Each carries the account,
/// the article and the match, so read models need no lookups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OrderEvent {
    OrderPlaced {
        account_id: AccountId,
        srid: String,
        nm_id: NmId,
        barcode: String,
        vendor_code: String,
        warehouse: String,
        region: String,
        ordered_at: DateTime<Utc>,
        total_price: SignedKopecks,
        discount: BasisPoints,
        marketplace_discount: BasisPoints,
        price_with_discount: SignedKopecks,
        finished_price: SignedKopecks,
        matched: RowMatch,
    },
    OrderCancelled {
        account_id: AccountId,
        srid: String,
        nm_id: NmId,
        barcode: String,
        vendor_code: String,
        cancelled_at: DateTime<Utc>,
        /// The price the cancelled order had (`priceWithDisc`).
        price_with_discount: SignedKopecks,
        matched: RowMatch,
    },
    /// A buyout (`S…`).
    SaleRecorded {
        account_id: AccountId,
        sale_id: String,
        srid: String,
        nm_id: NmId,
        barcode: String,
        vendor_code: String,
        sold_at: DateTime<Utc>,
        price_with_discount: SignedKopecks,
        finished_price: SignedKopecks,
        for_pay: SignedKopecks,
        matched: RowMatch,
    },
    /// A return (`R…`).
    ReturnRecorded {
        account_id: AccountId,
        sale_id: String,
        srid: String,
        nm_id: NmId,
        barcode: String,
        vendor_code: String,
        returned_at: DateTime<Utc>,
        price_with_discount: SignedKopecks,
        finished_price: SignedKopecks,
        for_pay: SignedKopecks,
        matched: RowMatch,
    },
}

domain_event!(OrderEvent: OrderPlaced, OrderCancelled, SaleRecorded, ReturnRecorded);

impl OrderEvent {
    pub(super) fn placed(row: &OrderRow) -> Self {
        let order = &row.order;
        Self::OrderPlaced {
            account_id: row.account_id,
            srid: order.srid.clone(),
            nm_id: order.nm_id,
            barcode: order.barcode.clone(),
            vendor_code: order.vendor_code.clone(),
            warehouse: order.warehouse.clone(),
            region: order.region.clone(),
            ordered_at: order.ordered_at,
            total_price: order.total_price,
            discount: order.discount,
            marketplace_discount: order.marketplace_discount,
            price_with_discount: order.price_with_discount,
            finished_price: order.finished_price,
            matched: row.matched,
        }
    }

    pub(super) fn sold(row: &SaleRow) -> Self {
        let sale = &row.sale;
        let (account_id, sale_id, srid, nm_id) = (row.account_id, sale.sale_id.clone(), sale.srid.clone(), sale.nm_id);
        let (barcode, vendor_code, matched) = (sale.barcode.clone(), sale.vendor_code.clone(), row.matched);
        let (price_with_discount, finished_price, for_pay) =
            (sale.price_with_discount, sale.finished_price, sale.for_pay);
        match sale.kind {
            SaleKind::Sale => Self::SaleRecorded {
                account_id,
                sale_id,
                srid,
                nm_id,
                barcode,
                vendor_code,
                sold_at: sale.sold_at,
                price_with_discount,
                finished_price,
                for_pay,
                matched,
            },
            SaleKind::Return => Self::ReturnRecorded {
                account_id,
                sale_id,
                srid,
                nm_id,
                barcode,
                vendor_code,
                returned_at: sale.sold_at,
                price_with_discount,
                finished_price,
                for_pay,
                matched,
            },
        }
    }
}
