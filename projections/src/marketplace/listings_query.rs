//! Reading listings: one by id, or a filtered page in publication order (keyset on
//! `(published_at, id)`, the cursor being the last listing's id).

use gomarket_domain::marketplace::listing::ListingState;
use sqlx::PgPool;
use uuid::Uuid;

/// A row of the `listings` read model.
#[derive(Debug, Clone)]
pub struct ListingRow {
    pub id: Uuid,
    pub state: ListingState,
    pub version: i64,
}

#[derive(Debug, Clone, Default)]
pub struct ListingFilter {
    pub account_id: Option<Uuid>,
    /// Card state name (`NOT_PUBLISHED`, `REQUESTED`, `CREATED`, `REJECTED`).
    pub card_state: Option<String>,
    pub has_error: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct ListingPage {
    pub rows: Vec<ListingRow>,
    pub total_count: i64,
    pub has_next_page: bool,
}

fn row((id, state, version): (Uuid, serde_json::Value, i64)) -> Result<ListingRow, sqlx::Error> {
    let state = serde_json::from_value(state).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    Ok(ListingRow { id, state, version })
}

pub async fn get_listing(pool: &PgPool, id: Uuid) -> Result<Option<ListingRow>, sqlx::Error> {
    let found: Option<(Uuid, serde_json::Value, i64)> =
        sqlx::query_as("SELECT id, state, version FROM listings WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    found.map(row).transpose()
}

/// Every listing of `product` (at most one per account), oldest publication first: the
/// product page's "where is it listed"; `listings_product_idx` finds them.
pub async fn listings_of_product(pool: &PgPool, product: Uuid) -> Result<Vec<ListingRow>, sqlx::Error> {
    let rows: Vec<(Uuid, serde_json::Value, i64)> = sqlx::query_as(
        "SELECT id, state, version FROM listings WHERE product_id = $1 ORDER BY published_at, id LIMIT 1000",
    )
    .bind(product)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(row).collect()
}

/// A page of `first` listings after the listing `after`, matching `filter`.
pub async fn search_listings(
    pool: &PgPool,
    filter: &ListingFilter,
    first: i64,
    after: Option<Uuid>,
) -> Result<ListingPage, sqlx::Error> {
    const WHERE: &str = "($1::uuid IS NULL OR account_id = $1)
                     AND ($2::text IS NULL OR card_state = $2)
                     AND ($3::boolean IS NULL OR has_error = $3)";
    let total_count: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM listings WHERE {WHERE}"))
        .bind(filter.account_id)
        .bind(&filter.card_state)
        .bind(filter.has_error)
        .fetch_one(pool)
        .await?;
    let rows: Vec<(Uuid, serde_json::Value, i64)> = sqlx::query_as(&format!(
        "SELECT id, state, version FROM listings
          WHERE {WHERE}
            AND ($4::uuid IS NULL OR (published_at, id) > (SELECT published_at, id FROM listings WHERE id = $4))
          ORDER BY published_at, id
          LIMIT $5"
    ))
    .bind(filter.account_id)
    .bind(&filter.card_state)
    .bind(filter.has_error)
    .bind(after)
    .bind(first + 1)
    .fetch_all(pool)
    .await?;
    let has_next_page = rows.len() as i64 > first;
    let rows = rows
        .into_iter()
        .take(first as usize)
        .map(row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ListingPage {
        rows,
        total_count,
        has_next_page,
    })
}

/// What the push worker looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushQueue {
    /// Cards waiting to be uploaded.
    CardsToUpload,
    /// Cards uploaded, waiting to show up (or fail) on the marketplace.
    CardsRequested,
    /// Prices to push.
    PricesDue,
    /// Price tasks to settle.
    PricesPending,
    /// Stocks to push.
    StocksDue,
}

/// Up to `limit` listings of `account` in `queue`, oldest publication first. The read model
/// may lag: the worker re-checks each listing's current state before acting.
pub async fn push_queue(pool: &PgPool, account: Uuid, queue: PushQueue, limit: i64) -> Result<Vec<Uuid>, sqlx::Error> {
    let condition = match queue {
        // A push that failed to reach the marketplace (or must wait) waits for its retry time;
        // a wait of another area does not hold it back.
        // (Rows from before the area was kept have none: their wait holds back every area.)
        PushQueue::CardsToUpload => {
            "card_state = 'NOT_PUBLISHED' AND (retry_at IS NULL OR retry_at <= now() OR retry_area <> 'CARD')"
        }
        PushQueue::CardsRequested => "card_state = 'REQUESTED'",
        PushQueue::PricesDue => "price_due AND (retry_at IS NULL OR retry_at <= now() OR retry_area <> 'PRICE')",
        PushQueue::PricesPending => "price_state = 'PENDING'",
        PushQueue::StocksDue => "stock_due AND (retry_at IS NULL OR retry_at <= now() OR retry_area <> 'STOCK')",
    };
    sqlx::query_scalar(&format!(
        "SELECT id FROM listings WHERE account_id = $1 AND {condition} ORDER BY published_at, id LIMIT $2"
    ))
    .bind(account)
    .bind(limit)
    .fetch_all(pool)
    .await
}
