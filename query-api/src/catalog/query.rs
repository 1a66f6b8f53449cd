use super::connection::MatchCount;
use super::{PageInfo, ProductConnection, ProductEdge};
use async_graphql::{Context, ID, Object, Result};
use gomarket_api_core::access::permission;
use gomarket_api_core::catalog::{Product, ProductFilterInput, ProductSortGql};
use gomarket_api_core::consistency::wait_consistent;
use gomarket_api_core::context::request_context;
use gomarket_api_core::error::{ErrorCode, api_error, failure};
use gomarket_api_core::ids::parse_uuid;
use gomarket_api_core::read_cache::read_through;
use gomarket_domain::identity::Permission;
use gomarket_projections::catalog::{
    ProductFilter, ProductQuery, ProductQueryError, ProductSort, ProductsProjection, get_product,
};
use sqlx::PgPool;

const DEFAULT_PAGE_SIZE: i32 = 20;

/// Waits, bounded, until the products read model has applied the write behind `token`.
async fn wait_for_products(ctx: &Context<'_>, token: Option<&str>) -> Result<()> {
    wait_consistent(ctx, ProductsProjection::NAME, "catalog", token).await
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
        let read = read_through(
            ctx,
            ProductsProjection::NAME,
            "product",
            &id,
            consistent_with.is_some(),
            || get_product(pool, id),
        );
        match read.await {
            Ok(Some(record)) => Ok(Some(Product(record))),
            Ok(None) => Err(api_error(
                ErrorCode::NotFound,
                format!("no product with id {id}"),
                Some("id"),
            )),
            Err(e) => Err(failure(&e, &request_context(ctx).correlation_id)),
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
        let arguments = (&filter, sort, first, after.as_deref());
        let query = std::sync::Arc::new(ProductQuery::new(filter.clone()));
        let page = read_through(
            ctx,
            ProductsProjection::NAME,
            "products",
            &arguments,
            consistent_with.is_some(),
            || query.page(pool, sort, first, after.as_deref()),
        )
        .await
        .map_err(|e| match e {
            ProductQueryError::PageSize => api_error(ErrorCode::BadUserInput, e.to_string(), Some("first")),
            ProductQueryError::Cursor(_) => api_error(ErrorCode::BadUserInput, e.to_string(), Some("after")),
            ProductQueryError::Database(e) => failure(&e, &request_context(ctx).correlation_id),
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
