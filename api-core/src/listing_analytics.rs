//! A listing's analytics as GraphQL types: its unit economics, stock cover and price history
//! (the fields `Listing.unitEconomics`, `stockCover`, `priceHistory`; `sales` is a
//! `ProductPerformance`).

use crate::error::OrInternal;
use crate::performance::ProductPerformanceGql;
use crate::sales::Date;
use async_graphql::{Context, Result, SimpleObject};
use chrono::{DateTime, Utc};
use gomarket_domain::marketplace::values::Marketplace;
use gomarket_domain::sales::economics::planned_margin;
use gomarket_domain::sales::values::BasisPoints;
use gomarket_projections::catalog::get_product;
use gomarket_projections::sales::{
    LostSalesRow, PerformanceRow, PriceChange, SubjectRates, WarehouseStock, WindowFigures, listing_window,
    price_history, reported_lost_sales, subject_rates, warehouse_stock,
};
use sqlx::PgPool;
use uuid::Uuid;

/// What the analytics fields need of a listing.
#[derive(Debug, Clone)]
pub struct ListingKeys {
    pub id: Uuid,
    pub account_id: Uuid,
    pub product_id: Uuid,
    pub marketplace: Marketplace,
    pub nm_id: Option<i64>,
    pub subject_id: Option<i64>,
    /// The price pushed, after the seller's discount, in kopecks.
    pub pushed_price_kopecks: Option<i64>,
}

/// The commission the marketplace reported for the listing's subject.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "SubjectCommission")]
pub struct SubjectCommissionGql {
    pub subject_id: i64,
    pub subject_name: String,
    pub parent_name: String,
    /// Hundredths of a percent, by sales model (null: the tariffs do not name it). Sold from
    /// the marketplace's warehouses (FBW):
    pub marketplace_warehouse_basis_points: Option<i64>,
    /// Sold from the seller's warehouse, delivered by the marketplace (FBS): what GoMarket's
    /// stock pushes list, so the rate unit economics use.
    pub seller_warehouse_basis_points: Option<i64>,
    pub seller_delivery_basis_points: Option<i64>,
    pub seller_express_basis_points: Option<i64>,
    pub pickup_basis_points: Option<i64>,
    pub booking_basis_points: Option<i64>,
    pub observed_at: DateTime<Utc>,
}

impl SubjectCommissionGql {
    fn new(r: &SubjectRates) -> Self {
        Self {
            subject_id: r.subject_id,
            subject_name: r.subject_name.clone(),
            parent_name: r.parent_name.clone(),
            marketplace_warehouse_basis_points: r.marketplace_warehouse,
            seller_warehouse_basis_points: r.seller_warehouse,
            seller_delivery_basis_points: r.seller_delivery,
            seller_express_basis_points: r.seller_express,
            pickup_basis_points: r.pickup,
            booking_basis_points: r.booking,
            observed_at: r.observed_at,
        }
    }

    /// The rate of the model GoMarket sells by (FBS), else the marketplace-warehouse one.
    fn applied_rate(&self) -> Option<i64> {
        self.seller_warehouse_basis_points
            .or(self.marketplace_warehouse_basis_points)
    }
}

/// One unit's economics at the live price, planned, and the margin realized lately. Money
/// in kopecks; null where an input is unknown.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "UnitEconomics")]
pub struct UnitEconomicsGql {
    /// The price last applied by the marketplace (else the one pushed), after the seller's
    /// discount.
    pub live_price_kopecks: Option<i64>,
    /// The product's purchase price (from its supplier).
    pub purchase_kopecks: Option<i64>,
    /// The rates reported for the listing's subject.
    pub commission: Option<SubjectCommissionGql>,
    /// The rate used: FBS, else FBW.
    pub commission_basis_points: Option<i64>,
    pub commission_kopecks: Option<i64>,
    /// Not reported by the marketplace's APIs GoMarket reads: null.
    pub logistics_kopecks: Option<i64>,
    /// Live price less purchase price, commission and logistics.
    pub planned_margin_kopecks: Option<i64>,
    /// The planned margin per 10 000 of the live price.
    pub planned_margin_basis_points: Option<i64>,
    /// Payout less purchase cost over the last 7 and 30 days (units bought out and kept).
    pub realized_margin_7_days_kopecks: Option<i64>,
    pub realized_margin_30_days_kopecks: Option<i64>,
}

/// One size of the article in one marketplace warehouse.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "MarketplaceWarehouseStock")]
pub struct WarehouseStockGql {
    pub warehouse: String,
    pub barcode: String,
    pub quantity: i64,
    pub in_way_to_client: i64,
    pub in_way_from_client: i64,
    pub changed_at: DateTime<Utc>,
}

