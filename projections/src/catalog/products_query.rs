//! Queries over the `products` read model: by id, and filtered, sorted, keyset-paginated search.

use super::ProductRecord;
use super::cursor::{Cursor, CursorError, SortKey};
use super::record::PRODUCT_COLUMNS;
use sqlx::{PgPool, Postgres, QueryBuilder};
use thiserror::Error;
use uuid::Uuid;

/// Largest page a client may ask for.
pub const MAX_PAGE_SIZE: i64 = 100;
/// At most this many words of a search string are used.
const MAX_SEARCH_WORDS: usize = 16;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductFilter {
    /// Words to find in title, brand, description, category, SKU or barcodes (prefixes match,
    /// Russian and English words are stemmed); an exact SKU or barcode also matches.
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

/// Stable sort orders; every one breaks ties by id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ProductSort {
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

impl ProductSort {
    pub fn name(self) -> &'static str {
        match self {
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

    fn column(self) -> &'static str {
        match self {
            Self::CreatedAtDesc | Self::CreatedAtAsc => "p.created_at",
            Self::UpdatedAtDesc => "p.updated_at",
            Self::TitleAsc | Self::TitleDesc => "p.title",
            Self::PriceAsc | Self::PriceDesc => "p.price_kopecks",
            Self::StockAsc | Self::StockDesc => "p.stock",
            Self::SkuAsc => "p.sku",
        }
    }

    fn descending(self) -> bool {
        matches!(
            self,
            Self::CreatedAtDesc | Self::UpdatedAtDesc | Self::TitleDesc | Self::PriceDesc | Self::StockDesc
        )
    }

    fn key_of(self, record: &ProductRecord) -> SortKey {
        match self {
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
#[derive(Debug, Clone)]
pub struct ProductPage {
    /// Each record with its cursor.
    pub edges: Vec<(String, ProductRecord)>,
    pub has_next_page: bool,
    /// Number of products matching the filter, over all pages.
    pub total_count: i64,
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
    if !(1..=MAX_PAGE_SIZE).contains(&first) {
        return Err(ProductQueryError::PageSize);
    }
    let after = after.map(|raw| Cursor::decode(raw, sort.name())).transpose()?;

    let mut page_query = QueryBuilder::<Postgres>::new(format!("SELECT {PRODUCT_COLUMNS} FROM products p WHERE TRUE"));
    push_filter(&mut page_query, filter);
    if let Some(cursor) = &after {
        let comparison = if sort.descending() { "<" } else { ">" };
        page_query.push(format!(" AND ({}, p.id) {comparison} (", sort.column()));
        match &cursor.key {
            SortKey::Int(value) => page_query.push_bind(*value),
            SortKey::Time(value) => page_query.push_bind(*value),
            SortKey::Text(value) => page_query.push_bind(value.clone()),
        };
        page_query.push(", ").push_bind(cursor.id).push(")");
    }
    let direction = if sort.descending() { "DESC" } else { "ASC" };
    page_query.push(format!(
        " ORDER BY {} {direction}, p.id {direction} LIMIT ",
        sort.column()
    ));
    page_query.push_bind(first + 1);
    let mut records: Vec<ProductRecord> = page_query.build_query_as().fetch_all(pool).await?;

    let mut count_query = QueryBuilder::<Postgres>::new("SELECT count(*) FROM products p WHERE TRUE");
    push_filter(&mut count_query, filter);
    let total_count: i64 = count_query.build_query_scalar().fetch_one(pool).await?;

    let has_next_page = records.len() as i64 > first;
    records.truncate(first as usize);
    let edges = records
        .into_iter()
        .map(|record| {
            let cursor = Cursor {
                sort: sort.name().to_owned(),
                key: sort.key_of(&record),
                id: record.id,
            };
            (cursor.encode(), record)
        })
        .collect();
    Ok(ProductPage {
        edges,
        has_next_page,
        total_count,
    })
}

/// Appends ` AND ...` conditions for `filter`.
fn push_filter(query: &mut QueryBuilder<'_, Postgres>, filter: &ProductFilter) {
    if !filter.include_archived {
        query.push(" AND p.status = 'ACTIVE'");
    }
    if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let tsquery = prefix_tsquery(search);
        query
            .push(" AND (lower(p.sku) = lower(")
            .push_bind(search.to_owned())
            .push(")");
        query
            .push(" OR ")
            .push_bind(search.to_owned())
            .push(" = ANY(p.barcodes)");
        if let Some(tsquery) = tsquery {
            query
                .push(" OR p.search @@ to_tsquery('russian', ")
                .push_bind(tsquery.clone())
                .push(")");
            query
                .push(" OR p.search @@ to_tsquery('simple', ")
                .push_bind(tsquery)
                .push(")");
        }
        query.push(")");
    }
    if let Some(brand) = filter.brand.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        query
            .push(" AND lower(p.brand) = lower(")
            .push_bind(brand.to_owned())
            .push(")");
    }
    if let Some(category) = filter.category.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let category = category.split('/').map(str::trim).collect::<Vec<_>>().join("/");
        query.push(" AND (p.category = ").push_bind(category.clone());
        query
            .push(" OR starts_with(p.category, ")
            .push_bind(format!("{category}/"))
            .push("))");
    }
    match filter.in_stock {
        Some(true) => {
            query.push(" AND p.stock > 0");
        }
        Some(false) => {
            query.push(" AND p.stock = 0");
        }
        None => {}
    }
    if let Some(min) = filter.price_min_kopecks {
        query.push(" AND p.price_kopecks >= ").push_bind(min);
    }
    if let Some(max) = filter.price_max_kopecks {
        query.push(" AND p.price_kopecks <= ").push_bind(max);
    }
}

/// Turns free text into a tsquery of prefix terms joined by AND: `чайник vitek` →
/// `чайник:* & vitek:*`. Only letters and digits survive, so user input can never inject
/// tsquery operators. `None` when no word is left.
fn prefix_tsquery(search: &str) -> Option<String> {
    let words: Vec<String> = search
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_SEARCH_WORDS)
        .map(|w| format!("{}:*", w.to_lowercase()))
        .collect();
    (!words.is_empty()).then(|| words.join(" & "))
}

#[cfg(test)]
mod tests {
    use super::prefix_tsquery;

    #[test]
    fn tsquery_keeps_only_words() {
        assert_eq!(prefix_tsquery("Чайник  VITEK"), Some("чайник:* & vitek:*".into()));
        assert_eq!(prefix_tsquery("a&b|!(c):*"), Some("a:* & b:* & c:*".into()));
        assert_eq!(prefix_tsquery("  -- "), None);
    }
}
