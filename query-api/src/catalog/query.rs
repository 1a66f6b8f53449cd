use super::connection::MatchCount;
use super::{PageInfo, Product, ProductConnection, ProductEdge};
use crate::access::permission;
use crate::context::{ApiSettings, request_context};
use crate::error::{ErrorCode, api_error, internal_error};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use gomarket_domain::identity::Permission;
use gomarket_infra::event_store::ConsistencyToken;
use gomarket_projections::catalog::{
    ProductFilter, ProductQuery, ProductQueryError, ProductSort, ProductsProjection, get_product,
};
use gomarket_projections::consistency::{ConsistencyError, wait_for};
use sqlx::PgPool;
use uuid::Uuid;

const DEFAULT_PAGE_SIZE: i32 = 20;

/// Which products to list.
#[derive(Debug, Clone, Default, InputObject)]
pub struct ProductFilterInput {
    /// Words to find in title, brand, description, category, SKU or barcodes (Russian and
    /// English words in any form; the last word also as a word's beginning, as it is being
    /// typed); an exact SKU or barcode matches too, and comes first.
    pub search: Option<String>,
    /// Exact brand, ignoring case.
    pub brand: Option<String>,
    /// A category path; products in it or below it match.
    pub category: Option<String>,
    /// `true`: only products with stock > 0; `false`: only those with none.
    pub in_stock: Option<bool>,
    pub price_min_kopecks: Option<i64>,
    pub price_max_kopecks: Option<i64>,
    /// Include archived products (hidden by default).
    #[graphql(default = false)]
    pub include_archived: bool,
}

/// Sort orders of `products`; ties are broken by id, so paging is stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Enum)]
#[graphql(name = "ProductSort")]
pub enum ProductSortGql {
    /// Best match of `filter.search` first (the default when searching): an exact SKU or
    /// barcode, then products with every word in the title, brand or SKU (whole words before
    /// word beginnings), then those with the words anywhere (category, description); newest
    /// first within each. Without a search: newest first.
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

impl From<ProductSortGql> for ProductSort {
    fn from(sort: ProductSortGql) -> Self {
        match sort {
            ProductSortGql::Relevance => Self::Relevance,
            ProductSortGql::CreatedAtDesc => Self::CreatedAtDesc,
            ProductSortGql::CreatedAtAsc => Self::CreatedAtAsc,
            ProductSortGql::UpdatedAtDesc => Self::UpdatedAtDesc,
            ProductSortGql::TitleAsc => Self::TitleAsc,
            ProductSortGql::TitleDesc => Self::TitleDesc,
            ProductSortGql::PriceAsc => Self::PriceAsc,
            ProductSortGql::PriceDesc => Self::PriceDesc,
            ProductSortGql::StockAsc => Self::StockAsc,
            ProductSortGql::StockDesc => Self::StockDesc,
            ProductSortGql::SkuAsc => Self::SkuAsc,
        }
    }
}

impl From<ProductFilterInput> for ProductFilter {
    fn from(input: ProductFilterInput) -> Self {
        Self {
            search: input.search,
            brand: input.brand,
            category: input.category,
            in_stock: input.in_stock,
            price_min_kopecks: input.price_min_kopecks,
            price_max_kopecks: input.price_max_kopecks,
            include_archived: input.include_archived,
        }
    }
}

/// Parses an `ID` argument holding a UUID.
pub fn parse_uuid(id: &ID, field: &str) -> Result<Uuid> {
    Uuid::parse_str(id.trim())
        .map_err(|_| api_error(ErrorCode::BadUserInput, format!("{field}: not a valid id"), Some(field)))
}

/// Waits, bounded, until the products read model has applied the write behind `token`.
async fn wait_for_products(ctx: &Context<'_>, token: Option<&str>) -> Result<()> {
    let Some(token) = token else { return Ok(()) };
    let token = ConsistencyToken::decode(token).map_err(|e| {
        api_error(
            ErrorCode::BadUserInput,
            format!("consistentWith: {e}"),
            Some("consistentWith"),
        )
    })?;
    let pool = ctx.data::<PgPool>()?;
    let timeout = ctx
        .data_opt::<ApiSettings>()
        .copied()
        .unwrap_or_default()
        .consistency_timeout;
    match wait_for(pool, ProductsProjection::NAME, &token, timeout).await {
        Ok(()) => Ok(()),
        Err(ConsistencyError::Timeout(_)) => Err(api_error(
            ErrorCode::UpstreamUnavailable,
            format!("the catalog read model has not applied this write within {timeout:?}; retry shortly"),
            Some("consistentWith"),
        )),
        Err(ConsistencyError::Database(e)) => Err(internal_error(&e, &request_context(ctx).correlation_id)),
    }
}

/// Catalog queries.
#[derive(Debug, Default)]
pub struct CatalogQuery;

#[Object]
impl CatalogQuery {
    /// One product by id. `consistentWith`: a mutation's `consistencyToken`; the query then
    /// waits (up to 5 s) until the read model reflects that mutation.
    #[graphql(guard = "permission(Permission::CatalogRead)")]
    async fn product(&self, ctx: &Context<'_>, id: ID, consistent_with: Option<String>) -> Result<Option<Product>> {
        let id = parse_uuid(&id, "id")?;
        wait_for_products(ctx, consistent_with.as_deref()).await?;
        let pool = ctx.data::<PgPool>()?;
        match get_product(pool, id).await {
            Ok(Some(record)) => Ok(Some(Product(record))),
            Ok(None) => Err(api_error(
                ErrorCode::NotFound,
                format!("no product with id {id}"),
                Some("id"),
            )),
            Err(e) => Err(internal_error(&e, &request_context(ctx).correlation_id)),
        }
    }

