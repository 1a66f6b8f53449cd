//! Queries over the `products` read model: by id, and filtered, sorted, keyset-paginated
//! search, ranked by relevance when searching.
//!
//! No page counts anything: the number of matches is [`count_products`], asked for only when
//! a client selects it, exact up to a bound and estimated beyond (`product_count.rs`).

use super::ProductRecord;
use super::cursor::{Cursor, CursorError, KeyKind, SortKey};
use super::product_filter::{
    SearchTerms, Tier, estimate_matches, push_filter, push_matches, push_tier, push_tier_of, text_tiers,
};
use super::record::PRODUCT_COLUMNS;
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgPool, Postgres, QueryBuilder, Row};
use thiserror::Error;
use tokio::sync::OnceCell;
use uuid::Uuid;

/// Largest page a client may ask for.
pub const MAX_PAGE_SIZE: i64 = 100;

/// Up to this many expected matches, a search is ranked in one query over all its matches;
/// above, tier by tier along the creation-time index (see [`ranked_page`]).
const RANK_AT_ONCE_UP_TO: i64 = 5_000;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProductFilter {
    /// Words to find in title, brand, description, category, SKU or barcodes (Russian and
    /// English words in any form; the last word also as a word's beginning); an exact SKU or
    /// barcode also matches, first.
    pub search: Option<String>,
    /// Exact brand, ignoring case.
    pub brand: Option<String>,
    /// This category or any below it (`Бытовая техника` includes `Бытовая техника/Чайники`).
    pub category: Option<String>,
    /// `true`: stock > 0; `false`: stock = 0.
    pub in_stock: Option<bool>,
    pub price_min_kopecks: Option<i64>,
    pub price_max_kopecks: Option<i64>,
    /// Archived products are hidden unless asked for.
    pub include_archived: bool,
}

impl ProductFilter {
    /// The search, read and with its exact matches looked up; `None` without one.
    pub(super) async fn search_terms(&self, pool: &PgPool) -> Result<Option<SearchTerms>, sqlx::Error> {
        match self.search.as_deref() {
            Some(search) => SearchTerms::resolve(pool, search).await,
            None => Ok(None),
        }
    }
}

/// Stable sort orders; every one breaks ties by id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub enum ProductSort {
    /// Best match first: the exact SKU or barcode, then products with every word in the title
    /// (whole words before beginnings of words), then those with the words anywhere; newest
    /// first within each. Without a search, the same as `CreatedAtDesc`.
    Relevance,
    #[default]
    CreatedAtDesc,
    CreatedAtAsc,
    UpdatedAtDesc,
    TitleAsc,
    TitleDesc,
    PriceAsc,
    PriceDesc,
    StockAsc,
    StockDesc,
    SkuAsc,
}

/// The sort column of a plain (not ranked) order.
struct SortColumn {
    sql: &'static str,
    descending: bool,
}

impl ProductSort {
    pub fn name(self) -> &'static str {
        match self {
            Self::Relevance => "RELEVANCE",
            Self::CreatedAtDesc => "CREATED_AT_DESC",
            Self::CreatedAtAsc => "CREATED_AT_ASC",
            Self::UpdatedAtDesc => "UPDATED_AT_DESC",
            Self::TitleAsc => "TITLE_ASC",
            Self::TitleDesc => "TITLE_DESC",
            Self::PriceAsc => "PRICE_ASC",
            Self::PriceDesc => "PRICE_DESC",
            Self::StockAsc => "STOCK_ASC",
            Self::StockDesc => "STOCK_DESC",
            Self::SkuAsc => "SKU_ASC",
        }
    }

    fn column(self) -> SortColumn {
        let (sql, descending) = match self {
            Self::Relevance | Self::CreatedAtDesc => ("p.created_at", true),
            Self::CreatedAtAsc => ("p.created_at", false),
            Self::UpdatedAtDesc => ("p.updated_at", true),
            Self::TitleAsc => ("p.title", false),
            Self::TitleDesc => ("p.title", true),
            Self::PriceAsc => ("p.price_kopecks", false),
            Self::PriceDesc => ("p.price_kopecks", true),
            Self::StockAsc => ("p.stock", false),
            Self::StockDesc => ("p.stock", true),
            Self::SkuAsc => ("p.sku", false),
        };
        SortColumn { sql, descending }
    }

    fn key_kind(self) -> KeyKind {
        match self {
            Self::Relevance => KeyKind::Ranked,
            Self::CreatedAtDesc | Self::CreatedAtAsc | Self::UpdatedAtDesc => KeyKind::Time,
            Self::TitleAsc | Self::TitleDesc | Self::SkuAsc => KeyKind::Text,
            Self::PriceAsc | Self::PriceDesc | Self::StockAsc | Self::StockDesc => KeyKind::Int,
        }
    }

    fn key_of(self, record: &ProductRecord) -> SortKey {
        match self {
            // Without a search every product is in one tier.
            Self::Relevance => SortKey::Ranked(0, record.created_at),
            Self::CreatedAtDesc | Self::CreatedAtAsc => SortKey::Time(record.created_at),
            Self::UpdatedAtDesc => SortKey::Time(record.updated_at),
            Self::TitleAsc | Self::TitleDesc => SortKey::Text(record.title.clone()),
            Self::PriceAsc | Self::PriceDesc => SortKey::Int(record.price_kopecks),
            Self::StockAsc | Self::StockDesc => SortKey::Int(record.stock),
            Self::SkuAsc => SortKey::Text(record.sku.clone()),
        }
    }
}

