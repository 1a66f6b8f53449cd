//! The sales figures and the marketplace's report rows, as GraphQL types.

use async_graphql::{Enum, ID, InputValueError, InputValueResult, Scalar, ScalarType, SimpleObject, Value};
use chrono::{DateTime, NaiveDate, Utc};
use gomarket_projections::sales::{SalesBucket, SalesGrouping, UnmatchedRow};

/// A calendar day, `YYYY-MM-DD` (the seller's days are Moscow days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| InputValueError::custom(format!("{text:?} is not a date (YYYY-MM-DD)"))),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// How `salesSummary` groups its figures (Moscow days; weeks start on Monday).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Enum)]
#[graphql(name = "SalesGrouping")]
pub enum SalesGroupingGql {
    #[default]
    Day,
    Week,
    Month,
}

impl From<SalesGroupingGql> for SalesGrouping {
    fn from(grouping: SalesGroupingGql) -> Self {
        match grouping {
            SalesGroupingGql::Day => Self::Day,
            SalesGroupingGql::Week => Self::Week,
            SalesGroupingGql::Month => Self::Month,
        }
    }
}

/// The figures of one day, week or month (or of the whole period, as `totals`). Money in
/// kopecks: revenue is the price after the seller's discount (`priceWithDisc`), payout what the
/// marketplace pays (`forPay`); returns count against both.
#[derive(Debug, Clone, PartialEq, Eq, SimpleObject)]
#[graphql(name = "SalesBucket")]
pub struct SalesBucketGql {
    /// The first day of the bucket (for `totals`, the period's first day).
    pub start: Date,
    pub orders: i64,
    pub cancellations: i64,
    /// Units bought out.
    pub buyouts: i64,
    pub returns: i64,
    /// Units sold: buyouts less returns.
    pub units: i64,
    /// Buyouts per 100 orders placed, in hundredths (`buyouts × 10 000 / orders`); null without orders.
    pub buyout_rate_basis_points: Option<i64>,
    /// What the orders placed were worth (`priceWithDisc`).
    pub ordered_kopecks: i64,
    pub revenue_kopecks: i64,
    pub payout_kopecks: i64,
}

impl SalesBucketGql {
    pub fn new(bucket: &SalesBucket) -> Self {
        Self {
            start: Date(bucket.start),
            orders: bucket.orders,
            cancellations: bucket.cancellations,
            buyouts: bucket.buyouts,
            returns: bucket.returns,
            units: bucket.buyouts - bucket.returns,
            buyout_rate_basis_points: (bucket.orders > 0).then(|| bucket.buyouts * 10_000 / bucket.orders),
            ordered_kopecks: bucket.ordered_kopecks,
            revenue_kopecks: bucket.revenue_kopecks,
            payout_kopecks: bucket.payout_kopecks,
        }
    }

    /// The sum of `buckets`, starting at `start`.
    pub fn total(start: NaiveDate, buckets: &[SalesBucket]) -> Self {
        let sum = |f: fn(&SalesBucket) -> i64| buckets.iter().map(f).sum::<i64>();
        Self::new(&SalesBucket {
            start,
            orders: sum(|b| b.orders),
            cancellations: sum(|b| b.cancellations),
            buyouts: sum(|b| b.buyouts),
            returns: sum(|b| b.returns),
            ordered_kopecks: sum(|b| b.ordered_kopecks),
            revenue_kopecks: sum(|b| b.revenue_kopecks),
            payout_kopecks: sum(|b| b.payout_kopecks),
        })
    }
}

/// `salesSummary`'s answer.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "SalesSummary")]
pub struct SalesSummaryGql {
    /// Buckets with any activity, oldest first.
    pub buckets: Vec<SalesBucketGql>,
    pub totals: SalesBucketGql,
}

/// What a report row says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(name = "MarketplaceFactKind")]
pub enum MarketplaceFactKindGql {
    Order,
    Cancel,
    Sale,
    Return,
}

/// A marketplace report row that matched no listing or catalog product (by vendor code,
/// barcode or article id). It is recorded all the same.
#[derive(Debug, Clone, SimpleObject)]
#[graphql(name = "UnmatchedMarketplaceRow")]
pub struct UnmatchedMarketplaceRowGql {
    pub kind: MarketplaceFactKindGql,
    /// The marketplace's order key (`srid`).
    pub srid: String,
    /// The sale's or return's key (`saleID`), for those.
    pub sale_id: Option<String>,
    /// The marketplace's article id (`nmId`).
    pub nm_id: i64,
    pub vendor_code: String,
    pub barcode: String,
    pub at: DateTime<Utc>,
    pub price_with_discount_kopecks: i64,
    /// The order's stream: `history(aggregateType: "MarketplaceOrder", aggregateId: …)`.
    pub order_id: ID,
    #[graphql(skip)]
    pub cursor: String,
}

impl UnmatchedMarketplaceRowGql {
    pub fn new(row: &UnmatchedRow) -> Self {
        Self {
            kind: match row.kind.as_str() {
                "ORDER" => MarketplaceFactKindGql::Order,
                "CANCEL" => MarketplaceFactKindGql::Cancel,
                "SALE" => MarketplaceFactKindGql::Sale,
                _ => MarketplaceFactKindGql::Return,
            },
            srid: row.srid.clone(),
            sale_id: row.sale_id.clone(),
            nm_id: row.nm_id,
            vendor_code: row.vendor_code.clone(),
            barcode: row.barcode.clone(),
            at: row.at,
            price_with_discount_kopecks: row.price_with_discount,
            order_id: ID(row.order_id.to_string()),
            cursor: row.cursor(),
        }
    }
}
