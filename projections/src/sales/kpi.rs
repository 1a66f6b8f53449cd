//! The seller's KPI tile (`metrics` subscription): today's and the period's sales, the
//! period's margin, and what needs attention (articles out of stock on the marketplace,
//! held prices, listings with errors, open alerts).
//!
//! Costs: the sales sums read one row per day of the period (`sales_account_daily`); the
//! counts use partial indexes (`20261204000109_kpi_indexes.sql`) or the alerts index; only
//! the margin sums the account's articles in the period (`sales_performance`, one index range),
//! which is why the subscription computes a tile at most once a second per account and
//! period, shared by its subscribers, and only while events are being recorded.

use chrono::NaiveDate;
use sqlx::PgPool;
use uuid::Uuid;

/// Sales figures over some days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SalesFigures {
    pub orders: i64,
    pub cancellations: i64,
    pub buyouts: i64,
    pub returns: i64,
    pub ordered_kopecks: i64,
    pub revenue_kopecks: i64,
    pub payout_kopecks: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KpiTile {
    pub today: SalesFigures,
    pub period: SalesFigures,
    /// Payout less the purchase cost of what was bought out and kept, over the matched
    /// articles of the period (none: nothing matched).
    pub period_margin_kopecks: Option<i64>,
    pub articles_out_of_stock: i64,
    pub held_prices: i64,
    pub listings_with_errors: i64,
    pub open_alerts: i64,
}

type FiguresRow = (i64, i64, i64, i64, i64, i64, i64);

async fn figures(pool: &PgPool, account: Uuid, from: NaiveDate, to: NaiveDate) -> Result<SalesFigures, sqlx::Error> {
    let row: FiguresRow = sqlx::query_as(
        "SELECT coalesce(sum(orders), 0)::bigint, coalesce(sum(cancellations), 0)::bigint,
                coalesce(sum(buyouts), 0)::bigint, coalesce(sum(returns), 0)::bigint,
                coalesce(sum(ordered_kopecks), 0)::bigint, coalesce(sum(revenue_kopecks), 0)::bigint,
                coalesce(sum(payout_kopecks), 0)::bigint
           FROM sales_account_daily WHERE account_id = $1 AND day BETWEEN $2 AND $3",
    )
    .bind(account)
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await?;
    Ok(SalesFigures {
        orders: row.0,
        cancellations: row.1,
        buyouts: row.2,
        returns: row.3,
        ordered_kopecks: row.4,
        revenue_kopecks: row.5,
        payout_kopecks: row.6,
    })
}

/// The tile of `account` for the `period_days` (Moscow) days ending `today`.
pub async fn kpi_tile(
    pool: &PgPool,
    account: Uuid,
    period_days: i16,
    today: NaiveDate,
) -> Result<KpiTile, sqlx::Error> {
    let from = today - chrono::Duration::days(i64::from(period_days) - 1);
    let today_figures = figures(pool, account, today, today).await?;
    let period = figures(pool, account, from, today).await?;
    let period_margin_kopecks: Option<i64> = sqlx::query_scalar(
        "SELECT sum(margin_kopecks)::bigint FROM sales_performance WHERE account_id = $1 AND period_days = $2",
    )
    .bind(account)
    .bind(period_days)
    .fetch_one(pool)
    .await?;
    let (articles_out_of_stock, listings_with_errors, held_prices, open_alerts): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM marketplace_stock_articles WHERE account_id = $1 AND quantity = 0),
                    (SELECT count(*) FROM listings WHERE account_id = $1 AND has_error),
                    (SELECT count(*) FROM alerts WHERE account_id = $1 AND state IN ('OPEN', 'ACKNOWLEDGED')
                        AND condition = 'PRICE_HELD'),
                    (SELECT count(*) FROM alerts WHERE account_id = $1 AND state IN ('OPEN', 'ACKNOWLEDGED'))",
    )
    .bind(account)
    .fetch_one(pool)
    .await?;
    Ok(KpiTile {
        today: today_figures,
        period,
        period_margin_kopecks,
        articles_out_of_stock,
        held_prices,
        listings_with_errors,
        open_alerts,
    })
}
