//! Keeps `sales_performance`: per account, window (the last 7, 30, 90 Moscow days up to the
//! account's `as_of`) and article, the sums of the facts in the window and the inputs that are
//! not sums (purchase price, stocks, days out of stock); the derived figures (margin, velocity,
//! days of cover, lost revenue) are generated columns.
//!
//! The sums grow with each batch of facts (in the projection's own statement); the windows
//! move at Moscow midnight, when an account's rows are computed again from `sales_daily` —
//! once a day per account, by the first batch of the day or by [`roll_stale`], whichever comes
//! first. The inputs are read when an article is first seen, when its stock changes, and for
//! all of an account's articles when its windows move (so a purchase price changed in the
//! catalog shows the next day, or at the article's next stock change).

use super::tables::{LIVE, Tables};
use chrono::NaiveDate;
use gomarket_domain::sales::values::moscow_day;
use gomarket_infra::error_chain::Chain;
use gomarket_infra::shutdown::Shutdown;
use sqlx::{PgConnection, PgPool};
use std::collections::HashSet;
use uuid::Uuid;

/// The windows kept, in days.
pub const PERIODS: [i16; 3] = [7, 30, 90];

/// The longest window: how far back an account's rows are computed from.
const LONGEST: i32 = 90;

/// An article of an account, with what its facts said of it (for a row not yet known).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct ArticleKey {
    pub account_id: Uuid,
    pub nm_id: i64,
    pub vendor_code: String,
    pub listing_id: Option<Uuid>,
    pub product_id: Option<Uuid>,
}

/// Today, the seller's (Moscow) day.
pub(super) fn today() -> NaiveDate {
    moscow_day(chrono::Utc::now())
}

/// Locks the accounts' windows (a roll and a batch of one account wait for each other) and
/// moves those not ending `today` to it. Accounts in order, so two lockers never deadlock.
pub(super) async fn roll_accounts(
    tx: &mut PgConnection,
    t: &Tables,
    accounts: &[Uuid],
    today: NaiveDate,
) -> Result<(), sqlx::Error> {
    let mut accounts = accounts.to_vec();
    accounts.sort_unstable();
    accounts.dedup();
    let current: Vec<(Uuid, NaiveDate)> = sqlx::query_as(&format!(
        "SELECT account_id, as_of FROM {} WHERE account_id = ANY($1) ORDER BY account_id FOR UPDATE",
        t.as_of
    ))
    .bind(&accounts)
    .fetch_all(&mut *tx)
    .await?;
    for account in accounts {
        let fresh = current.iter().any(|(a, as_of)| *a == account && *as_of == today);
        if !fresh {
            recompute_account(tx, t, account, today).await?;
        }
    }
    Ok(())
}

/// Moves the windows of every account not yet on `today`: what a timer calls, so windows
/// move at midnight even when no fact arrives. Its check reads one row per account.
pub async fn roll_stale(pool: &PgPool, today: NaiveDate) -> Result<usize, sqlx::Error> {
    let stale: Vec<Uuid> = sqlx::query_scalar(&format!("SELECT account_id FROM {} WHERE as_of <> $1", LIVE.as_of))
        .bind(today)
        .fetch_all(pool)
        .await?;
    for account in &stale {
        let mut tx = gomarket_infra::database::begin(pool).await?;
        roll_accounts(&mut tx, &LIVE, std::slice::from_ref(account), today).await?;
        tx.commit().await?;
    }
    Ok(stale.len())
}

/// Moves stale windows every `every` until `shutdown`: the projector role runs it beside the
/// sales projection. A failed round is logged and tried again at the next tick.
pub async fn roll_windows(pool: PgPool, every: std::time::Duration, mut shutdown: Shutdown) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.triggered() => return,
            _ = ticks.tick() => {}
        }
        match roll_stale(&pool, today()).await {
            Ok(0) => {}
            Ok(moved) => tracing::info!(accounts = moved, "sales performance windows moved to today"),
            Err(error) => tracing::warn!(error = %Chain(&error), "moving the sales performance windows failed"),
        }
    }
}

