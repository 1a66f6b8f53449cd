//! Queries of the sales read models: the figures of a period by day, week or month, and the
//! report rows that matched nothing. Each reads an index range of one account.

use chrono::{DateTime, NaiveDate, Utc};
use gomarket_domain::marketplace::account::AccountId;
use sqlx::PgPool;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum SalesQueryError {
    #[error("the period ends before it starts")]
    EmptyPeriod,
    #[error("the period is longer than {max_days} days")]
    PeriodTooLong { max_days: i64 },
    #[error("not a cursor of this list")]
    BadCursor,
    #[error(transparent)]
    Store(#[from] sqlx::Error),
}

/// How the figures of a period are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SalesGrouping {
    Day,
    Week,
    Month,
}

impl SalesGrouping {
    fn unit(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }
}

/// The figures of one day, week (from Monday) or month, in Moscow days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SalesBucket {
    pub start: NaiveDate,
    pub orders: i64,
    pub cancellations: i64,
    pub buyouts: i64,
    pub returns: i64,
    pub ordered_kopecks: i64,
    pub revenue_kopecks: i64,
    pub payout_kopecks: i64,
}

/// The longest period one summary covers (Wildberries keeps 90 days; a year leaves room).
pub const MAX_PERIOD_DAYS: i64 = 366;

/// The figures of `account` from `from` to `to` (Moscow days, both included), grouped.
pub async fn sales_summary(
    pool: &PgPool,
    account: AccountId,
    from: NaiveDate,
    to: NaiveDate,
    grouping: SalesGrouping,
) -> Result<Vec<SalesBucket>, SalesQueryError> {
    if to < from {
        return Err(SalesQueryError::EmptyPeriod);
    }
    if (to - from).num_days() >= MAX_PERIOD_DAYS {
        return Err(SalesQueryError::PeriodTooLong {
            max_days: MAX_PERIOD_DAYS,
        });
    }
    /// (start, orders, cancellations, buyouts, returns, ordered, revenue, payout)
    type Row = (NaiveDate, i64, i64, i64, i64, i64, i64, i64);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT date_trunc($4, day)::date AS start,
                sum(orders)::bigint, sum(cancellations)::bigint, sum(buyouts)::bigint, sum(returns)::bigint,
                sum(ordered_kopecks)::bigint, sum(revenue_kopecks)::bigint, sum(payout_kopecks)::bigint
           FROM sales_account_daily
          WHERE account_id = $1 AND day BETWEEN $2 AND $3
          GROUP BY 1 ORDER BY 1",
    )
    .bind(account.as_uuid())
    .bind(from)
    .bind(to)
    .bind(grouping.unit())
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(start, orders, cancellations, buyouts, returns, ordered, revenue, payout)| SalesBucket {
                start,
                orders,
                cancellations,
                buyouts,
                returns,
                ordered_kopecks: ordered,
                revenue_kopecks: revenue,
                payout_kopecks: payout,
            },
        )
        .collect())
}

/// A report row that matched no listing or product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmatchedRow {
    pub order_id: Uuid,
    pub sequence: i64,
    /// ORDER, CANCEL, SALE or RETURN.
    pub kind: String,
    pub srid: String,
    pub sale_id: Option<String>,
    pub nm_id: i64,
    pub vendor_code: String,
    pub barcode: String,
    pub at: DateTime<Utc>,
    pub price_with_discount: i64,
}

#[derive(Debug, Clone)]
pub struct UnmatchedRowsPage {
    pub rows: Vec<UnmatchedRow>,
    pub has_next: bool,
}

impl UnmatchedRow {
    /// Where the next page starts: (at, order, sequence), newest first.
    pub fn cursor(&self) -> String {
        format!("{}|{}|{}", self.at.timestamp_micros(), self.order_id, self.sequence)
    }
}

fn parse_cursor(cursor: &str) -> Result<(DateTime<Utc>, Uuid, i64), SalesQueryError> {
    let mut parts = cursor.split('|');
    let (Some(at), Some(order), Some(sequence), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(SalesQueryError::BadCursor);
    };
    let at = at
        .parse::<i64>()
        .ok()
        .and_then(DateTime::from_timestamp_micros)
        .ok_or(SalesQueryError::BadCursor)?;
    let order = Uuid::parse_str(order).map_err(|_| SalesQueryError::BadCursor)?;
    let sequence = sequence.parse().map_err(|_| SalesQueryError::BadCursor)?;
    Ok((at, order, sequence))
}

/// The account's unmatched rows, newest first, `first` after `after`.
pub async fn unmatched_rows(
    pool: &PgPool,
    account: AccountId,
    first: i64,
    after: Option<&str>,
) -> Result<UnmatchedRowsPage, SalesQueryError> {
    let after = after.map(parse_cursor).transpose()?;
    type Row = (
        Uuid,
        i64,
        String,
        String,
        Option<String>,
        i64,
        String,
        String,
        DateTime<Utc>,
        i64,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT order_id, sequence, kind, srid, sale_id, nm_id, vendor_code, barcode, at, price_with_discount
           FROM sales_facts
          WHERE account_id = $1 AND product_id IS NULL
            AND ($2::timestamptz IS NULL OR (at, order_id, sequence) < ($2, $3, $4))
          ORDER BY at DESC, order_id DESC, sequence DESC
          LIMIT $5",
    )
    .bind(account.as_uuid())
    .bind(after.map(|a| a.0))
    .bind(after.map(|a| a.1))
    .bind(after.map(|a| a.2))
    .bind(first + 1)
    .fetch_all(pool)
    .await?;
    let mut rows: Vec<UnmatchedRow> = rows
        .into_iter()
        .map(
            |(order_id, sequence, kind, srid, sale_id, nm_id, vendor_code, barcode, at, price_with_discount)| {
                UnmatchedRow {
                    order_id,
                    sequence,
                    kind,
                    srid,
                    sale_id,
                    nm_id,
                    vendor_code,
                    barcode,
                    at,
                    price_with_discount,
                }
            },
        )
        .collect();
    let has_next = rows.len() as i64 > first;
    rows.truncate(first as usize);
    Ok(UnmatchedRowsPage { rows, has_next })
}

/// How many of the account's rows matched nothing (an index-only count over the partial
/// index of unmatched rows: they are few, or the seller has a mapping to fix).
pub async fn unmatched_total(pool: &PgPool, account: AccountId) -> Result<i64, SalesQueryError> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM sales_facts WHERE account_id = $1 AND product_id IS NULL")
            .bind(account.as_uuid())
            .fetch_one(pool)
            .await?,
    )
}
