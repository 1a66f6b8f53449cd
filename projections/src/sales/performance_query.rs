//! `productPerformance`: one (account, window) slice of `sales_performance` in the order
//! asked, paged by keyset (the sort value, then the article), counted and paged in one read
//! of the slice.

use super::SalesQueryError;
use chrono::NaiveDate;
use gomarket_domain::marketplace::account::AccountId;
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::{PgPool, Postgres, Row};
use uuid::Uuid;

/// The orders offered; absent figures (no purchase price, nothing sold) come last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PerformanceSort {
    RevenueDesc,
    MarginDesc,
    MarginAsc,
    VelocityDesc,
    DaysOfCoverAsc,
    LostRevenueDesc,
}

impl PerformanceSort {
    /// (column, descending, its SQL type): what the keyset compares.
    fn key(self) -> (&'static str, bool, &'static str) {
        match self {
            Self::RevenueDesc => ("revenue_kopecks", true, "bigint"),
            Self::MarginDesc => ("margin_kopecks", true, "bigint"),
            Self::MarginAsc => ("margin_kopecks", false, "bigint"),
            Self::VelocityDesc => ("velocity", true, "double precision"),
            Self::DaysOfCoverAsc => ("days_of_cover", false, "double precision"),
            Self::LostRevenueDesc => ("lost_revenue_kopecks", true, "bigint"),
        }
    }

    /// The tag a cursor carries, so a cursor of one order is refused by another.
    fn tag(self) -> &'static str {
        match self {
            Self::RevenueDesc => "R",
            Self::MarginDesc => "M",
            Self::MarginAsc => "m",
            Self::VelocityDesc => "V",
            Self::DaysOfCoverAsc => "C",
            Self::LostRevenueDesc => "L",
        }
    }
}

/// Which articles to list (all given conditions hold).
#[derive(Debug, Clone, Default)]
pub struct PerformanceFilter {
    pub product_ids: Option<Vec<Uuid>>,
    /// Nothing in the marketplace's warehouses nor listed from the seller's.
    pub out_of_stock: Option<bool>,
    /// Matched to a catalog product.
    pub matched: Option<bool>,
    /// Ordered, bought out or returned in the window.
    pub active: Option<bool>,
}

/// One article's figures over the window.
#[derive(Debug, Clone, PartialEq)]
pub struct PerformanceRow {
    pub nm_id: i64,
    pub listing_id: Option<Uuid>,
    pub product_id: Option<Uuid>,
    pub vendor_code: String,
    pub orders: i64,
    pub cancellations: i64,
    pub buyouts: i64,
    pub returns: i64,
    pub units: i64,
    pub ordered_kopecks: i64,
    pub revenue_kopecks: i64,
    pub payout_kopecks: i64,
    pub purchase_kopecks: Option<i64>,
    pub margin_kopecks: Option<i64>,
    pub velocity: Option<f64>,
    pub marketplace_stock: i64,
    pub seller_stock: Option<i64>,
    pub days_of_cover: Option<f64>,
    pub out_of_stock_days: i64,
    pub lost_revenue_kopecks: Option<i64>,
    /// Where the next page starts.
    pub cursor: String,
}

#[derive(Debug, Clone)]
pub struct PerformancePage {
    pub rows: Vec<PerformanceRow>,
    pub has_next: bool,
    /// How many articles the filter keeps.
    pub total: i64,
    /// The day the windows end on (none: the account has no figures yet).
    pub as_of: Option<NaiveDate>,
}

/// A position in one order: the sort value (as PostgreSQL prints it; none: absent) and the
/// article.
#[derive(Debug, Clone, PartialEq)]
pub struct PerformanceCursor {
    value: Option<String>,
    nm_id: i64,
}

impl PerformanceCursor {
    fn encode(sort: PerformanceSort, value: Option<&str>, nm_id: i64) -> String {
        format!("{}|{}|{}", sort.tag(), value.unwrap_or("~"), nm_id)
    }