impl WarehouseStockGql {
    fn new(s: &WarehouseStock) -> Self {
        Self {
            warehouse: s.warehouse.clone(),
            barcode: s.barcode.clone(),
            quantity: s.quantity,
            in_way_to_client: s.in_way_to_client,
            in_way_from_client: s.in_way_from_client,
            changed_at: s.changed_at,
        }
    }
}

/// How long the listing's stock lasts, and what running out cost.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "StockCover")]
pub struct StockCoverGql {
    /// Last listed from the seller's warehouse.
    pub seller_stock: Option<i64>,
    /// In the marketplace's warehouses now.
    pub marketplace_stock: i64,
    pub warehouses: Vec<WarehouseStockGql>,
    /// Units (orders less cancellations) a day over the days in stock, last 7 and 30 days.
    pub velocity_7_days: Option<f64>,
    pub velocity_30_days: Option<f64>,
    /// Days the stock lasts at the 30-day velocity; null when nothing sold.
    pub days_of_cover: Option<f64>,
    /// Days of the last 30 the marketplace's warehouses had none.
    pub out_of_stock_days_30: i64,
    /// Estimated revenue lost to those days: ordered value per day in stock × days out.
    pub lost_revenue_30_days_kopecks: Option<i64>,
    /// Wildberries' own count, from its stock history report (read daily; null until read).
    pub reported: Option<MarketplaceLostSalesGql>,
}

/// What Wildberries' stock history report says the article lost to being out of stock over its
/// period (the last 30 days when read); null figures were not computed by Wildberries.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "MarketplaceLostSales")]
pub struct MarketplaceLostSalesGql {
    pub period_start: Date,
    pub period_end: Date,
    /// Orders lost (`lostOrdersCount`; Wildberries counts fractions).
    pub lost_orders: Option<f64>,
    /// The same in hundredths, exactly.
    pub lost_orders_hundredths: Option<i64>,
    /// What they were worth (`lostOrdersSum`).
    pub lost_orders_kopecks: Option<i64>,
    /// Hours missing from the warehouses (`officeMissingTime`).
    pub out_of_stock_hours: Option<i64>,
    pub reported_at: DateTime<Utc>,
}

impl MarketplaceLostSalesGql {
    fn new(r: &LostSalesRow) -> Self {
        Self {
            period_start: Date(r.period_start),
            period_end: Date(r.period_end),
            lost_orders: r.lost_orders_hundredths.map(|h| h as f64 / 100.0),
            lost_orders_hundredths: r.lost_orders_hundredths,
            lost_orders_kopecks: r.lost_orders_kopecks,
            out_of_stock_hours: r.missing_hours,
            reported_at: r.reported_at,
        }
    }
}

/// An article's sales over some days.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "SalesWindow")]
pub struct SalesWindowGql {
    pub days: i64,
    /// Orders less cancellations.
    pub units: i64,
    /// Units a day.
    pub velocity: Option<f64>,
    pub revenue_kopecks: i64,
    pub payout_kopecks: i64,
    /// Payout less the purchase cost (now) of the units bought out and kept.
    pub margin_kopecks: Option<i64>,
}

impl SalesWindowGql {
    fn new(w: &WindowFigures, purchase: Option<i64>) -> Self {
        Self {
            days: w.days,
            units: w.units,
            velocity: (w.days > 0).then(|| w.units as f64 / w.days as f64),
            revenue_kopecks: w.revenue_kopecks,
            payout_kopecks: w.payout_kopecks,
            margin_kopecks: purchase.map(|p| w.payout_kopecks - p * w.buyouts_kept),
        }
    }
}

/// A price the marketplace applied, with the sales of the days before and after it.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "PriceChange")]
pub struct PriceChangeGql {
    pub applied_at: DateTime<Utc>,
    /// Before the seller's discount (whole roubles).
    pub price_kopecks: i64,
    pub discount_percent: i64,
    /// After the seller's discount.
    pub discounted_price_kopecks: i64,
    /// The 7 days before the change's (Moscow) day.
    pub before: SalesWindowGql,
    /// The change's day and the 6 after it, up to today.
    pub after: SalesWindowGql,
}

/// Days before and after a price change its sales are compared over.
pub const PRICE_WINDOW_DAYS: i64 = 7;

pub async fn sales(
    ctx: &Context<'_>,
    listing: &ListingKeys,
    period_days: i16,
) -> Result<Option<ProductPerformanceGql>> {
    let pool = ctx.data::<PgPool>()?;
    let row = listing_window(pool, listing.id, period_days).await.or_internal(ctx)?;
    Ok(row.as_ref().map(ProductPerformanceGql::new))
}