    /// Products matching `filter`, `first` (1–100, default 20) at a time after cursor `after`,
    /// in `sort` order (default: `RELEVANCE` when searching, else `CREATED_AT_DESC`).
    #[graphql(guard = "permission(Permission::CatalogRead)")]
    async fn products(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ProductFilterInput>,
        sort: Option<ProductSortGql>,
        consistent_with: Option<String>,
    ) -> Result<ProductConnection> {
        wait_for_products(ctx, consistent_with.as_deref()).await?;
        let pool = ctx.data::<PgPool>()?;
        let filter: ProductFilter = filter.unwrap_or_default().into();
        let first = i64::from(first.unwrap_or(DEFAULT_PAGE_SIZE));
        let searching = filter.search.as_deref().is_some_and(|s| !s.trim().is_empty());
        let sort = sort.map_or(
            if searching {
                ProductSort::Relevance
            } else {
                ProductSort::CreatedAtDesc
            },
            ProductSort::from,
        );
        let query = std::sync::Arc::new(ProductQuery::new(filter));
        let page = query
            .page(pool, sort, first, after.as_deref())
            .await
            .map_err(|e| match e {
                ProductQueryError::PageSize => api_error(ErrorCode::BadUserInput, e.to_string(), Some("first")),
                ProductQueryError::Cursor(_) => api_error(ErrorCode::BadUserInput, e.to_string(), Some("after")),
                ProductQueryError::Database(e) => internal_error(&e, &request_context(ctx).correlation_id),
            })?;
        let edges: Vec<ProductEdge> = page
            .edges
            .into_iter()
            .map(|(cursor, record)| ProductEdge {
                cursor,
                node: Product(record),
            })
            .collect();
        Ok(ProductConnection {
            page_info: PageInfo {
                has_next_page: page.has_next_page,
                has_previous_page: after.is_some(),
                start_cursor: edges.first().map(|e| e.cursor.clone()),
                end_cursor: edges.last().map(|e| e.cursor.clone()),
            },
            nodes: edges.iter().map(|e| e.node.clone()).collect(),
            edges,
            count: MatchCount::of(query),
        })
    }
}
