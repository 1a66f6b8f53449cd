//! What one listing's analytics read: its performance windows, the commission of its subject,
//! its article's stock per marketplace warehouse, and its price changes with the sales before
//! and after each. Each is an index lookup of one listing or article.

use super::SalesQueryError;
use super::performance_query::{COLUMNS, PerformanceRow, PerformanceSort, performance_row};
use chrono::{DateTime, Days, NaiveDate, Utc};
use gomarket_domain::marketplace::values::Marketplace;
use gomarket_domain::sales::values::moscow_day;
use sqlx::{PgPool, Row};
use uuid::Uuid;

/// The listing's figures over the last `period_days` days (none: its article has none).
pub async fn listing_window(
    pool: &PgPool,
    listing: Uuid,
    period_days: i16,
) -> Result<Option<PerformanceRow>, SalesQueryError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS}, revenue_kopecks::text AS sort_key
           FROM sales_performance WHERE listing_id = $1 AND period_days = $2
          ORDER BY revenue_kopecks DESC, nm_id LIMIT 1"
    ))
    .bind(listing)
    .bind(period_days)
    .fetch_optional(pool)
    .await?;
    Ok(row
        .as_ref()
        .map(|r| performance_row(r, PerformanceSort::RevenueDesc))
        .transpose()?)
}

/// A subject's commission as the marketplace last reported it, in hundredths of a percent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectRates {
    pub subject_id: i64,
    pub subject_name: String,
    pub parent_name: String,
    pub marketplace_warehouse: Option<i64>,
    pub seller_warehouse: Option<i64>,
    pub seller_delivery: Option<i64>,
    pub seller_express: Option<i64>,
    pub pickup: Option<i64>,
    pub booking: Option<i64>,
    pub observed_at: DateTime<Utc>,
}

/// The rates reported for `subject` on `marketplace`.
pub async fn subject_rates(
    pool: &PgPool,
    marketplace: Marketplace,
    subject: i64,
) -> Result<Option<SubjectRates>, SalesQueryError> {
    let row = sqlx::query(
        "SELECT subject_id, subject_name, parent_name, marketplace_warehouse, seller_warehouse, seller_delivery,
                seller_express, pickup, booking, observed_at
           FROM subject_commissions WHERE marketplace = $1 AND subject_id = $2",
    )
    .bind(marketplace.as_str())
    .bind(subject)
    .fetch_optional(pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(SubjectRates {
        subject_id: r.try_get("subject_id")?,
        subject_name: r.try_get("subject_name")?,
        parent_name: r.try_get("parent_name")?,
        marketplace_warehouse: r.try_get("marketplace_warehouse")?,
        seller_warehouse: r.try_get("seller_warehouse")?,
        seller_delivery: r.try_get("seller_delivery")?,
        seller_express: r.try_get("seller_express")?,
        pickup: r.try_get("pickup")?,
        booking: r.try_get("booking")?,
        observed_at: r.try_get("observed_at")?,
    }))
}

/// One size of an article in one marketplace warehouse, as last observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarehouseStock {
    pub warehouse: String,
    pub barcode: String,
    pub quantity: i64,
    pub in_way_to_client: i64,
    pub in_way_from_client: i64,
    pub changed_at: DateTime<Utc>,
}

/// The article's stock in the marketplace's warehouses, by warehouse and size.
pub async fn warehouse_stock(pool: &PgPool, account: Uuid, nm_id: i64) -> Result<Vec<WarehouseStock>, SalesQueryError> {
    let rows: Vec<(String, String, i64, i64, i64, DateTime<Utc>)> = sqlx::query_as(
        "SELECT warehouse, barcode, quantity, in_way_to_client, in_way_from_client, changed_at
           FROM marketplace_stock_levels WHERE account_id = $1 AND nm_id = $2
          ORDER BY warehouse, barcode",
    )
    .bind(account)
    .bind(nm_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(warehouse, barcode, quantity, in_way_to_client, in_way_from_client, changed_at)| WarehouseStock {
                warehouse,
                barcode,
                quantity,
                in_way_to_client,
                in_way_from_client,
                changed_at,
            },
        )
        .collect())
}

/// What an article did over some days: units (orders less cancellations), revenue, payout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowFigures {
    /// Days counted: the window's length, or fewer when it reaches past today.
    pub days: i64,
    pub units: i64,
    pub buyouts_kept: i64,
    pub revenue_kopecks: i64,
    pub payout_kopecks: i64,
}

/// A price the marketplace applied, with the sales of the days before and after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceChange {
    pub applied_at: DateTime<Utc>,
    pub price_kopecks: i64,
    pub discount_percent: i64,
    /// The `window` days before the change's day.
    pub before: WindowFigures,
    /// The change's day and the `window − 1` days after it (up to today).
    pub after: WindowFigures,
}

