//! The run manager's own tables, written in the transaction that advances its checkpoint:
//! which run an import belongs to (`sync_run_imports`), and which listings a run waits on
//! (`sync_pending`).

use gomarket_domain::marketplace::values::Marketplace;
use gomarket_domain::sync::stock::Demand;
use sqlx::PgConnection;
use std::collections::HashMap;
use uuid::Uuid;

/// Records that `import_id` is one of `run_id`'s imports.
pub(super) async fn record_import(tx: &mut PgConnection, import_id: Uuid, run_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO sync_run_imports (import_id, run_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(import_id)
        .bind(run_id)
        .execute(tx)
        .await
        .map(drop)
}

/// The run an import was started for, once that run's start is committed.
pub(super) async fn run_of_import(tx: &mut PgConnection, import_id: Uuid) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT run_id FROM sync_run_imports WHERE import_id = $1")
        .bind(import_id)
        .fetch_optional(tx)
        .await
}

/// Makes the run wait on these (listing, product) pairs' next outcomes.
pub(super) async fn await_listings(
    tx: &mut PgConnection,
    run_id: Uuid,
    pending: &[(Uuid, Uuid)],
) -> Result<(), sqlx::Error> {
    let (listings, products): (Vec<Uuid>, Vec<Uuid>) = pending.iter().copied().unzip();
    sqlx::query(
        "INSERT INTO sync_pending (listing_id, run_id, product_id)
         SELECT listing_id, $1, product_id FROM UNNEST($2::uuid[], $3::uuid[]) AS p(listing_id, product_id)
         ON CONFLICT (listing_id) DO UPDATE
            SET run_id = EXCLUDED.run_id, product_id = EXCLUDED.product_id, given_up = false",
    )
    .bind(run_id)
    .bind(&listings)
    .bind(&products)
    .execute(tx)
    .await
    .map(drop)
}

/// A listing some run waits on.
pub(super) struct Pending {
    pub listing_id: Uuid,
    pub run_id: Uuid,
    pub product_id: Uuid,
    /// The run gave up pushing it; it settles `FAILED` when the listing says so.
    pub given_up: bool,
}

/// Which of `listings` some run waits on.
pub(super) async fn pending_among(tx: &mut PgConnection, listings: &[Uuid]) -> Result<Vec<Pending>, sqlx::Error> {
    let rows: Vec<(Uuid, Uuid, Uuid, bool)> =
        sqlx::query_as("SELECT listing_id, run_id, product_id, given_up FROM sync_pending WHERE listing_id = ANY($1)")
            .bind(listings)
            .fetch_all(tx)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(listing_id, run_id, product_id, given_up)| Pending {
            listing_id,
            run_id,
            product_id,
            given_up,
        })
        .collect())
}

pub(super) async fn mark_given_up(tx: &mut PgConnection, listings: &[Uuid]) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sync_pending SET given_up = true WHERE listing_id = ANY($1)")
        .bind(listings)
        .execute(tx)
        .await
        .map(drop)
}

/// The run waits on these listings no more.
pub(super) async fn settled(tx: &mut PgConnection, listings: &[Uuid]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sync_pending WHERE listing_id = ANY($1)")
        .bind(listings)
        .execute(tx)
        .await
        .map(drop)
}

/// The products of these suppliers' offers (what a run plans over).
pub(super) async fn products_of_suppliers(tx: &mut PgConnection, suppliers: &[Uuid]) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar("SELECT DISTINCT product_id FROM supplier_offers WHERE supplier_id = ANY($1)")
        .bind(suppliers)
        .fetch_all(tx)
        .await
}

/// The listings' demand over the last 30 days (units, days in stock), from the sales read
/// model; listings the marketplace reported nothing of are absent.
pub(super) async fn demand_of_listings(
    tx: &mut PgConnection,
    listings: &[Uuid],
) -> Result<HashMap<Uuid, Demand>, sqlx::Error> {
    let rows: Vec<(Uuid, i32, i32)> = sqlx::query_as(
        "SELECT listing_id, units, period_days - out_of_stock_days
           FROM sales_performance
          WHERE listing_id = ANY($1) AND period_days = 30",
    )
    .bind(listings)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(listing, units, days)| {
            (
                listing,
                Demand {
                    units: units.into(),
                    days: days.into(),
                },
            )
        })
        .collect())
}

/// The commission `marketplace` reported per subject (hundredths of a percent; the rate of
/// the seller's warehouse, else of the marketplace's), for the subjects asked that it reported.
pub(super) async fn reported_commissions(
    tx: &mut PgConnection,
    marketplace: Marketplace,
    subjects: &[i64],
) -> Result<HashMap<i64, i64>, sqlx::Error> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT subject_id, coalesce(seller_warehouse, marketplace_warehouse)
           FROM subject_commissions
          WHERE marketplace = $2 AND subject_id = ANY($1)
            AND coalesce(seller_warehouse, marketplace_warehouse) IS NOT NULL",
    )
    .bind(subjects)
    .bind(marketplace.as_str())
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows.into_iter().collect())
}