/// The account's rows computed again from its daily figures, windows ending `today`.
async fn recompute_account(
    tx: &mut PgConnection,
    t: &Tables,
    account: Uuid,
    today: NaiveDate,
) -> Result<(), sqlx::Error> {
    let Tables {
        as_of,
        performance,
        daily,
        stock_articles,
        ..
    } = *t;
    sqlx::query(&format!(
        "INSERT INTO {as_of} (account_id, as_of) VALUES ($1, $2)
         ON CONFLICT (account_id) DO UPDATE SET as_of = EXCLUDED.as_of"
    ))
    .bind(account)
    .bind(today)
    .execute(&mut *tx)
    .await?;
    sqlx::query(&format!("DELETE FROM {performance} WHERE account_id = $1"))
        .bind(account)
        .execute(&mut *tx)
        .await?;
    sqlx::query(&format!(
        "INSERT INTO {performance} (account_id, period_days, nm_id, listing_id, product_id, vendor_code, orders,
                                    cancellations, buyouts, returns, ordered_kopecks, revenue_kopecks, payout_kopecks)
         SELECT d.account_id, w.days, d.nm_id,
                (array_agg(d.listing_id) FILTER (WHERE d.listing_id IS NOT NULL))[1],
                (array_agg(d.product_id) FILTER (WHERE d.product_id IS NOT NULL))[1],
                max(d.vendor_code),
                coalesce(sum(d.orders) FILTER (WHERE d.day > $2 - w.days::int), 0),
                coalesce(sum(d.cancellations) FILTER (WHERE d.day > $2 - w.days::int), 0),
                coalesce(sum(d.buyouts) FILTER (WHERE d.day > $2 - w.days::int), 0),
                coalesce(sum(d.returns) FILTER (WHERE d.day > $2 - w.days::int), 0),
                coalesce(sum(d.ordered_kopecks) FILTER (WHERE d.day > $2 - w.days::int), 0),
                coalesce(sum(d.revenue_kopecks) FILTER (WHERE d.day > $2 - w.days::int), 0),
                coalesce(sum(d.payout_kopecks) FILTER (WHERE d.day > $2 - w.days::int), 0)
           FROM {daily} d CROSS JOIN UNNEST($3::smallint[]) AS w(days)
          WHERE d.account_id = $1 AND d.day > $2 - $4 AND d.day <= $2
          GROUP BY d.account_id, w.days, d.nm_id"
    ))
    .bind(account)
    .bind(today)
    .bind(PERIODS.as_slice())
    .bind(LONGEST)
    .execute(&mut *tx)
    .await?;
    // Every article with a row or a stock: its inputs, and rows for the stock-only ones.
    let articles: Vec<(i64, String)> = sqlx::query_as(&format!(
        "SELECT nm_id, max(vendor_code) FROM {performance} WHERE account_id = $1 GROUP BY nm_id
         UNION ALL
         SELECT s.nm_id, '' FROM {stock_articles} s
          WHERE s.account_id = $1
            AND NOT EXISTS (SELECT 1 FROM {performance} p
                             WHERE p.account_id = $1 AND p.period_days = $2 AND p.nm_id = s.nm_id)"
    ))
    .bind(account)
    .bind(PERIODS[0])
    .fetch_all(&mut *tx)
    .await?;
    let keys: Vec<ArticleKey> = articles
        .into_iter()
        .map(|(nm_id, vendor_code)| ArticleKey {
            account_id: account,
            nm_id,
            vendor_code,
            listing_id: None,
            product_id: None,
        })
        .collect();
    ensure_rows(tx, t, &keys).await?;
    refresh_inputs(tx, t, &keys).await
}

/// Makes sure the articles have a row in every window; answers those that had none (their
/// inputs are still to be read). Rows that exist are left as they are: a batch of facts
/// touching thousands of articles writes only the sums it adds.
///
/// An article's rows are made together, one per window (here, and when an account's windows
/// are computed again), so one probe of its first window's row tells whether it has them:
/// almost every article of a batch has, and a probe per article costs a third of trying to
/// insert a row per window (each attempt walks the row's chain of updates, long while any
/// open transaction holds back pruning).
pub(super) async fn ensure_rows(
    tx: &mut PgConnection,
    t: &Tables,
    keys: &[ArticleKey],
) -> Result<Vec<ArticleKey>, sqlx::Error> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let accounts: Vec<Uuid> = keys.iter().map(|k| k.account_id).collect();
    let nm_ids: Vec<i64> = keys.iter().map(|k| k.nm_id).collect();
    let vendor_codes: Vec<&str> = keys.iter().map(|k| k.vendor_code.as_str()).collect();
    let listings: Vec<Option<Uuid>> = keys.iter().map(|k| k.listing_id).collect();
    let products: Vec<Option<Uuid>> = keys.iter().map(|k| k.product_id).collect();
    let created: HashSet<(Uuid, i64)> = sqlx::query_as(&format!(
        "INSERT INTO {0} (account_id, period_days, nm_id, vendor_code, listing_id, product_id, orders, cancellations,
                         buyouts, returns, ordered_kopecks, revenue_kopecks, payout_kopecks)
         SELECT DISTINCT ON (k.account_id, w.days, k.nm_id)
                k.account_id, w.days, k.nm_id, k.vendor_code, k.listing_id, k.product_id, 0, 0, 0, 0, 0, 0, 0
           FROM UNNEST($1::uuid[], $2::bigint[], $3::text[], $4::uuid[], $5::uuid[])
                AS k(account_id, nm_id, vendor_code, listing_id, product_id)
          CROSS JOIN UNNEST($6::smallint[]) AS w(days)
          WHERE NOT EXISTS (SELECT 1 FROM {0} p
                             WHERE p.account_id = k.account_id AND p.period_days = $7 AND p.nm_id = k.nm_id)
          ORDER BY k.account_id, w.days, k.nm_id, k.product_id NULLS LAST
         ON CONFLICT (account_id, period_days, nm_id) DO NOTHING
         RETURNING account_id, nm_id",
        t.performance
    ))
    .bind(&accounts)
    .bind(&nm_ids)
    .bind(&vendor_codes)
    .bind(&listings)
    .bind(&products)
    .bind(PERIODS.as_slice())
    .bind(PERIODS[0])
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();
    Ok(keys
        .iter()
        .filter(|k| created.contains(&(k.account_id, k.nm_id)))
        .cloned()
        .collect())
}