/// The listing's last `limit` applied prices, newest first, each with the article's sales in
/// the `window` days before and from its day on.
pub async fn price_history(
    pool: &PgPool,
    listing: Uuid,
    article: Option<(Uuid, i64)>,
    window: i64,
    limit: i64,
) -> Result<Vec<PriceChange>, SalesQueryError> {
    let changes: Vec<(DateTime<Utc>, i64, i16)> = sqlx::query_as(
        "SELECT applied_at, price_kopecks, discount_percent FROM listing_price_history
          WHERE listing_id = $1 ORDER BY applied_at DESC, sequence DESC LIMIT $2",
    )
    .bind(listing)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let today = moscow_day(Utc::now());
    // Per change: the days before its (Moscow) day, and its day up to `window − 1` after.
    let spans: Vec<[(NaiveDate, NaiveDate); 2]> = changes
        .iter()
        .map(|(applied_at, ..)| {
            let day = moscow_day(*applied_at);
            let before = (day - Days::new(window as u64), day - Days::new(1));
            let after = (day, (day + Days::new(window as u64 - 1)).min(today));
            [before, after]
        })
        .collect();
    let figures = match article {
        Some((account, nm_id)) => span_figures(pool, account, nm_id, spans.iter().flatten()).await?,
        None => vec![(0, 0, 0, 0); spans.len() * 2],
    };
    Ok(changes
        .into_iter()
        .zip(spans)
        .zip(figures.chunks(2))
        .map(|(((applied_at, price_kopecks, discount), spans), sums)| {
            let window = |(from, to): (NaiveDate, NaiveDate), (units, kept, revenue, payout): (i64, i64, i64, i64)| {
                WindowFigures {
                    days: ((to - from).num_days() + 1).max(0),
                    units,
                    buyouts_kept: kept,
                    revenue_kopecks: revenue,
                    payout_kopecks: payout,
                }
            };
            PriceChange {
                applied_at,
                price_kopecks,
                discount_percent: discount.into(),
                before: window(spans[0], sums[0]),
                after: window(spans[1], sums[1]),
            }
        })
        .collect())
}

/// The article's (units, units kept, revenue, payout) over each span of days (both ends
/// included), in one query: a range of its daily rows per span.
async fn span_figures(
    pool: &PgPool,
    account: Uuid,
    nm_id: i64,
    spans: impl Iterator<Item = &(NaiveDate, NaiveDate)>,
) -> Result<Vec<(i64, i64, i64, i64)>, SalesQueryError> {
    let (from, to): (Vec<NaiveDate>, Vec<NaiveDate>) = spans.copied().unzip();
    Ok(sqlx::query_as(
        "SELECT coalesce(sum(d.orders - d.cancellations), 0)::bigint, coalesce(sum(d.buyouts - d.returns), 0)::bigint,
                coalesce(sum(d.revenue_kopecks), 0)::bigint, coalesce(sum(d.payout_kopecks), 0)::bigint
           FROM UNNEST($3::date[], $4::date[]) WITH ORDINALITY AS s(from_day, to_day, n)
           LEFT JOIN sales_daily d
             ON d.account_id = $1 AND d.nm_id = $2 AND d.day BETWEEN s.from_day AND s.to_day
          GROUP BY s.n ORDER BY s.n",
    )
    .bind(account)
    .bind(nm_id)
    .bind(&from)
    .bind(&to)
    .fetch_all(pool)
    .await?)
}

/// What the marketplace's stock history report last said an article lost to being out of stock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LostSalesRow {
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub lost_orders_hundredths: Option<i64>,
    pub lost_orders_kopecks: Option<i64>,
    pub missing_hours: Option<i64>,
    pub reported_at: DateTime<Utc>,
}

/// The article's last stock history figures (none: never reported).
pub async fn reported_lost_sales(
    pool: &PgPool,
    account: Uuid,
    nm_id: i64,
) -> Result<Option<LostSalesRow>, SalesQueryError> {
    type Row = (
        NaiveDate,
        NaiveDate,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        DateTime<Utc>,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT period_start, period_end, lost_orders_hundredths, lost_orders_kopecks, missing_hours, reported_at
           FROM marketplace_lost_sales WHERE account_id = $1 AND nm_id = $2",
    )
    .bind(account)
    .bind(nm_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(
        |(period_start, period_end, lost_orders_hundredths, lost_orders_kopecks, missing_hours, reported_at)| {
            LostSalesRow {
                period_start,
                period_end,
                lost_orders_hundredths,
                lost_orders_kopecks,
                missing_hours,
                reported_at,
            }
        },
    ))
}