/// One page of products.
/// Serialized as it is for the shared read cache.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProductPage {
    /// Each record with its cursor.
    pub edges: Vec<(String, ProductRecord)>,
    pub has_next_page: bool,
}

/// Why a product query was refused; each maps to `BAD_USER_INPUT` with the named argument.
#[derive(Debug, Error)]
pub enum ProductQueryError {
    #[error("first must be between 1 and {MAX_PAGE_SIZE}")]
    PageSize,
    #[error("after: {0}")]
    Cursor(#[from] CursorError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

pub async fn get_product(pool: &PgPool, id: Uuid) -> Result<Option<ProductRecord>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {PRODUCT_COLUMNS} FROM products p WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// A page of products matching `filter`, in `sort` order, starting after the `after` cursor.
pub async fn search_products(
    pool: &PgPool,
    filter: &ProductFilter,
    sort: ProductSort,
    first: i64,
    after: Option<&str>,
) -> Result<ProductPage, ProductQueryError> {
    ProductQuery::new(filter.clone()).page(pool, sort, first, after).await
}

/// A filter asked of the catalog, remembering what it learned on the way (the search's exact
/// matches, the planner's estimate), so a page and its count look them up once.
#[derive(Debug)]
pub struct ProductQuery {
    filter: ProductFilter,
    terms: OnceCell<Option<SearchTerms>>,
    estimate: OnceCell<i64>,
    /// Every match, counted by a page that read them all anyway (see [`ranked_at_once`]).
    counted: OnceCell<i64>,
}

impl ProductQuery {
    pub fn new(filter: ProductFilter) -> Self {
        Self {
            filter,
            terms: OnceCell::new(),
            estimate: OnceCell::new(),
            counted: OnceCell::new(),
        }
    }

    pub fn filter(&self) -> &ProductFilter {
        &self.filter
    }

    pub(super) async fn terms(&self, pool: &PgPool) -> Result<Option<&SearchTerms>, sqlx::Error> {
        let terms = self.terms.get_or_try_init(|| self.filter.search_terms(pool)).await?;
        Ok(terms.as_ref())
    }

    /// How many products match, if a page has counted them on its way.
    pub(super) fn counted(&self) -> Option<i64> {
        self.counted.get().copied()
    }

    /// How many products the planner expects to match.
    pub(super) async fn estimate(&self, pool: &PgPool) -> Result<i64, sqlx::Error> {
        let terms = self.terms(pool).await?;
        self.estimate
            .get_or_try_init(|| estimate_matches(pool, &self.filter, terms))
            .await
            .copied()
    }

    /// A page in `sort` order, starting after the `after` cursor.
    pub async fn page(
        &self,
        pool: &PgPool,
        sort: ProductSort,
        first: i64,
        after: Option<&str>,
    ) -> Result<ProductPage, ProductQueryError> {
        if !(1..=MAX_PAGE_SIZE).contains(&first) {
            return Err(ProductQueryError::PageSize);
        }
        let after = after
            .map(|raw| Cursor::decode(raw, sort.name(), sort.key_kind()))
            .transpose()?;
        let terms = self.terms(pool).await?;
        let mut rows = match (sort, terms) {
            (ProductSort::Relevance, Some(terms)) => {
                if self.estimate(pool).await? <= RANK_AT_ONCE_UP_TO {
                    let (rows, matches) = ranked_at_once(pool, &self.filter, terms, first + 1, after.as_ref()).await?;
                    // Set once: another page of the same query counted the same matches, so
                    // a count already there (the only refusal of `set`) is kept.
                    if let Some(matches) = matches
                        && self.counted.get().is_none()
                    {
                        self.counted.set(matches).ok();
                    }
                    rows
                } else {
                    ranked_by_tier(pool, &self.filter, terms, first + 1, after.as_ref()).await?
                }
            }
            _ => sorted_page(pool, &self.filter, terms, sort, first + 1, after.as_ref()).await?,
        };
        Ok(into_page(&mut rows, first))
    }
}

fn into_page(rows: &mut Vec<(Cursor, ProductRecord)>, first: i64) -> ProductPage {
    let has_next_page = rows.len() as i64 > first;
    rows.truncate(first as usize);
    ProductPage {
        edges: rows
            .drain(..)
            .map(|(cursor, record)| (cursor.encode(), record))
            .collect(),
        has_next_page,
    }
}

/// [`search_products`] in relevance order with the tier-by-tier strategy whatever the
/// number of matches, so tests can check that both strategies give the same order.
#[doc(hidden)]
pub async fn search_products_tier_by_tier(
    pool: &PgPool,
    filter: &ProductFilter,
    first: i64,
    after: Option<&str>,
) -> Result<ProductPage, ProductQueryError> {
    let sort = ProductSort::Relevance;
    let after = after
        .map(|raw| Cursor::decode(raw, sort.name(), sort.key_kind()))
        .transpose()?;
    let Some(terms) = filter.search_terms(pool).await? else {
        return search_products(pool, filter, sort, first, None).await;
    };
    let mut rows = ranked_by_tier(pool, filter, &terms, first + 1, after.as_ref()).await?;
    let has_next_page = rows.len() as i64 > first;
    rows.truncate(first as usize);
    Ok(ProductPage {
        edges: rows
            .into_iter()
            .map(|(cursor, record)| (cursor.encode(), record))
            .collect(),
        has_next_page,
    })
}

/// Up to `limit` products in a column's order, after `after`.
async fn sorted_page(
    pool: &PgPool,
    filter: &ProductFilter,
    terms: Option<&SearchTerms>,
    sort: ProductSort,
    limit: i64,
    after: Option<&Cursor>,
) -> Result<Vec<(Cursor, ProductRecord)>, ProductQueryError> {
    let column = sort.column();
    let mut query = QueryBuilder::<Postgres>::new(format!("SELECT {PRODUCT_COLUMNS} FROM products p WHERE TRUE"));
    push_filter(&mut query, filter);
    if let Some(terms) = terms {
        push_matches(&mut query, terms);
    }
    if let Some(cursor) = after {
        push_after(&mut query, column.sql, column.descending, cursor);
    }
    push_order(&mut query, column.sql, column.descending, limit);
    let records: Vec<ProductRecord> = query.build_query_as().persistent(false).fetch_all(pool).await?;
    Ok(records
        .into_iter()
        .map(|record| {
            let cursor = Cursor {
                sort: sort.name().to_owned(),
                key: sort.key_of(&record),
                id: record.id,
            };
            (cursor, record)
        })
        .collect())
}

/// Ranks every match in one query, for a search with few matches (as the planner expects
/// them): they are read from the GIN index and ranked together.
///
/// A search with many walks tier by tier instead ([`ranked_by_tier`]) and stops at the page,
/// so a word in a third of a million products costs a page, not a third of a million rows.
/// Both give the same order, so a cursor of one continues in the other.
///
/// Having read every match, it also answers how many there are (the same rows a count would
/// read again), unless the page is past the last match. The matches are ranked and counted
/// by id, creation time and tier only, and the page's rows read by id: counting the whole
/// rows (search vector included) cost more than the count it saved (at 980 000 products, a
/// word in 823: 4–5 ms against 2.3 ms for the page and 1.2 ms for the count; 1.9 ms so).
async fn ranked_at_once(
    pool: &PgPool,
    filter: &ProductFilter,
    terms: &SearchTerms,
    limit: i64,
    after: Option<&Cursor>,
) -> Result<(Vec<(Cursor, ProductRecord)>, Option<i64>), ProductQueryError> {
    let mut query = QueryBuilder::<Postgres>::new(format!(
        "SELECT {PRODUCT_COLUMNS}, q.tier, q.matches FROM (
           SELECT * FROM (SELECT p.id, p.created_at, "
    ));
    push_tier_of(&mut query, terms);
    query.push(" AS tier, count(*) OVER () AS matches FROM products p WHERE TRUE");
    push_filter(&mut query, filter);
    push_matches(&mut query, terms);
    query.push(") AS p WHERE TRUE");
    if let Some(cursor) = after
        && let SortKey::Ranked(tier, _) = &cursor.key
    {
        // A later tier, or the same tier after the cursor's (created_at, id).
        query
            .push(" AND (p.tier > ")
            .push_bind(*tier)
            .push(" OR (p.tier = ")
            .push_bind(*tier);
        push_after(&mut query, "p.created_at", true, cursor);
        query.push("))");
    }
    query.push(" ORDER BY p.tier, p.created_at DESC, p.id DESC LIMIT ");
    query.push_bind(limit);
    query.push(
        ") AS q JOIN products p ON p.id = q.id
         ORDER BY q.tier, q.created_at DESC, q.id DESC",
    );
    let rows: Vec<PgRow> = query.build().persistent(false).fetch_all(pool).await?;
    let matches = rows.first().map(|row| row.try_get("matches")).transpose()?;
    let page = rows
        .iter()
        .map(|row| {
            let record = ProductRecord::from_row(row)?;
            let tier: i32 = row.try_get("tier")?;
            Ok((ranked_cursor(i64::from(tier), &record), record))
        })
        .collect::<Result<_, sqlx::Error>>()?;
    Ok((page, matches))
}

/// The cursor of a product in relevance order, in `tier`.
fn ranked_cursor(tier: i64, record: &ProductRecord) -> Cursor {
    Cursor {
        sort: ProductSort::Relevance.name().to_owned(),
        key: SortKey::Ranked(tier, record.created_at),
        id: record.id,
    }
}

/// Walks the tiers one after the other, each newest first along the creation-time index.
async fn ranked_by_tier(
    pool: &PgPool,
    filter: &ProductFilter,
    terms: &SearchTerms,
    limit: i64,
    after: Option<&Cursor>,
) -> Result<Vec<(Cursor, ProductRecord)>, ProductQueryError> {
    let resume = match after.map(|cursor| &cursor.key) {
        Some(SortKey::Ranked(tier, _)) => Some(Tier::from_index(*tier).ok_or(CursorError::Malformed)?),
        _ => None,
    };
    let tiers = if text_tiers(terms) {
        &Tier::ALL[..]
    } else {
        &Tier::ALL[..1]
    };
    let mut rows = Vec::new();
    for &tier in tiers {
        if resume.is_some_and(|from| tier < from) {
            continue;
        }
        let mut query = QueryBuilder::<Postgres>::new(format!("SELECT {PRODUCT_COLUMNS} FROM products p WHERE TRUE"));
        push_filter(&mut query, filter);
        push_tier(&mut query, terms, tier);
        if let Some(cursor) = after.filter(|_| resume == Some(tier)) {
            push_after(&mut query, "p.created_at", true, cursor);
        }
        push_order(&mut query, "p.created_at", true, limit - rows.len() as i64);
        let records: Vec<ProductRecord> = query.build_query_as().persistent(false).fetch_all(pool).await?;
        rows.extend(
            records
                .into_iter()
                .map(|record| (ranked_cursor(tier as i64, &record), record)),
        );
        if rows.len() as i64 >= limit {
            break;
        }
    }
    Ok(rows)
}

/// Appends the keyset condition: strictly after the cursor's (key, id).
fn push_after(query: &mut QueryBuilder<'_, Postgres>, column: &str, descending: bool, cursor: &Cursor) {
    let comparison = if descending { "<" } else { ">" };
    query.push(format!(" AND ({column}, p.id) {comparison} ("));
    match &cursor.key {
        SortKey::Int(value) => query.push_bind(*value),
        SortKey::Time(value) | SortKey::Ranked(_, value) => query.push_bind(*value),
        SortKey::Text(value) => query.push_bind(value.clone()),
    };
    query.push(", ").push_bind(cursor.id).push(")");
}

fn push_order(query: &mut QueryBuilder<'_, Postgres>, column: &str, descending: bool, limit: i64) {
    let direction = if descending { "DESC" } else { "ASC" };
    query.push(format!(" ORDER BY {column} {direction}, p.id {direction} LIMIT "));
    query.push_bind(limit);
}