    fn parse(sort: PerformanceSort, text: &str) -> Result<Self, SalesQueryError> {
        let mut parts = text.split('|');
        let (Some(tag), Some(value), Some(nm_id), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(SalesQueryError::BadCursor);
        };
        if tag != sort.tag() {
            return Err(SalesQueryError::BadCursor);
        }
        // The value must read as its column's type, or PostgreSQL would refuse it later as a
        // failure of ours rather than of the cursor.
        let readable = |v: &str| match sort.key().2 {
            "bigint" => v.parse::<i64>().is_ok(),
            _ => v.parse::<f64>().is_ok_and(f64::is_finite),
        };
        let value = match value {
            "~" => None,
            v if readable(v) => Some(v.to_owned()),
            _ => return Err(SalesQueryError::BadCursor),
        };
        Ok(Self {
            value,
            nm_id: nm_id.parse().map_err(|_| SalesQueryError::BadCursor)?,
        })
    }
}

/// The columns [`performance_row`] reads, but the sort key.
pub(super) const COLUMNS: &str = "nm_id, listing_id, product_id, vendor_code, orders, cancellations, buyouts, returns,
    units, ordered_kopecks, revenue_kopecks, payout_kopecks, purchase_kopecks, margin_kopecks, velocity,
    marketplace_stock, seller_stock, days_of_cover, out_of_stock_days, lost_revenue_kopecks";

/// The filter's conditions, over parameters $3–$6.
const FILTER: &str = "account_id = $1 AND period_days = $2
    AND ($3::uuid[] IS NULL OR product_id = ANY($3))
    AND ($4::boolean IS NULL OR (marketplace_stock + coalesce(seller_stock, 0) = 0) = $4)
    AND ($5::boolean IS NULL OR (product_id IS NOT NULL) = $5)
    AND ($6::boolean IS NULL OR (orders > 0 OR buyouts > 0 OR returns > 0) = $6)";

/// Statement `sql` with the filter's parameters ($1–$6 of [`FILTER`]) bound.
fn with_filter<'q>(
    sql: &'q str,
    account: AccountId,
    period_days: i16,
    filter: &'q PerformanceFilter,
) -> Query<'q, Postgres, PgArguments> {
    sqlx::query(sql)
        .bind(account.as_uuid())
        .bind(period_days)
        .bind(filter.product_ids.as_deref())
        .bind(filter.out_of_stock)
        .bind(filter.matched)
        .bind(filter.active)
}

/// The account's articles over the last `period_days` days, `first` after `after`.
pub async fn product_performance(
    pool: &PgPool,
    account: AccountId,
    period_days: i16,
    filter: &PerformanceFilter,
    sort: PerformanceSort,
    first: i64,
    after: Option<&str>,
) -> Result<PerformancePage, SalesQueryError> {
    let after = after.map(|a| PerformanceCursor::parse(sort, a)).transpose()?;
    let (column, descending, sql_type) = sort.key();
    let (direction, beyond) = if descending { ("DESC", "<") } else { ("ASC", ">") };
    // Absent values sort last, so past a present value come the rest of the present ones and
    // every absent one; past an absent one, only absent ones.
    let keyset = match &after {
        None => "true".to_owned(),
        Some(PerformanceCursor { value: Some(_), .. }) => format!(
            "({column} {beyond} $7::{sql_type} OR ({column} = $7::{sql_type} AND nm_id > $8) OR {column} IS NULL)"
        ),
        Some(PerformanceCursor { value: None, .. }) => format!("({column} IS NULL AND nm_id > $8)"),
    };
    // The filter's rows are read once: counted over the whole set, then the page taken past
    // the cursor (an account's slice is read whole either way: no order has an index of its
    // own, which would cost every fact the projection applies seven index entries).
    let sql = format!(
        "SELECT * FROM (
             SELECT {COLUMNS}, {column}::text AS sort_key, count(*) OVER () AS total
               FROM sales_performance
              WHERE {FILTER}
         ) AS filtered
          WHERE {keyset}
          ORDER BY {column} {direction} NULLS LAST, nm_id
          LIMIT $9"
    );
    let rows: Vec<PgRow> = with_filter(&sql, account, period_days, filter)
        .bind(after.as_ref().and_then(|a| a.value.clone()))
        .bind(after.as_ref().map(|a| a.nm_id))
        .bind(first + 1)
        .fetch_all(pool)
        .await?;
    let has_next = rows.len() as i64 > first;
    let total: i64 = match rows.first() {
        Some(row) => row.try_get("total")?,
        // Past the last page: the rows are counted on their own.
        None => {
            let count = format!("SELECT count(*) FROM sales_performance WHERE {FILTER}");
            with_filter(&count, account, period_days, filter)
                .fetch_one(pool)
                .await?
                .try_get(0)?
        }
    };
    let rows = rows
        .iter()
        .take(first as usize)
        .map(|row| performance_row(row, sort))
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let as_of: Option<NaiveDate> =
        sqlx::query_scalar("SELECT as_of FROM sales_performance_as_of WHERE account_id = $1")
            .bind(account.as_uuid())
            .fetch_optional(pool)
            .await?;
    Ok(PerformancePage {
        rows,
        has_next,
        total,
        as_of,
    })
}

