//! `productPerformance` as GraphQL types: the window, the orders, the filter and the row.

use crate::access::permission;
use crate::catalog::Product;
use crate::error::OrInternal;
use crate::ids::parse_uuid;
use crate::marketplace::ListingGql;
use crate::sales::Date;
use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Result, SimpleObject};
use gomarket_domain::identity::Permission;
use gomarket_projections::catalog::get_product;
use gomarket_projections::marketplace::get_listing;
use gomarket_projections::sales::{PerformanceFilter, PerformanceRow, PerformanceSort};
use sqlx::PgPool;
use uuid::Uuid;

/// A window of days ending today (Moscow days, today included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Enum)]
#[graphql(name = "PerformancePeriod")]
pub enum PerformancePeriodGql {
    #[graphql(name = "LAST_7_DAYS")]
    Last7Days,
    #[default]
    #[graphql(name = "LAST_30_DAYS")]
    Last30Days,
    #[graphql(name = "LAST_90_DAYS")]
    Last90Days,
}

impl PerformancePeriodGql {
    pub fn days(self) -> i16 {
        match self {
            Self::Last7Days => 7,
            Self::Last30Days => 30,
            Self::Last90Days => 90,
        }
    }
}

/// The order of `productPerformance`; rows without the figure (no purchase price, nothing
/// sold) come last, ties by article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Enum)]
#[graphql(name = "PerformanceSort")]
pub enum PerformanceSortGql {
    #[default]
    RevenueDesc,
    MarginDesc,
    MarginAsc,
    VelocityDesc,
    DaysOfCoverAsc,
    LostRevenueDesc,
}

impl From<PerformanceSortGql> for PerformanceSort {
    fn from(sort: PerformanceSortGql) -> Self {
        match sort {
            PerformanceSortGql::RevenueDesc => Self::RevenueDesc,
            PerformanceSortGql::MarginDesc => Self::MarginDesc,
            PerformanceSortGql::MarginAsc => Self::MarginAsc,
            PerformanceSortGql::VelocityDesc => Self::VelocityDesc,
            PerformanceSortGql::DaysOfCoverAsc => Self::DaysOfCoverAsc,
            PerformanceSortGql::LostRevenueDesc => Self::LostRevenueDesc,
        }
    }
}

/// Which articles `productPerformance` lists; every condition given must hold.
#[derive(Debug, Clone, Default, InputObject)]
#[graphql(name = "PerformanceFilter")]
pub struct PerformanceFilterInput {
    /// Only these catalog products.
    pub product_ids: Option<Vec<ID>>,
    /// Nothing left in the marketplace's warehouses nor listed from the seller's (true), or
    /// something left (false).
    pub out_of_stock: Option<bool>,
    /// Matched to a catalog product (true), or not (false).
    pub matched: Option<bool>,
    /// Ordered, bought out or returned in the window (true), or not (false).
    pub active: Option<bool>,
}

impl PerformanceFilterInput {
    pub fn parse(self) -> Result<PerformanceFilter> {
        let product_ids = self
            .product_ids
            .map(|ids| {
                ids.iter()
                    .map(|id| parse_uuid(id, "filter.productIds"))
                    .collect::<Result<Vec<Uuid>>>()
            })
            .transpose()?;
        Ok(PerformanceFilter {
            product_ids,
            out_of_stock: self.out_of_stock,
            matched: self.matched,
            active: self.active,
        })
    }
}

