//! What the alerting process reads and keeps: its own record of the marketplace's stock per
//! article and warehouse (in the checkpoint's transaction), and from the read models the
//! 30-day demand, the supplier's stock, a product's purchase price, a listing's subject and
//! the subject's commission. Each is one indexed lookup per fact.

use gomarket_domain::marketplace::values::Marketplace;
use sqlx::PgConnection;
use uuid::Uuid;

/// Records an article's stock in one warehouse; the article's total over its warehouses.
pub(super) async fn record_stock(
    tx: &mut PgConnection,
    account: Uuid,
    nm_id: i64,
    warehouse: &str,
    quantity: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO alerting_marketplace_stock (account_id, nm_id, warehouse, quantity) VALUES ($1, $2, $3, $4)
         ON CONFLICT (account_id, nm_id, warehouse) DO UPDATE SET quantity = EXCLUDED.quantity",
    )
    .bind(account)
    .bind(nm_id)
    .bind(warehouse)
    .bind(quantity)
    .execute(&mut *tx)
    .await?;
    sqlx::query_scalar(
        "SELECT coalesce(sum(quantity), 0)::bigint FROM alerting_marketplace_stock
          WHERE account_id = $1 AND nm_id = $2",
    )
    .bind(account)
    .bind(nm_id)
    .fetch_one(&mut *tx)
    .await
}

/// Units sold (ordered less cancelled) over the last 30 days and the days of those it was in
/// stock; `None` before the article's first sale is projected.
pub(super) async fn demand(
    tx: &mut PgConnection,
    account: Uuid,
    nm_id: i64,
) -> Result<Option<(i64, i64)>, sqlx::Error> {
    let row: Option<(i32, i32)> = sqlx::query_as(
        "SELECT units, period_days - out_of_stock_days FROM sales_performance
          WHERE account_id = $1 AND period_days = 30 AND nm_id = $2",
    )
    .bind(account)
    .bind(nm_id)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(row.map(|(units, days)| (units.into(), days.into())))
}

/// A catalog product's stock and price (for a supplier's product, its purchase price).
pub(super) async fn product(tx: &mut PgConnection, product: Uuid) -> Result<Option<(i64, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT stock, price_kopecks FROM products WHERE id = $1")
        .bind(product)
        .fetch_optional(&mut *tx)
        .await
}

/// The commission (hundredths of a percent) the listing's marketplace reported for its
/// subject: the rate of the seller's warehouse, else of the marketplace's.
pub(super) async fn listing_commission(tx: &mut PgConnection, listing: Uuid) -> Result<Option<i64>, sqlx::Error> {
    let rate: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT coalesce(c.seller_warehouse, c.marketplace_warehouse)
           FROM listings l
           JOIN subject_commissions c
             ON c.marketplace = coalesce(l.state ->> 'marketplace', $2)
            AND c.subject_id = (l.state -> 'draft' ->> 'subject_id')::bigint
          WHERE l.id = $1",
    )
    .bind(listing)
    // Listings from before a second marketplace name none: they are on Wildberries.
    .bind(Marketplace::default().as_str())
    .fetch_optional(&mut *tx)
    .await?;
    Ok(rate.flatten())
}