pub async fn unit_economics(ctx: &Context<'_>, listing: &ListingKeys) -> Result<UnitEconomicsGql> {
    let pool = ctx.data::<PgPool>()?;
    let purchase = get_product(pool, listing.product_id)
        .await
        .or_internal(ctx)?
        .map(|p| p.price_kopecks);
    let commission = match listing.subject_id {
        Some(subject) => subject_rates(pool, listing.marketplace, subject)
            .await
            .or_internal(ctx)?
            .as_ref()
            .map(SubjectCommissionGql::new),
        None => None,
    };
    let live_price = match price_history(pool, listing.id, None, 1, 1)
        .await
        .or_internal(ctx)?
        .first()
    {
        Some(last) => Some(discounted(last)),
        None => listing.pushed_price_kopecks,
    };
    let rate = commission.as_ref().and_then(SubjectCommissionGql::applied_rate);
    let planned = match (live_price, purchase, rate) {
        (Some(price), Some(purchase), Some(rate)) => {
            Some(planned_margin(price, purchase, BasisPoints::new(rate), None))
        }
        _ => None,
    };
    let margin = |row: Option<PerformanceRow>| row.and_then(|r| r.margin_kopecks);
    Ok(UnitEconomicsGql {
        live_price_kopecks: live_price,
        purchase_kopecks: purchase,
        commission_basis_points: rate,
        commission,
        commission_kopecks: planned.map(|p| p.commission_kopecks),
        logistics_kopecks: None,
        planned_margin_kopecks: planned.map(|p| p.margin_kopecks),
        planned_margin_basis_points: planned.and_then(|p| p.margin_basis_points),
        realized_margin_7_days_kopecks: margin(listing_window(pool, listing.id, 7).await.or_internal(ctx)?),
        realized_margin_30_days_kopecks: margin(listing_window(pool, listing.id, 30).await.or_internal(ctx)?),
    })
}

pub async fn stock_cover(ctx: &Context<'_>, listing: &ListingKeys, seller_stock: Option<i64>) -> Result<StockCoverGql> {
    let pool = ctx.data::<PgPool>()?;
    let week = listing_window(pool, listing.id, 7).await.or_internal(ctx)?;
    let month = listing_window(pool, listing.id, 30).await.or_internal(ctx)?;
    let nm_id = listing.nm_id.or(month.as_ref().map(|m| m.nm_id));
    let (warehouses, reported) = match nm_id {
        Some(nm_id) => (
            warehouse_stock(pool, listing.account_id, nm_id)
                .await
                .or_internal(ctx)?,
            reported_lost_sales(pool, listing.account_id, nm_id)
                .await
                .or_internal(ctx)?,
        ),
        None => (Vec::new(), None),
    };
    Ok(StockCoverGql {
        seller_stock: month.as_ref().and_then(|m| m.seller_stock).or(seller_stock),
        marketplace_stock: warehouses.iter().map(|w| w.quantity).sum(),
        warehouses: warehouses.iter().map(WarehouseStockGql::new).collect(),
        velocity_7_days: week.as_ref().and_then(|w| w.velocity),
        velocity_30_days: month.as_ref().and_then(|m| m.velocity),
        days_of_cover: month.as_ref().and_then(|m| m.days_of_cover),
        out_of_stock_days_30: month.as_ref().map_or(0, |m| m.out_of_stock_days),
        lost_revenue_30_days_kopecks: month.as_ref().and_then(|m| m.lost_revenue_kopecks),
        reported: reported.as_ref().map(MarketplaceLostSalesGql::new),
    })
}

pub async fn price_changes(ctx: &Context<'_>, listing: &ListingKeys, first: i64) -> Result<Vec<PriceChangeGql>> {
    let pool = ctx.data::<PgPool>()?;
    let purchase = get_product(pool, listing.product_id)
        .await
        .or_internal(ctx)?
        .map(|p| p.price_kopecks);
    let article = listing.nm_id.map(|nm_id| (listing.account_id, nm_id));
    let changes = price_history(pool, listing.id, article, PRICE_WINDOW_DAYS, first)
        .await
        .or_internal(ctx)?;
    Ok(changes
        .iter()
        .map(|c| PriceChangeGql {
            applied_at: c.applied_at,
            price_kopecks: c.price_kopecks,
            discount_percent: c.discount_percent,
            discounted_price_kopecks: discounted(c),
            before: SalesWindowGql::new(&c.before, purchase),
            after: SalesWindowGql::new(&c.after, purchase),
        })
        .collect())
}

/// A whole-rouble price after a whole-percent discount: exact in kopecks.
fn discounted(change: &PriceChange) -> i64 {
    change.price_kopecks * (100 - change.discount_percent) / 100
}