/// One marketplace article's figures over the window. Money in kopecks. Units sold are
/// orders less cancellations; the rate is taken over the days the article was in stock.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "ProductPerformance", complex)]
pub struct ProductPerformanceGql {
    /// The marketplace's article id (`nmId`).
    pub nm_id: i64,
    pub listing_id: Option<ID>,
    pub product_id: Option<ID>,
    pub vendor_code: String,
    pub orders: i64,
    pub cancellations: i64,
    pub buyouts: i64,
    pub returns: i64,
    /// Orders less cancellations.
    pub units: i64,
    /// What the orders placed were worth (`priceWithDisc`).
    pub ordered_kopecks: i64,
    /// Buyouts less returns, at `priceWithDisc`.
    pub revenue_kopecks: i64,
    /// What the marketplace pays for them (`forPay`), returns deducted.
    pub payout_kopecks: i64,
    /// The product's purchase price now; null when the article matched no product.
    pub purchase_kopecks: Option<i64>,
    /// Payout less the purchase cost of the units bought out and kept; null without a
    /// purchase price.
    pub margin_kopecks: Option<i64>,
    /// Units a day over the days in stock; null when never in stock in the window.
    pub velocity: Option<f64>,
    /// In the marketplace's warehouses now.
    pub marketplace_stock: i64,
    /// Last listed from the seller's warehouse; null when nothing was pushed.
    pub seller_stock: Option<i64>,
    /// Days the stock lasts at `velocity`; null when nothing sold.
    pub days_of_cover: Option<f64>,
    /// Days in the window the marketplace's warehouses had none (a day counts if it was out
    /// at any time of it).
    pub out_of_stock_days: i64,
    /// Estimated: the ordered value per day in stock × days out of stock; null when never in stock.
    pub lost_revenue_kopecks: Option<i64>,
    #[graphql(skip)]
    pub cursor: String,
}

impl ProductPerformanceGql {
    pub fn new(row: &PerformanceRow) -> Self {
        Self {
            nm_id: row.nm_id,
            listing_id: row.listing_id.map(|l| ID(l.to_string())),
            product_id: row.product_id.map(|p| ID(p.to_string())),
            vendor_code: row.vendor_code.clone(),
            orders: row.orders,
            cancellations: row.cancellations,
            buyouts: row.buyouts,
            returns: row.returns,
            units: row.units,
            ordered_kopecks: row.ordered_kopecks,
            revenue_kopecks: row.revenue_kopecks,
            payout_kopecks: row.payout_kopecks,
            purchase_kopecks: row.purchase_kopecks,
            margin_kopecks: row.margin_kopecks,
            velocity: row.velocity,
            marketplace_stock: row.marketplace_stock,
            seller_stock: row.seller_stock,
            days_of_cover: row.days_of_cover,
            out_of_stock_days: row.out_of_stock_days,
            lost_revenue_kopecks: row.lost_revenue_kopecks,
            cursor: row.cursor.clone(),
        }
    }
}

#[ComplexObject]
impl ProductPerformanceGql {
    /// The listing the article belongs to, as it is now.
    #[graphql(guard = "permission(Permission::MarketplaceRead)")]
    async fn listing(&self, ctx: &Context<'_>) -> Result<Option<ListingGql>> {
        let Some(id) = &self.listing_id else { return Ok(None) };
        let pool = ctx.data::<PgPool>()?;
        let row = get_listing(pool, Uuid::parse_str(id).unwrap_or_default())
            .await
            .or_internal(ctx)?;
        Ok(row.map(|r| ListingGql::new(r.id, r.version, &r.state)))
    }

    /// The catalog product, as it is now.
    #[graphql(guard = "permission(Permission::CatalogRead)")]
    async fn product(&self, ctx: &Context<'_>) -> Result<Option<Product>> {
        let Some(id) = &self.product_id else { return Ok(None) };
        let pool = ctx.data::<PgPool>()?;
        get_product(pool, Uuid::parse_str(id).unwrap_or_default())
            .await
            .map(|p| p.map(Product))
            .or_internal(ctx)
    }
}

/// Page information of `productPerformance`.
#[derive(Debug, Clone, SimpleObject)]
pub struct PerformancePageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
    /// The last day of the window the figures cover (today once the windows have moved at
    /// midnight); null when the account has no figures yet.
    pub as_of: Option<Date>,
}