pub(super) fn performance_row(row: &PgRow, sort: PerformanceSort) -> Result<PerformanceRow, sqlx::Error> {
    let count = |column: &str| row.try_get::<i32, _>(column).map(i64::from);
    let nm_id: i64 = row.try_get("nm_id")?;
    let key: Option<String> = row.try_get("sort_key")?;
    Ok(PerformanceRow {
        nm_id,
        listing_id: row.try_get("listing_id")?,
        product_id: row.try_get("product_id")?,
        vendor_code: row.try_get("vendor_code")?,
        orders: count("orders")?,
        cancellations: count("cancellations")?,
        buyouts: count("buyouts")?,
        returns: count("returns")?,
        units: count("units")?,
        ordered_kopecks: row.try_get("ordered_kopecks")?,
        revenue_kopecks: row.try_get("revenue_kopecks")?,
        payout_kopecks: row.try_get("payout_kopecks")?,
        purchase_kopecks: row.try_get("purchase_kopecks")?,
        margin_kopecks: row.try_get("margin_kopecks")?,
        velocity: row.try_get("velocity")?,
        marketplace_stock: row.try_get("marketplace_stock")?,
        seller_stock: row.try_get("seller_stock")?,
        days_of_cover: row.try_get("days_of_cover")?,
        out_of_stock_days: count("out_of_stock_days")?,
        lost_revenue_kopecks: row.try_get("lost_revenue_kopecks")?,
        cursor: PerformanceCursor::encode(sort, key.as_deref(), nm_id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_and_belongs_to_its_order() {
        use PerformanceSort::*;
        for sort in [
            RevenueDesc,
            MarginDesc,
            MarginAsc,
            VelocityDesc,
            DaysOfCoverAsc,
            LostRevenueDesc,
        ] {
            let float = sort.key().2 == "double precision";
            for value in [None, Some("-12345"), float.then_some("3.3333333333333335")] {
                let text = PerformanceCursor::encode(sort, value, 42);
                let cursor = PerformanceCursor::parse(sort, &text).unwrap();
                assert_eq!(cursor.value.as_deref(), value);
                assert_eq!(cursor.nm_id, 42);
            }
        }
        let margin = PerformanceCursor::encode(PerformanceSort::MarginDesc, Some("10"), 1);
        assert!(PerformanceCursor::parse(PerformanceSort::MarginAsc, &margin).is_err());
        assert!(PerformanceCursor::parse(PerformanceSort::MarginDesc, "M|x|1").is_err());
        // A fraction where the figure is whole kopecks is no position of that order.
        assert!(PerformanceCursor::parse(PerformanceSort::MarginDesc, "M|1.5|1").is_err());
        assert!(PerformanceCursor::parse(PerformanceSort::DaysOfCoverAsc, "C|1.5|1").is_ok());
        assert!(PerformanceCursor::parse(PerformanceSort::MarginDesc, "M|1").is_err());
    }
}