/// Reads the articles' inputs again: the listing and product they match (for rows that had
/// none), the purchase price, the stock in the marketplace's warehouses and what was listed
/// from the seller's, and the days out of stock in each window.
pub(super) async fn refresh_inputs(tx: &mut PgConnection, t: &Tables, keys: &[ArticleKey]) -> Result<(), sqlx::Error> {
    if keys.is_empty() {
        return Ok(());
    }
    let Tables {
        performance,
        as_of,
        stock_articles,
        outages,
        ..
    } = *t;
    let accounts: Vec<Uuid> = keys.iter().map(|k| k.account_id).collect();
    let nm_ids: Vec<i64> = keys.iter().map(|k| k.nm_id).collect();
    sqlx::query(&format!(
        "WITH keys AS (SELECT DISTINCT account_id, nm_id FROM UNNEST($1::uuid[], $2::bigint[]) AS k(account_id, nm_id)),
              inputs AS (
                SELECT p.account_id, p.period_days, p.nm_id,
                       coalesce(p.listing_id, l.id) AS listing_id,
                       coalesce(p.product_id, l.product_id) AS product_id,
                       CASE WHEN p.vendor_code = '' THEN coalesce(l.vendor_code, '') ELSE p.vendor_code END
                           AS vendor_code,
                       pr.price_kopecks AS purchase_kopecks,
                       coalesce(s.quantity, 0) AS marketplace_stock,
                       coalesce(lp.stock_amount, l.stock_amount) AS seller_stock,
                       coalesce(o.days, 0) AS out_of_stock_days
                  FROM keys k
                  JOIN {performance} p ON p.account_id = k.account_id AND p.nm_id = k.nm_id
                  JOIN {as_of} a ON a.account_id = k.account_id
                  LEFT JOIN LATERAL (
                        SELECT id, product_id, vendor_code, (state->'stock'->>'amount')::bigint AS stock_amount
                          FROM listings
                         WHERE p.listing_id IS NULL AND account_id = p.account_id AND nm_id = p.nm_id
                         ORDER BY published_at LIMIT 1) l ON true
                  LEFT JOIN LATERAL (
                        SELECT (state->'stock'->>'amount')::bigint AS stock_amount
                          FROM listings WHERE id = p.listing_id) lp ON true
                  LEFT JOIN products pr ON pr.id = coalesce(p.product_id, l.product_id)
                  LEFT JOIN {stock_articles} s ON s.account_id = p.account_id AND s.nm_id = p.nm_id
                  LEFT JOIN LATERAL (
                        -- (least() skips nulls: no outage must sum to 0, not to the period)
                        SELECT least(p.period_days,
                                     coalesce(sum(least(coalesce(o.ended_day, a.as_of), a.as_of)
                                                  - greatest(o.started_day, a.as_of - p.period_days::int + 1) + 1),
                                              0))::int AS days
                          FROM {outages} o
                         WHERE o.account_id = p.account_id AND o.nm_id = p.nm_id
                           AND o.started_day <= a.as_of
                           AND coalesce(o.ended_day, a.as_of) > a.as_of - p.period_days::int) o ON true)
         UPDATE {performance} p
            SET listing_id = i.listing_id,
                product_id = i.product_id,
                vendor_code = i.vendor_code,
                purchase_kopecks = i.purchase_kopecks,
                marketplace_stock = i.marketplace_stock,
                seller_stock = i.seller_stock,
                out_of_stock_days = i.out_of_stock_days
           FROM inputs i
          WHERE p.account_id = i.account_id AND p.period_days = i.period_days AND p.nm_id = i.nm_id"
    ))
    .bind(&accounts)
    .bind(&nm_ids)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
